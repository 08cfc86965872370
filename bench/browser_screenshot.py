"""Neo4j Browser in headless Chromium: log in, open the shopgraph guide, run a guide query, take screenshots.

    python -m bench.browser_screenshot --out docs/img

Starts from a running server: the one the settings name (after ``make demo``, the local one with
the demo graph). Serves the guide on a free loopback port (``graphstore.browser.guide_server``), opens the link
``shopgraph browser`` prints (connect form filled in, guide in the sidebar), logs in with the
configured password, applies the style sheet from the guide's first slide, then on the slide of
``--query`` presses the run button of its parameter block and of its query, waits until the
result is drawn and saves ``<out>/browser-guide.png``; then the model slide's one-product graph
as ``<out>/browser-graph.png``.

Needs Chromium and its driver (Debian packages ``chromium`` and ``chromium-driver``) and Selenium
(the ``dev`` extra). ``tests/test_browser.py`` drives the same steps against the test server.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from shopgraph import cypher
from shopgraph.graphstore.browser import guide as browser
from shopgraph.graphstore.browser import guide_server
from shopgraph.graphstore.core.config import Settings, load_settings

T = TypeVar("T")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_NAMES = ("chromedriver",)
_POLL_S = 0.25
# Browser animates a graph's layout for a moment after drawing it.
_LAYOUT_S = 3


def find_chromium() -> tuple[str, str] | None:
    """Paths of a Chromium and its chromedriver on PATH, or None when either is missing."""
    chromium = next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)
    driver = next((p for p in map(shutil.which, DRIVER_NAMES) if p), None)
    return (chromium, driver) if chromium and driver else None


@contextmanager
def headless_chromium(width: int = 1600, height: int = 900) -> Iterator[WebDriver]:
    """A headless Chromium of ``width`` x ``height`` CSS pixels, driven by the system chromedriver, quit on exit.

    Raises:
        RuntimeError: Chromium or chromedriver is not installed.
    """
    found = find_chromium()
    if found is None:
        raise RuntimeError("needs chromium and chromedriver on PATH (Debian: apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    try:
        # The window size would include the browser's frame; this sets the viewport the screenshot shows.
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        yield driver
    finally:
        driver.quit()


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 60) -> T:
    """Poll ``probe`` until it returns something truthy; return it.

    Raises:
        TimeoutException: ``timeout_s`` passed; the message says ``what`` was awaited.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            found = probe()
        except StaleElementReferenceException:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutException(f"waited {timeout_s:g} s for {what}")
        time.sleep(_POLL_S)


