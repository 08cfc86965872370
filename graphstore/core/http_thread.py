"""A local HTTP server running in a background thread, as the Browser guide and the shopper's page run theirs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer


@dataclass
class ThreadedServer:
    """A running ``httpd`` served by ``thread``: wait for it, or stop it and release its port."""

    httpd: ThreadingHTTPServer
    thread: threading.Thread

    @staticmethod
    def start_thread(httpd: ThreadingHTTPServer, name: str) -> threading.Thread:
        """Start serving ``httpd`` in a daemon thread called ``name``; return the thread."""
        thread = threading.Thread(target=httpd.serve_forever, name=name, daemon=True)
        thread.start()
        return thread

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C interrupts the wait)."""
        self.thread.join()

    def close(self) -> None:
        """Stop serving and release the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
