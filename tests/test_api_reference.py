"""docs/python-api.md documents exactly today's public API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import shopgraph
from shopgraph.api_reference import api_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "python-api.md"


def test_python_api_page_is_current() -> None:
    expected = api_markdown()
    for name in shopgraph.__all__:
        assert f"## `{name}`" in expected
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/python-api.md is stale: run `python -m shopgraph.api_reference > docs/python-api.md`"
    )


def test_import_shopgraph_is_light() -> None:
    code = "import sys, shopgraph; print(sorted(m for m in ('torch', 'ultralytics', 'cv2') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_public_name_resolves_to_its_module() -> None:
    for name, module in shopgraph._API.items():
        assert getattr(shopgraph, name).__module__ == module, name
