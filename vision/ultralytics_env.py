"""Run Ultralytics offline: no downloads, no pip installs, no telemetry, a writable config dir.

Ultralytics reads ``YOLO_OFFLINE``, ``YOLO_AUTOINSTALL`` and ``YOLO_CONFIG_DIR`` once, when it
is first imported (its online check and its settings file are module globals), so
:func:`configure_ultralytics` must run before the first ``import ultralytics``; every module of
the vision plugin that uses Ultralytics calls it first and imports Ultralytics inside functions.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_DEFAULT_SUBDIR = "ultralytics"


def default_config_dir() -> Path:
    """``$YOLO_CONFIG_DIR`` if set, else ``<$SHOPGRAPH_HOME or ./.shopgraph>/ultralytics``."""
    if env_dir := os.environ.get("YOLO_CONFIG_DIR"):
        return Path(env_dir).expanduser()
    return Path(os.environ.get("SHOPGRAPH_HOME", ".shopgraph")).expanduser() / _DEFAULT_SUBDIR


def configure_ultralytics(config_dir: Path | None = None) -> None:
    """Set Ultralytics up for offline use; safe to call any number of times.

    Sets ``YOLO_OFFLINE=1`` (no online check, so no download attempts), ``YOLO_AUTOINSTALL=0``
    (no pip installs of missing extras) and ``YOLO_CONFIG_DIR`` (created if missing), then turns
    the ``sync`` (telemetry) setting off in that settings file.

    Args:
        config_dir: where Ultralytics keeps ``settings.json``; default :func:`default_config_dir`.
            Ignored with respect to the environment if Ultralytics was already imported with
            another directory (it cannot be moved then); the offline switches still apply.

    Raises:
        OSError: ``config_dir`` cannot be created.
    """
    directory = (config_dir or default_config_dir()).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "0"
    first_import = "ultralytics" not in sys.modules
    verbose = os.environ.get("YOLO_VERBOSE")
    if first_import:
        os.environ["YOLO_CONFIG_DIR"] = str(directory)
        # Its first import on a fresh home announces the new settings file on stdout: not our users' business.
        os.environ["YOLO_VERBOSE"] = "False"

    from ultralytics import utils as ul_utils  # imported only now that the environment is set

    if first_import:
        if verbose is None:
            del os.environ["YOLO_VERBOSE"]
        else:
            os.environ["YOLO_VERBOSE"] = verbose
        # Back to what the user asked for (Ultralytics' default: verbose, INFO).
        ul_utils.VERBOSE = verbose is None or verbose.strip().lower() in ("1", "true", "yes", "on", "y", "t")
        logging.getLogger(ul_utils.LOGGING_NAME).setLevel(logging.INFO if ul_utils.VERBOSE else logging.ERROR)
    # Already-imported Ultralytics read the switches at import; set its globals to match.
    ul_utils.ONLINE = False
    ul_utils.AUTOINSTALL = False
    if ul_utils.SETTINGS.get("sync", True):
        ul_utils.SETTINGS.update(sync=False)


@contextmanager
def ultralytics_logging(level: int = logging.WARNING, stream: IO[str] | None = None) -> Iterator[None]:
    """Within the block, Ultralytics logs only at ``level`` or above, to ``stream`` if given (else stdout).

    The default, WARNING, also turns Ultralytics' progress bars off (they follow the logger's level),
    so a command's own output on stdout stays clean. Calls :func:`configure_ultralytics` first.
    """
    configure_ultralytics()
    logger = logging.getLogger("ultralytics")
    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    old_level, old_streams = logger.level, [h.stream for h in handlers]
    logger.setLevel(level)
    if stream is not None:
        for h in handlers:
            h.setStream(stream)
    try:
        yield
    finally:
        logger.setLevel(old_level)
        for h, old in zip(handlers, old_streams, strict=True):
            h.setStream(old)
