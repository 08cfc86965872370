"""The vision plugin's public API: ``analyse_photo`` on a shipped photo, the lazy package, and the
assistant's use of it (no server: colours come from the shipped vocabulary).

The detector is the shipped ``vision/models/shopgraph-seg.pt``; the handbag photo ``14135.jpg`` is
the one it finds most surely (a bag at 0.86, blue like its catalog row).
"""

from __future__ import annotations

import ast
import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.vision import PhotoAnalyser, analyse_photo
from shopgraph.vision.embed import EMBEDDING_DIM
from shopgraph.vision.images import load_image

from .conftest import DATA

PHOTOS = DATA / "images"
HANDBAG = PHOTOS / "14135.jpg"
ASSISTANT = Path(__file__).resolve().parents[1] / "assistant"


@pytest.fixture(scope="module")
def analyser() -> PhotoAnalyser:
    return PhotoAnalyser.load()


def test_analyse_photo_finds_the_handbag_its_colour_and_unit_embeddings() -> None:
    analysis = analyse_photo(HANDBAG)
    assert analysis.sha256 == hashlib.sha256(HANDBAG.read_bytes()).hexdigest()
    assert (analysis.width, analysis.height) == (224, 224)
    assert analysis.model_version.startswith("shopgraph-seg@")
    assert analysis.embedding_model.startswith("efficientnet-lite0")
    main = analysis.main
    assert main is not None and main is analysis.objects[0]
    assert (main.index, main.class_name, main.category) == (0, "bag", "bags")
    assert main.confidence > 0.8 and 0 < main.mask_area < 224 * 224
    assert main.colour_name == "blue" and load_vocabulary().terms["Colour"]["blue"].family == "blue"
    assert main.lab is not None and main.lab[2] < -20  # L*a*b*: b* well into blue
    for vector in (analysis.embedding, *(o.embedding for o in analysis.objects)):
        assert vector.shape == (EMBEDDING_DIM,) and vector.dtype == np.float32
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
    # the crop (bag on white) is not the whole photo, but close to it: a bag on a studio background
    assert 0.5 < float(analysis.embedding @ main.embedding) < 0.999


def test_a_batch_analyses_each_photo_as_alone(analyser: PhotoAnalyser) -> None:
    names = ("14135.jpg", "10295.jpg", "073/0734435004.jpg")
    photos = [load_image(PHOTOS / name) for name in names]
    timings: dict[str, float] = {}
    together = analyser.analyse_batch(photos, timings)
    assert set(timings) == {"detect", "colour", "embed", "recognise"}
    assert [a.main.class_name if a.main else None for a in together] == ["bag", "footwear", "dress"]
    for photo, batched in zip(photos, together, strict=True):
        alone = analyser.analyse(photo.path)
        assert alone.detections == batched.detections
        assert [o.colour for o in alone.objects] == [o.colour for o in batched.objects]
        np.testing.assert_allclose(alone.embedding, batched.embedding, atol=1e-5)


def test_a_file_that_is_not_a_photo_is_an_input_error(analyser: PhotoAnalyser, tmp_path: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo\n")
    with pytest.raises(InputError, match="notes.jpg: not an image"):
        analyser.analyse(bad)


def test_importing_the_vision_package_loads_no_torch() -> None:
    code = "import sys, shopgraph.vision as v; v.__all__; print('torch' in sys.modules, 'ultralytics' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_assistant_uses_only_the_vision_packages_public_api() -> None:
    """Guards issue 11: the assistant once imported four vision modules and a helper of vision.ingest."""
    reached = []
    for path in sorted(ASSISTANT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
            reached += [f"{path.name}: {n}" for n in names if n.startswith("shopgraph.vision.")]
    assert reached == []