class BrowserPage:
    """Neo4j Browser in a Selenium-driven Chromium: the few actions an analyst takes with the guide."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def connect(self, open_url: str, password: str) -> None:
        """Open ``open_url`` (``BrowserSetup.open_url``), type the password, connect, wait for the guide."""
        self.driver.get(open_url)
        field = wait_for("the password field", lambda: self._one("input[data-testid=password]"))
        field.send_keys(password)
        self._one("button[data-testid=connect]").click()
        wait_for("the connection", lambda: "You are connected as user" in self._stream_text())
        self.guide_blocks()
        self.dismiss_banner()

    def _one(self, css: str, root: WebElement | None = None) -> WebElement | None:
        found = (root or self.driver).find_elements(By.CSS_SELECTOR, css)
        return found[0] if found and found[0].is_displayed() else None

    def _stream_text(self) -> str:
        stream = self._one("[data-testid=stream]")
        return stream.text if stream else ""

    def scroll_guide_to_top(self) -> None:
        """Scroll the guide sidebar back to its slide's heading (running a block scrolls it into view)."""
        self.driver.execute_script(
            "document.querySelectorAll('[data-testid=guidesDrawer] *')"
            ".forEach(e => { if (e.scrollHeight > e.clientHeight) e.scrollTop = 0; });"
        )

    def dismiss_banner(self) -> None:
        """Close Browser's usage-data notice, if it shows (its close button is the span after the message)."""
        for message in self.driver.find_elements(By.XPATH, "//span[starts-with(., 'To help make Neo4j Browser')]"):
            message.find_element(By.XPATH, "following-sibling::span").click()

    def run(self, command: str) -> None:
        """Type ``command`` into the editor and run it (no brackets or quotes: the editor would close them)."""
        editor = wait_for("the editor", lambda: self._one(".monaco-editor textarea"))
        editor.send_keys(command)
        self._one("button[data-testid=editor-Run]").click()

    def guide_blocks(self) -> list[WebElement]:
        """The runnable blocks of the guide slide shown in the sidebar (waits for at least one)."""
        return wait_for(
            "runnable blocks in the guide sidebar",
            lambda: self.driver.find_elements(By.CSS_SELECTOR, "[data-testid=guidesDrawer] pre.runnable"),
        )

    def guide_title(self) -> str:
        """The heading of the guide slide shown in the sidebar."""
        return wait_for("a guide slide", lambda: self._one("[data-testid=guidesDrawer] h3")).text

    def open_slide(self, guide_url: str, number: int, heading_end: str) -> str:
        """Show slide ``number`` (from 1, as the sidebar's page numbers) of the guide; wait for its heading.

        ``heading_end`` is how that heading ends (a query's name); returns the whole heading.
        """
        self.run(f":guide {guide_url}#slide-{number - 1}")

        def heading() -> str | None:
            shown = self._one("[data-testid=guidesDrawer] h3")
            return shown.text if shown and shown.text.endswith(heading_end) else None

        return wait_for(f"slide {number} ({heading_end})", heading)

    def run_block(self, block: WebElement) -> None:
        """Press the run button Browser puts before a guide block."""
        block.find_element(By.CSS_SELECTOR, "i").click()

    def set_params(self, block: WebElement, names: Sequence[str], timeout_s: float = 60) -> None:
        """Run a guide slide's parameter block and wait until Browser holds each of ``names``.

        Each row of a block of several ``:param`` lines reports success a moment before Browser
        stores its value (a query run at once misses them), so this asks ``:params`` until all are there.
        """
        self.run_block(block)
        self.top_frame(":param", params_set, timeout_s)

        def stored() -> bool:
            self.run(":params")
            frame = self.top_frame(":params", lambda f: "{" in f.text, timeout_s)
            return all(f'"{name}"' in frame.text for name in names)

        wait_for(f"Browser to hold the parameters {', '.join(names)}", stored, timeout_s)

    def top_frame(self, command_start: str, done: Callable[[WebElement], bool], timeout_s: float = 60) -> WebElement:
        """The newest frame, once its command starts with ``command_start`` and ``done(frame)`` holds."""

        def probe() -> WebElement | None:
            frames = self.driver.find_elements(By.CSS_SELECTOR, "[data-testid=frame]")
            if not frames:
                return None
            command = frames[0].find_element(By.CSS_SELECTOR, "[data-testid=frameCommand]").text
            if not " ".join(command.split()).removeprefix("neo4j$").strip().startswith(command_start):
                return None
            return frames[0] if done(frames[0]) else None

        return wait_for(f"the frame of {command_start!r}", probe, timeout_s)

    def hide_overview(self, frame: WebElement) -> None:
        """Fold the overview panel of ``frame``'s graph view, so the graph gets its width (Browser keeps this)."""
        for chevron in frame.find_elements(By.CSS_SELECTOR, "[aria-label^='Collapse the node properties']"):
            chevron.click()

    def node_fills(self, frame: WebElement, timeout_s: float = 30) -> list[tuple[str, str]]:
        """(caption, fill colour) of each node in ``frame``'s graph view, once drawn; caption lines joined by spaces."""

        def drawn() -> list[tuple[str, str]]:
            nodes = []
            for node in frame.find_elements(By.CSS_SELECTOR, "svg g.node"):
                captions = node.find_elements(By.CSS_SELECTOR, "text.caption")
                lines = [t.get_attribute("textContent").strip() for t in captions]
                fill = node.find_element(By.CSS_SELECTOR, "circle.b-outline").get_attribute("fill")
                nodes.append((" ".join(lines), fill))
            return nodes

        return wait_for("the graph's nodes", drawn, timeout_s)


