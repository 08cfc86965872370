"""Photos into the real Neo4j: detector records, Image and Detection nodes, DEPICTS and its agreement
check, idempotence, resuming, model versions, visual search and the two commands.

The detector is the shipped ``vision/models/shopgraph-seg.pt`` when it exists; otherwise a
throwaway YOLO11n-seg is trained once per session on the eight shipped test photos (labels: the
non-background pixels, classes from the catalog), which takes about 30-50 s on two cores and
detects those photos well enough to exercise every path. Assertions therefore avoid depending
on which class the model finds, except where the test sets the detections itself.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from neo4j import Driver
from PIL import Image

from shopgraph.cli.ingest_cmds import EXIT_FILES_FAILED, images
from shopgraph.cli.similar_cmd import similar
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.loader import ingest_catalog
from shopgraph.vision.classes import CLASS_NAMES, class_for_group, class_named
from shopgraph.vision.detector import DEFAULT_WEIGHTS, Detector, file_sha256
from shopgraph.vision.embed import EMBEDDING_DIM
from shopgraph.vision.images import load_image
from shopgraph.vision.ingest import ImageIngestReport, ingest_images, link_depicted_products
from shopgraph.vision.recognise import Recogniser
from shopgraph.vision.search import similar_products
from shopgraph.vision.ultralytics_env import configure_ultralytics

from .conftest import DATA, SAMPLE

PHOTOS = DATA / "images"
# The shipped photos, their products and the detector class of each product's catalog category.
PRODUCTS = {
    "10008.jpg": ("myntra:10008", "top"),
    "10016.jpg": ("myntra:10016", "dress"),
    "10295.jpg": ("myntra:10295", "footwear"),
    "11334.jpg": ("myntra:11334", "bottoms"),
    "14135.jpg": ("myntra:14135", "bag"),
    "039/0399223001.jpg": ("hm:0399223001", "bottoms"),
    "051/0516903024.jpg": ("hm:0516903024", "knitwear"),
    "073/0734435004.jpg": ("hm:0734435004", "dress"),
}


def train_throwaway_model(out: Path) -> Path:
    """YOLO11n-seg overfitted on the eight test photos: 64 px, 8 copies each, 40 epochs, deterministic."""
    configure_ultralytics(out / "ultralytics")
    from ultralytics import YOLO

    data = out / "data"
    (data / "images").mkdir(parents=True)
    (data / "labels").mkdir()
    for name, (_, class_name) in PRODUCTS.items():
        photo = load_image(PHOTOS / name).pixels
        assert photo is not None
        rgb = photo.astype(np.int16)
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        foreground = (np.abs(rgb - np.median(border, axis=0)).max(axis=2) > 30).astype(np.uint8)
        foreground = cv2.morphologyEx(foreground, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        contours, _ = cv2.findContours(foreground, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        outline = max(contours, key=cv2.contourArea).reshape(-1, 2)
        height, width = foreground.shape
        label = " ".join(f"{x / width:.4f} {y / height:.4f}" for x, y in outline)
        stem = Path(name).stem
        for copy in range(8):
            shutil.copy(PHOTOS / name, data / "images" / f"{stem}_{copy}.jpg")
            (data / "labels" / f"{stem}_{copy}.txt").write_text(f"{CLASS_NAMES.index(class_name)} {label}\n")
    names = "".join(f"  {i}: {n}\n" for i, n in enumerate(CLASS_NAMES))
    (data / "data.yaml").write_text(f"path: {data}\ntrain: images\nval: images\nnames:\n{names}")
    YOLO("yolo11n-seg.yaml").train(
        data=str(data / "data.yaml"),
        epochs=40,
        imgsz=64,
        batch=8,
        workers=0,
        device="cpu",
        optimizer="SGD",
        lr0=0.02,
        warmup_epochs=0,
        mosaic=0.0,
        close_mosaic=0,
        hsv_h=0.0,
        hsv_s=0.0,
        hsv_v=0.0,
        translate=0.0,
        scale=0.0,
        fliplr=0.0,
        erasing=0.0,
        seed=0,
        deterministic=True,
        plots=False,
        val=False,
        amp=False,
        project=str(out / "runs"),
        name="throwaway",
        exist_ok=True,
        verbose=False,
    )
    weights = out / "shopgraph-seg-test.pt"
    shutil.copy(out / "runs" / "throwaway" / "weights" / "last.pt", weights)
    return weights


@pytest.fixture(scope="session")
def seg_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped detector weights, else a throwaway model trained once for the session."""
    if DEFAULT_WEIGHTS.is_file():
        return DEFAULT_WEIGHTS
    return train_throwaway_model(tmp_path_factory.mktemp("seg-model"))


