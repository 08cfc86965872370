"""The library scripts in examples/ run as a newcomer would run them, against the real Neo4j."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from neo4j import Driver

from shopgraph.graphstore.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_analyse_photo_names_the_shoe_and_its_colour() -> None:
    out = run_example("analyse_photo.py", str(ROOT / "tests" / "data" / "images" / "10295.jpg"))
    lines = out.splitlines()
    assert lines[0].startswith(f"{ROOT / 'tests' / 'data' / 'images' / '10295.jpg'}: 224x224, 1 object(s)")
    assert lines[1].split()[0] == "footwear" and "category=footwear" in lines[1]
    assert lines[-1] == "photo vector: 1280 dimensions"


def test_load_catalog_then_recommend(neo4j_settings: Settings, driver: Driver) -> None:
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }
    out = run_example("load_catalog.py", env=env)
    assert "myntra_styles.csv: 300 products loaded, 0 rejected" in out
    assert "hm_articles.csv: 642 products loaded, 0 rejected" in out
    # 942 catalog products plus the purchased articles the sample catalog does not list.
    assert "Product nodes: 2177, PURCHASED: 2239" in out

    out = run_example("recommend.py", env=env)
    lines = out.splitlines()
    # Without `shopgraph train` the sample's customers have no vectors: preferences rank.
    assert lines[0].startswith("customer ") and lines[0].endswith("ranked by preferences")
    products = [line.split()[1] for line in lines[2:]]
    assert len(products) == 5 and all(p.startswith("hm:") for p in products)