def has_result(frame: WebElement) -> bool:
    """A query's frame is done: the table's status line, the graph's overview, or an error says so."""
    text = frame.text
    return any(done in text for done in ("Started streaming", "Displaying", "ERROR"))


def params_set(frame: WebElement) -> bool:
    """A parameter block has run: one ``:param`` says so; several show a row each, done when each has its icon."""
    if "Successfully set your parameters" in frame.text:
        return True
    rows = frame.find_elements(By.CSS_SELECTOR, "[data-testid=multi-statement-list-title]")
    icons = frame.find_elements(By.CSS_SELECTOR, "[data-testid=multi-statement-list-icon]")
    return bool(rows) and len(icons) >= len(rows)


def shows(text: str) -> Callable[[WebElement], bool]:
    """A frame is done once it shows ``text``."""
    return lambda frame: text in frame.text


def query_slide(queries: list[cypher.NamedQuery], name: str) -> int:
    """The slide number (from 1) of query ``name`` in the guide built from ``queries``."""
    number = 3
    for _, chosen in browser.guide_sections(queries):
        for query in chosen:
            if query.name == name:
                return number
            number += 1
    raise KeyError(f"query {name} is not in the guide")


def first_line(text: str) -> str:
    """The start of a statement's first line, which Browser's frame header shows whatever follows."""
    return " ".join(text.splitlines()[0].split())[:30]


@contextmanager
def failure_shot(driver: WebDriver, out: Path) -> Iterator[None]:
    """On an error, save what the page showed as ``<out>/browser-failure.png`` before the error propagates."""
    try:
        yield
    except Exception:
        driver.save_screenshot(str(out / "browser-failure.png"))
        raise


def take_screenshots(settings: Settings, out: Path, query: str) -> list[Path]:
    """Run the guide in headless Chromium against ``settings``' server; save and return the screenshots."""
    out.mkdir(parents=True, exist_ok=True)
    queries = cypher.available()
    named = cypher.load(query)
    with guide_server.serve(settings, port=0) as server, headless_chromium() as driver, failure_shot(driver, out):
        setup = server.setup
        if setup.open_url is None:
            raise RuntimeError("the screenshots need the local server (NEO4J_URI is set)")
        page = BrowserPage(driver)
        page.connect(setup.open_url, settings.resolved_password())
        style = page.guide_blocks()[0]
        page.run_block(style)
        page.top_frame(":style", shows("node.Product"))
        page.run(":clear")
        page.open_slide(setup.guide_url, query_slide(queries, query), query)
        blocks = page.guide_blocks()
        if named.params:
            page.set_params(blocks[0], [p.name for p in named.params])
            page.run(":clear")
        page.run_block(blocks[-1])
        frame = page.top_frame(first_line(named.statements[0]), has_result)
        page.hide_overview(frame)
        time.sleep(_LAYOUT_S)
        shots = [out / "browser-guide.png"]
        page.scroll_guide_to_top()
        page.dismiss_banner()
        driver.save_screenshot(str(shots[0]))
        page.run(":clear")
        page.open_slide(setup.guide_url, 2, "The graph model")
        page.run_block(page.guide_blocks()[-1])
        page.hide_overview(page.top_frame("MATCH path", has_result))
        time.sleep(_LAYOUT_S)
        shots.append(out / "browser-graph.png")
        page.dismiss_banner()
        driver.save_screenshot(str(shots[1]))
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"), help="folder for the PNG files")
    parser.add_argument("--query", default="customer_profile", help="the library query whose slide is shown")
    args = parser.parse_args(argv)
    for path in take_screenshots(load_settings(), args.out, args.query):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
