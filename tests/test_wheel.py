"""The built wheel: one ``shopgraph`` package with its weights, Cypher, vocabulary and sample, nothing else.

The wheel is built from this checkout (``python -m build --wheel``, no network: the build runs in
this environment) and installed with ``--no-deps`` into an empty folder, which a fresh interpreter
then imports from, started outside the checkout so that the editable install cannot answer instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    leftovers = [p for p in (ROOT / "build",) if not p.exists()]  # setuptools' work folder, if the test made it
    try:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
            check=True,
            capture_output=True,
            cwd=tmp_path_factory.mktemp("build-cwd"),
        )
    finally:
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)
    (found,) = out.glob("shopgraph-*.whl")
    return found


def test_the_wheel_holds_one_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = sorted({n.split("/", 1)[0] for n in names})
    assert len(top) == 2 and top[0] == "shopgraph" and top[1].startswith("shopgraph-"), top
    assert top[1].endswith(".dist-info"), top
    assert "shopgraph/vision/models/shopgraph-seg.pt" in names
    assert "shopgraph/graphstore/data/vocab/detector_classes.csv" in names
    assert "shopgraph/graphstore/data/sample/hm_transactions.csv" in names
    assert "shopgraph/graphstore/data/sample/ATTRIBUTION.md" in names
    assert sum(n.startswith("shopgraph/graphstore/data/sample/images/") for n in names) == 80
    assert sum(n.endswith(".cypher") for n in names) == len(list((ROOT / "cypher").rglob("*.cypher")))
    assert not [n for n in names if "/tests/" in n or n.startswith("tests/") or "__pycache__" in n]
    licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert licence, "the Apache-2.0 LICENSE travels in the wheel"


def test_the_installed_wheel_imports_and_runs_from_its_own_files(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    assert sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info")) == ["bin", "shopgraph"]
    probe = (
        "import shopgraph, shopgraph.cypher as c\n"
        "from shopgraph.demo import sample_dir\n"
        "from shopgraph.graphstore.core.defaults import VISION\n"
        "print(shopgraph.__file__)\n"
        "print(len(c.available()), c.load('recommend').name)\n"
        "print(len(list((sample_dir() / 'images').rglob('*.jpg'))))\n"
        "print(VISION.weights.is_file(), VISION.weights)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    module, queries, photos, weights = done.stdout.splitlines()
    assert module == str(target / "shopgraph" / "__init__.py")
    count, name = queries.split()
    assert int(count) >= 20 and name == "recommend"
    assert photos == "80"
    assert weights.startswith("True ") and weights.split()[1].startswith(str(target))

    script = target / "bin" / "shopgraph"
    done = subprocess.run(
        [sys.executable, str(script), "--help"], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "Usage: shopgraph" in done.stdout and "recommend" in done.stdout