@pytest.fixture(scope="session")
def detector(seg_weights: Path) -> Detector:
    return Detector.load(seg_weights)


def load_catalog(driver: Driver, tmp_path: Path) -> None:
    """The catalog rows of the test photos' products, from the shipped sample files."""
    for sample, key, ids in (
        ("myntra_styles.csv", "id", {p.split(":")[1] for p, _ in PRODUCTS.values() if p.startswith("myntra")}),
        ("hm_articles.csv", "article_id", {p.split(":")[1] for p, _ in PRODUCTS.values() if p.startswith("hm")}),
    ):
        with (SAMPLE / sample).open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = [row for row in reader if row[key] in ids]
        subset = tmp_path / sample
        with subset.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        assert ingest_catalog(driver, subset).loaded == len(ids)


def rows(driver: Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, **params)
    return [dict(r) for r in records]


def scalar(driver: Driver, query: str, **params: Any) -> Any:
    return rows(driver, query, **params)[0]["n"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blank_and_broken(folder: Path) -> tuple[Path, Path]:
    """A plain white photo (nothing to detect) and a text file named like a photo."""
    blank, broken = folder / "blank.png", folder / "broken.jpg"
    Image.new("RGB", (200, 150), (255, 255, 255)).save(blank)
    broken.write_text("not a photo\n")
    return blank, broken


def test_detector_returns_plain_records_independent_of_the_batch(detector: Detector, seg_weights: Path) -> None:
    assert re.fullmatch(r"[\w.-]+@[0-9a-f]{12}", detector.version)
    assert detector.version == f"{seg_weights.stem}@{file_sha256(seg_weights)[:12]}"
    photos = [load_image(PHOTOS / name).pixels for name in ("10008.jpg", "073/0734435004.jpg")]
    blank = np.full((150, 200, 3), 255, dtype=np.uint8)
    together = detector.detect([*photos, blank])  # type: ignore[list-item]
    assert [len(found) for found in together][2] == 0
    assert sum(len(found) for found in together) >= 2
    for photo, found in zip(photos, together, strict=False):
        assert photo is not None
        alone = detector.detect([photo])[0]
        assert [d.class_name for d in alone] == [d.class_name for d in found]
        assert np.allclose([d.box for d in alone], [d.box for d in found], atol=1.0)
        assert [d.index for d in found] == list(range(len(found)))
        assert [d.confidence for d in found] == sorted((d.confidence for d in found), reverse=True)
        height, width = photo.shape[:2]
        for d in found:
            assert type(d.confidence) is float and all(type(v) is float for v in d.box)
            assert d.category == class_named(d.class_name).category
            assert d.mask.shape == (height, width) and d.mask.dtype == np.bool_
            assert d.mask_area == int(d.mask.sum()) > 0
            x1, y1, x2, y2 = d.box
            assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
            assert len(d.polygon) >= 3
            assert all(0 <= x <= width and 0 <= y <= height for x, y in d.polygon)
            assert len(d.flat_polygon()) == 2 * len(d.polygon)


def test_detector_refuses_files_that_are_not_models(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no model weights at"):
        Detector.load(tmp_path / "missing.pt")
    fake = tmp_path / "fake.pt"
    fake.write_text("not a model")
    with pytest.raises(InputError, match="is not a loadable YOLO model"):
        Detector.load(fake)


def test_migration_3_creates_keys_and_cosine_vector_indexes(driver: Driver) -> None:
    constraints = {r["name"] for r in rows(driver, "SHOW CONSTRAINTS YIELD name")}
    assert {"image_id", "detection_id"} <= constraints
    vector = rows(
        driver,
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options, state "
        "WHERE type = 'VECTOR' AND name IN ['detection_embedding', 'image_embedding'] "
        "RETURN name, labelsOrTypes, properties, options.indexConfig AS config, state ORDER BY name",
    )
    assert [(r["name"], r["labelsOrTypes"], r["properties"], r["state"]) for r in vector] == [
        ("detection_embedding", ["Detection"], ["embedding"], "ONLINE"),
        ("image_embedding", ["Image"], ["embedding"], "ONLINE"),
    ]
    for r in vector:
        assert r["config"]["vector.dimensions"] == EMBEDDING_DIM
        assert r["config"]["vector.similarity_function"] == "COSINE"


def expected_agreement(driver: Driver, image: str, product: str) -> tuple[str | None, bool | None, bool | None]:
    """The rule of docs/graph-model.md, computed in Python from the vocabulary: (main detection, category, colour)."""
    vocab = load_vocabulary()
    detections = rows(
        driver,
        "MATCH (:Image {id: $image})-[:HAS_DETECTION]->(d:Detection {current: true}) "
        "OPTIONAL MATCH (d)-[:HAS_COLOUR]->(c:Colour) "
        "RETURN d.id AS id, d.maskArea AS area, d.confidence AS confidence, d.class AS class, c.id AS colour",
        image=image,
    )
    if not detections:
        return None, None, None
    main = max(detections, key=lambda d: (d["area"], d["confidence"]))
    facts = rows(
        driver,
        "MATCH (p:Product {id: $product})-[r:IN_CATEGORY|HAS_COLOUR]->(t) RETURN type(r) AS rel, t.id AS id",
        product=product,
    )
    leaves = [f["id"] for f in facts if f["rel"] == "IN_CATEGORY"]
    colours = [f["id"] for f in facts if f["rel"] == "HAS_COLOUR"]
    ancestors = set()
    for leaf in leaves:
        term = vocab.term("Category", leaf)
        ancestors.add(term.id)
        while term.parent:
            term = vocab.term("Category", term.parent)
            ancestors.add(term.id)
    category = class_named(main["class"]).category in ancestors if leaves else None
    family = {term.id: term.family for term in vocab.terms["Colour"].values()}
    colour = None
    if main["colour"] and colours:
        colour = any(c == main["colour"] or family[c] == family[main["colour"]] for c in colours)
    return main["id"], category, colour


def check_depictions(driver: Driver, report: ImageIngestReport) -> None:
    links = rows(
        driver,
        "MATCH (i:Image)-[r:DEPICTS]->(p:Product) RETURN i.id AS image, p.id AS product, r.detection AS detection, "
        "r.categoryAgrees AS category, r.colourAgrees AS colour, r.source AS source ORDER BY product",
    )
    assert [(r["image"], r["product"]) for r in links] == sorted(
        ((sha(PHOTOS / name), product) for name, (product, _) in PRODUCTS.items()), key=lambda pair: pair[1]
    )
    for link in links:
        expected = expected_agreement(driver, link["image"], link["product"])
        assert (link["detection"], link["category"], link["colour"]) == expected, link["product"]
        assert link["source"] == link["product"].split(":")[0]
    assert sorted((d.image, d.product, d.category_agrees) for d in report.depictions) == sorted(
        (r["image"], r["product"], r["category"]) for r in links
    )


def test_ingest_writes_images_detections_and_links_catalog_products(
    driver: Driver, seg_weights: Path, tmp_path: Path
) -> None:
    load_catalog(driver, tmp_path)
    blank, broken = blank_and_broken(tmp_path)
    report = ingest_images(driver, [PHOTOS, blank, broken], model_path=seg_weights, batch_size=4)

    assert (report.files_seen, report.ok, report.skipped) == (10, 9, 0)
    assert [(f.path, f.reason) for f in report.failed] == [(str(broken), "not an image (format not recognised)")]
    by_path = {Path(f.path).name: f for f in report.files}
    assert (by_path["blank.png"].status, by_path["blank.png"].detections, by_path["blank.png"].product) == (
        "ok",
        0,
        None,
    )
    assert report.images_without_detections == sum(1 for f in report.files if f.status == "ok" and not f.detections)
    assert report.detections_written == sum(f.detections for f in report.files) >= 8 - 2
    assert report.depicted == 8
    assert set(report.timings) == {"load", "detect", "colour", "embed", "recognise", "preview", "write", "link"}

    stored = {
        r["path"]: r
        for r in rows(
            driver,
            "MATCH (i:Image) RETURN i.path AS path, i.id AS id, i.sha256 AS sha256, i.width AS width, "
            "i.height AS height, i.source AS source, i.modelVersion AS version, i.detectionCount AS detections, "
            "size(i.embedding) AS dims, i.embeddingModel AS embeddingModel, i.ingestedAt IS NOT NULL AS dated",
        )
    }
    assert len(stored) == 9
    assert sum(r["detections"] for r in stored.values()) == report.detections_written
    tshirt = stored[str((PHOTOS / "10008.jpg").resolve())]
    assert (tshirt["id"], tshirt["sha256"], tshirt["width"], tshirt["height"], tshirt["source"]) == (
        sha(PHOTOS / "10008.jpg"),
        sha(PHOTOS / "10008.jpg"),
        224,
        224,
        "myntra",
    )
    dress = stored[str((PHOTOS / "073" / "0734435004.jpg").resolve())]
    assert (dress["width"], dress["height"], dress["source"]) == (160, 240, "hm")
    assert stored[str(blank.resolve())]["source"] == "file"
    assert {(r["version"], r["dims"], r["embeddingModel"], r["dated"]) for r in stored.values()} == {
        (report.model_version, EMBEDDING_DIM, "efficientnet-lite0-57934424", True)
    }

    detections = rows(
        driver,
        "MATCH (i:Image)-[:HAS_DETECTION]->(d:Detection)-[:OF_CATEGORY]->(c:Category) "
        "OPTIONAL MATCH (d)-[hc:HAS_COLOUR]->(colour:Colour) "
        "RETURN i.id AS image, i.width * i.height AS pixels, d {.*} AS d, c.id AS category, "
        "colour.id AS colour, hc.deltaE AS deltaE, hc.share AS share",
    )
    assert len(detections) == report.detections_written
    for row in detections:
        d = row["d"]
        assert d["id"] == f"{row['image']}:{report.model_version}:{d['index']}"
        assert (d["modelVersion"], d["current"]) == (report.model_version, True)
        assert row["category"] == class_named(d["class"]).category
        assert d["maskShare"] == pytest.approx(d["maskArea"] / row["pixels"], abs=1e-6)
        assert len(d["box"]) == 4 and len(d["polygon"]) % 2 == 0 and len(d["polygon"]) >= 6
        assert len(d["embedding"]) == EMBEDDING_DIM
        assert float(np.linalg.norm(d["embedding"])) == pytest.approx(1.0, abs=1e-5)
        assert row["colour"] is not None and (row["deltaE"], len(d["colourLab"])) == (d["colourDeltaE"], 3)
        assert 0 < row["share"] <= 1
        # The shipped recogniser named it: the detector's own class is kept beside its answer.
        assert d["detectorClass"] in CLASS_NAMES and 0 < d["classConfidence"] <= 1
        assert 0 < d["fineConfidence"] <= 1 and 0 < d["colourConfidence"] <= 1
        fine = load_vocabulary().category_ancestor(d["fineCategory"], 2)
        assert class_for_group(fine) is not None, f"fine category {d['fineCategory']} has a class"
        assert d["colourFamily"] == (load_vocabulary().term("Colour", row["colour"]).family or row["colour"])
    assert "+recogniser@" in report.model_version
    assert scalar(driver, "MATCH (i:Image {id: $id})-[:HAS_DETECTION]->(d) RETURN count(d) AS n", id=sha(blank)) == 0
    check_depictions(driver, report)

    # The image index finds a catalog photo's own product first, with the product's facts.
    embedding = scalar(driver, "MATCH (i:Image {id: $id}) RETURN i.embedding AS n", id=sha(PHOTOS / "10008.jpg"))
    found = run_query(driver, "visual_search", {"embedding": embedding, "index": "image_embedding", "k": 3}).rows
    assert {k: found[0][k] for k in ("product", "brand", "category", "colour", "detection")} == {
        "product": "myntra:10008",
        "brand": "Nike",
        "category": "t-shirt",
        "colour": "navy-blue",
        "detection": None,
    }
    # The index quantises vectors (Neo4j's default), so the photo's own score is close to 1, not exactly 1.
    assert len(found) == 3 and found[0]["score"] > 0.99 > found[1]["score"]

    # A second run finds everything done: nothing is written, the links are rechecked.
    again = ingest_images(driver, [PHOTOS, blank, broken], model_path=seg_weights, batch_size=4)
    assert (again.ok, again.skipped, len(again.failed), again.detections_written) == (0, 9, 1, 0)
    assert (again.write.nodes_created, again.write.relationships_created, again.write.properties_set) == (0, 0, 0)
    assert {f.reason for f in again.files if f.status == "skipped"} == {f"already processed by {report.model_version}"}
    assert scalar(driver, "MATCH (n) WHERE n:Image OR n:Detection RETURN count(n) AS n") == 9 + len(detections)
    check_depictions(driver, again)


class Interrupted(Exception):
    """Stands for Ctrl-C or a crash after the first batch was committed."""


def test_an_interrupted_run_continues_with_the_images_not_yet_written(
    driver: Driver, seg_weights: Path, tmp_path: Path
) -> None:
    load_catalog(driver, tmp_path)

    def stop_after_first_batch(done: int) -> None:
        raise Interrupted(f"stopped after {done} files")

    with pytest.raises(Interrupted, match="stopped after 4 files"):
        ingest_images(driver, [PHOTOS], model_path=seg_weights, batch_size=4, progress=stop_after_first_batch)
    first = sorted(PHOTOS.rglob("*.jpg"))[:4]
    written = {r["id"] for r in rows(driver, "MATCH (i:Image) RETURN i.id AS id")}
    assert written == {sha(p) for p in first}
    assert scalar(driver, "MATCH ()-[r:DEPICTS]->() RETURN count(r) AS n") == 0

    progress: list[int] = []
    report = ingest_images(driver, [PHOTOS], model_path=seg_weights, batch_size=4, progress=progress.append)
    assert (report.ok, report.skipped, progress) == (4, 4, [4, 8])
    assert {Path(f.path) for f in report.files if f.status == "skipped"} == set(first)
    assert scalar(driver, "MATCH (i:Image) RETURN count(i) AS n") == 8
    check_depictions(driver, report)


def test_reprocessing_with_a_new_model_keeps_the_old_detections_as_history(
    driver: Driver, seg_weights: Path, tmp_path: Path
) -> None:
    load_catalog(driver, tmp_path)
    photos = [PHOTOS / "10008.jpg", PHOTOS / "10016.jpg", PHOTOS / "073" / "0734435004.jpg"]
    newer = tmp_path / "shopgraph-seg-v2.pt"
    shutil.copy(seg_weights, newer)

    def counts() -> dict[tuple[str, bool], int]:
        found = rows(driver, "MATCH (d:Detection) RETURN d.modelVersion AS v, d.current AS c, count(*) AS n")
        return {(r["v"], r["c"]): r["n"] for r in found}

    old = ingest_images(driver, photos, model_path=seg_weights)
    n = old.detections_written
    new = ingest_images(driver, photos, model_path=newer, reprocess=True)
    recogniser = Recogniser.load().version
    assert new.model_version == f"shopgraph-seg-v2@{file_sha256(seg_weights)[:12]}+{recogniser}" != old.model_version
    assert (new.ok, new.detections_written) == (3, n)
    assert counts() == {(old.model_version, False): n, (new.model_version, True): n}
    assert {r["v"] for r in rows(driver, "MATCH (i:Image) RETURN i.modelVersion AS v")} == {new.model_version}
    versions = rows(driver, "MATCH (:Image)-[r:DEPICTS]->() RETURN DISTINCT r.modelVersion AS v")
    assert versions == [{"v": new.model_version}]

    # The same version again replaces its own detections, nothing more.
    same = ingest_images(driver, photos, model_path=newer, reprocess=True)
    assert same.write.nodes_created == same.write.nodes_deleted == n
    assert counts() == {(old.model_version, False): n, (new.model_version, True): n}

    # Going back to the older model makes its detections current again.
    back = ingest_images(driver, photos, model_path=seg_weights)
    assert (back.ok, back.skipped) == (3, 0)
    assert counts() == {(old.model_version, True): n, (new.model_version, False): n}


def test_catalog_agreement_follows_the_taxonomy_and_colour_families(driver: Driver, tmp_path: Path) -> None:
    """Hand-made detections on the photo of myntra:10008, a navy-blue Nike T-shirt (leaf t-shirt)."""
    load_catalog(driver, tmp_path)
    driver.execute_query("CREATE (:Product {id: 'shop:1', inCatalog: false})")
    cases = [
        # (detections: category, colour, maskArea, confidence, current), expected (category, colour)
        ([("tops", "navy-blue", 900, 0.9, True)], (True, True)),
        ([("apparel", "blue", 900, 0.9, True)], (True, True)),  # an ancestor; the family of navy blue
        ([("t-shirt", "light-blue", 900, 0.9, True)], (True, True)),  # the leaf; a sibling shade
        ([("tops", "black", 900, 0.9, True)], (True, False)),
        ([("bottoms", "navy-blue", 900, 0.9, True)], (False, True)),
        ([("footwear", "red", 900, 0.9, True)], (False, False)),
        # The main detection is the current one with the largest mask, whatever its confidence.
        ([("bottoms", "red", 100, 0.99, True), ("tops", "navy-blue", 900, 0.4, True)], (True, True)),
        ([("tops", "navy-blue", 100, 0.5, True), ("bottoms", "red", 5000, 0.9, False)], (True, True)),
        ([], (None, None)),
    ]
    for i, (detections, expected) in enumerate(cases):
        image = f"img{i}"
        driver.execute_query(
            "CREATE (i:Image {id: $image}) WITH i UNWIND range(0, size($rows) - 1) AS k WITH i, k, $rows[k] AS row "
            "MATCH (c:Category {id: row[0]}), (colour:Colour {id: row[1]}) "
            "CREATE (i)-[:HAS_DETECTION]->(d:Detection {id: $image + ':' + k, maskArea: row[2], confidence: row[3], "
            "current: row[4], modelVersion: 'hand'})-[:OF_CATEGORY]->(c), (d)-[:HAS_COLOUR]->(colour)",
            image=image,
            rows=[list(d) for d in detections],
        )
        [depiction] = link_depicted_products(driver, [(image, "myntra:10008", "test")])
        assert (depiction.category_agrees, depiction.colour_agrees) == expected, detections
        main = max((d for d in detections if d[4]), key=lambda d: d[2], default=None)
        assert (depiction.detected_category, depiction.detected_colour) == (
            (main[0], main[1]) if main else (None, None)
        )
    # A product the catalog says nothing about cannot agree or disagree; an unknown product gets no link.
    links = link_depicted_products(driver, [("img0", "shop:1", "test"), ("img0", "myntra:999999", "test")])
    assert [(d.product, d.category_agrees, d.colour_agrees) for d in links] == [("shop:1", None, None)]


def test_similar_products_finds_a_catalog_photos_own_product_first(
    driver: Driver, seg_weights: Path, tmp_path: Path
) -> None:
    load_catalog(driver, tmp_path)
    ingest_images(driver, [PHOTOS], model_path=seg_weights)
    for name in ("10008.jpg", "073/0734435004.jpg"):
        product = PRODUCTS[name][0]
        results = similar_products(driver, PHOTOS / name, k=3, model_path=seg_weights)
        assert results and all(r.index is not None for r in results)
        best = results[0].matches[0]
        assert best.product == product and best.score > 0.99
        assert best.detection is not None and best.detection.startswith(sha(PHOTOS / name))
        assert all(len({m.product for m in r.matches}) == len(r.matches) <= 3 for r in results)
    blank, _ = blank_and_broken(tmp_path)
    [whole] = similar_products(driver, blank, k=2, model_path=seg_weights)
    assert (whole.index, whole.class_name, len(whole.matches)) == (None, None, 2)
    assert all(m.detection is None and 0 < m.score < 1 for m in whole.matches)


def test_commands_ingest_with_exit_code_9_on_bad_files_and_search(
    neo4j_settings: Settings, driver: Driver, seg_weights: Path, tmp_path: Path
) -> None:
    for command in (images, similar):
        assert command.help and "Example" in command.help
    load_catalog(driver, tmp_path)
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }
    _, broken = blank_and_broken(tmp_path)
    mapping = tmp_path / "map.csv"
    shutil.copy(PHOTOS / "10016.jpg", tmp_path / "dress.jpg")
    mapping.write_text("path,product_id\ndress.jpg,myntra:10016\n")
    args = [str(PHOTOS / "051"), str(tmp_path / "*.jpg"), "--model", str(seg_weights), "--map", str(mapping)]
    result = CliRunner().invoke(images, [*args, "--save-previews", str(tmp_path / "previews"), "--json"], env=env)
    assert result.exit_code == EXIT_FILES_FAILED, result.output
    report = json.loads(result.stdout)
    assert (report["files_seen"], report["ok"], report["depicted"]) == (3, 2, 2)
    assert [(f["path"], f["reason"]) for f in report["failed"]] == [
        (str(broken), "not an image (format not recognised)")
    ]
    assert sorted(d["product"] for d in report["depictions"]) == ["hm:0516903024", "myntra:10016"]
    assert len(list((tmp_path / "previews").glob("*.jpg"))) == 2

    result = CliRunner().invoke(images, [str(PHOTOS / "051"), "--model", str(seg_weights)], env=env)
    assert result.exit_code == 0, result.output
    assert "skipped (done before)" in result.stdout and "Ingested images" in result.stdout

    result = CliRunner().invoke(
        similar, ["--image", str(tmp_path / "dress.jpg"), "-k", "2", "--model", str(seg_weights), "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found[0]["matches"][0]["product"] == "myntra:10016"
    assert found[0]["matches"][0]["brand"] == "Palm Tree"
