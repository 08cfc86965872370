"""The shopper's page (``shopgraph serve``) in headless Chromium: pick a photo, ask, recommend; a screenshot.

    python -m bench.shop_screenshot --out docs/img

Starts from a running server: the one the settings name (after ``make demo``, the local one with the
demo graph; its photos ingested with ``shopgraph ingest images``). Serves the page on a free loopback
port (``assistant.serving``), picks the catalog photo of ``--product`` (default: the first) from the page's strip, waits
for its detections and matches, asks ``--question`` about it, picks the most active customer, shows
their recommendations and saves ``<out>/shopper-page.png``.

Needs Chromium and its driver (Debian packages ``chromium`` and ``chromium-driver``) and Selenium
(the ``dev`` extra). ``tests/test_serving.py`` drives the same steps against the test graph.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from bench.browser_screenshot import failure_shot, headless_chromium, wait_for
from shopgraph.assistant.serving import serve
from shopgraph.graphstore.core.config import load_settings
from shopgraph.graphstore.core.connection import connect


class ShopPage:
    """The shopper's page in a Selenium-driven Chromium: what a shopper does on it."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def open(self, url: str) -> None:
        """Load the page and wait until it has listed its sample photos and customers."""
        self.driver.get(url)
        wait_for(
            "the page's photos and customers",
            lambda: self.driver.find_element(By.TAG_NAME, "body").get_attribute("data-ready"),
        )

    def sample_products(self) -> list[str]:
        """The products of the sample photos the page offers, in order."""
        found = self.driver.find_elements(By.CSS_SELECTOR, "#samples button")
        return [b.get_attribute("data-product") or "" for b in found]

    def pick_photo(self, product: str) -> list[str]:
        """Pick the sample photo of ``product``; wait for its detections; return each detection's heading."""
        self.driver.find_element(By.CSS_SELECTOR, f'#samples button[data-product="{product}"]').click()
        headings = wait_for(
            "the photo's detections and matches",
            lambda: self.driver.find_elements(By.CSS_SELECTOR, "#detections .detection h3"),
            timeout_s=180,
        )
        return [h.text for h in headings]

    def matched_products(self) -> list[str]:
        """The products shown as matches of the photo's detections, in order."""
        found = self.driver.find_elements(By.CSS_SELECTOR, "#detections .matches li")
        return [li.get_attribute("data-product") or "" for li in found]

    def ask(self, question: str) -> str:
        """Type ``question``, press Ask, wait for the answer; return its text."""
        field = self.driver.find_element(By.ID, "question")
        field.clear()
        field.send_keys(question)
        before = self.driver.find_element(By.ID, "answer-text").text
        self.driver.find_element(By.ID, "ask-button").click()

        def answered() -> str | None:
            text = self.driver.find_element(By.ID, "answer-text").text
            done = self.driver.find_element(By.ID, "ask-button").is_enabled()
            return text if done and text and text != before else None

        return wait_for("the answer", answered, timeout_s=180)

    def english(self) -> str:
        """The English wording shown under an answer in another language (empty for English answers)."""
        return self.driver.find_element(By.ID, "answer-english").text

    def recommend(self, customer_index: int = 1) -> list[str]:
        """Pick the ``customer_index``-th customer of the list (1: the most active), show their recommendations;
        return the recommended products."""
        Select(self.driver.find_element(By.ID, "customer")).select_by_index(customer_index)
        self.driver.find_element(By.ID, "recommend-button").click()
        items = wait_for(
            "the recommendations", lambda: self.driver.find_elements(By.CSS_SELECTOR, "#recommendations > li")
        )
        return [li.get_attribute("data-product") or "" for li in items]


def take_screenshot(out: Path, product: str | None, question: str) -> Path:
    """Drive the page against the settings' server; save and return ``<out>/shopper-page.png``."""
    out.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    handle = connect(settings)
    try:
        with (
            serve(handle, port=0, database=settings.database) as server,
            headless_chromium(1600, 1000) as driver,
            failure_shot(driver, out),
        ):
            page = ShopPage(driver)
            page.open(server.url)
            page.pick_photo(product or page.sample_products()[0])
            page.ask(question)
            page.recommend()
            shot = out / "shopper-page.png"
            driver.save_screenshot(str(shot))
    finally:
        handle.close()
    return shot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"), help="folder for the PNG file")
    parser.add_argument("--product", help="the product whose catalog photo is picked (default: the first offered)")
    parser.add_argument("--question", default="这件衣服是什么颜色？", help="the question asked about it")
    args = parser.parse_args(argv)
    print(take_screenshot(args.out, args.product, args.question))
    return 0


if __name__ == "__main__":
    sys.exit(main())
