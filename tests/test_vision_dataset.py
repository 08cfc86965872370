"""The detector's training set: cut-outs, labels, composites, the split by product, the file format."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.vision.classes import CLASS_NAMES
from shopgraph.vision.composite import Piece, compose
from shopgraph.vision.dataset import (
    CatalogPhoto,
    build_dataset,
    catalog_photos,
    detector_class,
    read_manifest,
    split_products,
    yolo_label_line,
)
from shopgraph.vision.segment import foreground_mask, mask_polygon, polygon_mask


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def studio_photo(shape: np.ndarray, colour: tuple[int, ...], size: tuple[int, int] = (540, 360)) -> np.ndarray:
    """A light grey background with a soft vertical gradient and JPEG-like noise, ``shape`` painted in ``colour``."""
    h, w = size
    rng = np.random.default_rng(0)
    background = 226 + 6 * np.linspace(0, 1, h)[:, None, None] + rng.normal(0, 1.2, (h, w, 3))
    image = np.where(shape[..., None], np.array(colour, dtype=float) + rng.normal(0, 3, (h, w, 3)), background)
    return np.clip(image, 0, 255).astype(np.uint8)


def ellipse(size: tuple[int, int] = (540, 360)) -> np.ndarray:
    yy, xx = np.mgrid[0 : size[0], 0 : size[1]]
    return ((xx - 180) / 110) ** 2 + ((yy - 260) / 190) ** 2 <= 1


def test_foreground_mask_finds_a_coloured_shape_on_a_light_background() -> None:
    truth = ellipse()
    cutout = foreground_mask(studio_photo(truth, (150, 40, 60)))
    assert cutout.ok
    assert iou(cutout.mask, truth) > 0.9
    assert cutout.area == pytest.approx(truth.mean(), rel=0.1)


def test_foreground_mask_finds_a_light_shape_through_its_outline() -> None:
    # A pale beige garment on the light grey studio background: ΔE to the background is small.
    truth = ellipse()
    cutout = foreground_mask(studio_photo(truth, (250, 244, 232)))
    assert iou(cutout.mask, truth) > 0.9


def test_foreground_mask_rejects_an_empty_photo_and_bad_input() -> None:
    empty = studio_photo(np.zeros((540, 360), dtype=bool), (0, 0, 0))
    assert foreground_mask(empty).reason == "empty"
    with pytest.raises(ValueError, match="uint8"):
        foreground_mask(np.zeros((10, 10), dtype=np.uint8))


def test_mask_polygon_joins_components_into_one_polygon_without_adding_area() -> None:
    mask = np.zeros((100, 200), dtype=bool)
    mask[20:80, 10:70] = True  # a pair of shoes: two separate parts
    mask[30:90, 120:190] = True
    polygon = mask_polygon(mask)
    assert polygon.ndim == 2 and polygon.shape[1] == 2
    assert iou(polygon_mask(polygon, mask.shape), mask) > 0.95
    with pytest.raises(ValueError):
        mask_polygon(np.zeros((10, 10), dtype=bool))


def test_yolo_label_line_is_class_then_normalised_xy_pairs() -> None:
    line = yolo_label_line(3, np.array([[0.0, 0.0], [50.0, 0.0], [50.0, 100.0]]), width=100, height=200)
    assert line == "3 0.000000 0.000000 0.500000 0.000000 0.500000 0.500000"
    with pytest.raises(ValueError, match="3 points"):
        yolo_label_line(0, np.zeros((2, 2)), 10, 10)


def square_piece(label: int, key: str, colour: int) -> Piece:
    return Piece(np.full((40, 40, 3), colour, dtype=np.uint8), np.ones((40, 40), dtype=bool), label, key)


def test_composite_masks_are_the_visible_parts_only() -> None:
    background = np.zeros((128, 128, 3), dtype=np.uint8)
    pieces = [square_piece(i, str(i), 60 + 40 * i) for i in range(4)]
    scene = compose(pieces, background, np.random.default_rng(7), scale=(0.4, 0.5), min_visible=0.3)
    assert scene.objects and len(scene.objects) + scene.dropped == 4
    for i, a in enumerate(scene.objects):
        assert a.visible >= 0.3
        for b in scene.objects[i + 1 :]:
            assert not (a.mask & b.mask).any(), "two labelled objects claim the same pixel"


def test_a_fully_hidden_object_is_dropped() -> None:
    background = np.zeros((64, 64, 3), dtype=np.uint8)
    pieces = [square_piece(0, "hidden", 100), square_piece(1, "front", 200)]
    # Both cover the whole canvas, so the first is hidden whatever the position.
    scene = compose(pieces, background, np.random.default_rng(0), scale=(1.0, 1.0))
    assert [o.key for o in scene.objects] == ["front"]
    assert scene.dropped == 1
    assert scene.objects[0].mask.all()


def photo(product: str, item: str, label: str) -> CatalogPhoto:
    return CatalogPhoto(product, item, "hm", Path(f"{item}.jpg"), "leaf", label, None)


def test_split_keeps_every_colour_of_a_product_together_and_holds_out_each_class() -> None:
    photos = [
        photo(f"hm:product:{label}{p}", f"hm:{label}{p}{c}", label)
        for label in ("top", "dress")
        for p in range(10)
        for c in range(3)
    ]
    split = split_products(photos, holdout=0.2, seed=1)
    assert set(split.values()) == {"train", "test"}
    for label in ("top", "dress"):
        held = [p for p, s in split.items() if s == "test" and label in p]
        assert len(held) == 2
    assert split == split_products(photos, holdout=0.2, seed=1)
    with pytest.raises(ValueError, match="holdout"):
        split_products(photos, holdout=1.5, seed=1)


def test_detector_class_follows_the_taxonomy() -> None:
    vocab = load_vocabulary()
    cases = {
        ("myntra", "Tshirts"): "top",
        ("myntra", "Kurtas"): "top",
        ("myntra", "Casual Shoes"): "footwear",
        ("myntra", "Watches"): "accessory",
        ("hm", "Trousers"): "bottoms",
        ("hm", "Sweater"): "knitwear",
        ("hm", "Bag"): "bag",
    }
    for (source, value), expected in cases.items():
        cls = detector_class(vocab, source, value)
        assert cls is not None and cls.name == expected, (source, value)
    assert detector_class(vocab, "hm", "Pyjama set") is None
    assert detector_class(vocab, "myntra", "Perfume and Body Mist") is None


def test_real_rows_get_their_class_and_hm_products_group_colours(datasets: Path) -> None:
    photos, skipped = catalog_photos(datasets)
    by_item = {p.item: p for p in photos}
    assert len(photos) > 4000 and sum(skipped.values()) < 200
    assert set(p.label for p in photos) == set(CLASS_NAMES)
    hm = [p for p in photos if p.source == "hm"]
    assert all(p.product.startswith("hm:product:") for p in hm)
    codes = {p.product for p in hm}
    assert len(codes) < len(hm), "several colours of one H&M product share its product code"
    assert all(p.path.is_file() for p in list(by_item.values())[:50])


HM_COLUMNS = [
    "article_id", "product_code", "prod_name", "product_type_name", "product_group_name",
    "graphical_appearance_name", "colour_group_name", "perceived_colour_value_name",
    "perceived_colour_master_name", "department_name", "index_name", "index_group_name", "section_name",
    "garment_group_name", "detail_desc",
]  # fmt: skip


def fake_hm(root: Path) -> None:
    """Six H&M products in two colours each (trousers, dresses, sweaters), with synthetic studio photos."""
    (root / "hm").mkdir(parents=True)
    rows = []
    kinds = [("Trousers", (40, 40, 90)), ("Dress", (160, 30, 60)), ("Sweater", (30, 120, 60))]
    for k, (kind, colour) in enumerate(kinds):
        for p in range(2):
            code = f"0{k}{p}0000"[:7]
            for c in range(2):
                aid = f"{code}{c:03d}"
                rows.append({"article_id": aid, "product_code": code, "prod_name": f"{kind} {p}",
                             "product_type_name": kind, "product_group_name": "Garment",
                             "graphical_appearance_name": "Solid", "colour_group_name": "Black",
                             "perceived_colour_value_name": "Dark", "perceived_colour_master_name": "Black",
                             "department_name": "Basics", "index_name": "Ladieswear",
                             "index_group_name": "Ladieswear", "section_name": "Womens", "garment_group_name": "Basics",
                             "detail_desc": "Cotton."})  # fmt: skip
                folder = root / "hm" / "images" / aid[:3]
                folder.mkdir(parents=True, exist_ok=True)
                shade = tuple(min(255, v + 40 * c) for v in colour)
                Image.fromarray(studio_photo(ellipse(), shade)).save(folder / f"{aid}.jpg")
    with (root / "hm" / "articles.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HM_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_build_dataset_never_shows_a_held_out_product_in_training(tmp_path: Path) -> None:
    fake_hm(tmp_path / "datasets")
    out = tmp_path / "set"
    report = build_dataset(out, tmp_path / "datasets", seed=0, imgsz=64, holdout=0.4, train_composites=6,
                           val_composites=3, workers=1)  # fmt: skip
    assert report.accepted == 12 and not report.rejected
    assert report.products_heldout == 3 and report.products_train == 3
    rows = read_manifest(out)
    train = {p for r in rows if r.split == "train" for p in r.products}
    held = {p for r in rows if r.split in ("val", "test") for p in r.products}
    assert train and held and not train & held
    assert {r.kind for r in rows if r.split == "val"} == {"composite"}
    assert all((out / "masks" / "test" / f"{Path(r.image).stem}.png").is_file() for r in rows if r.split == "test")
    for r in rows:
        label = out / r.image.replace("images/", "labels/", 1).rsplit(".", 1)[0]
        lines = Path(f"{label}.txt").read_text().splitlines()
        assert len(lines) == len(r.classes)
        for line, name in zip(lines, r.classes, strict=True):
            values = line.split()
            assert int(values[0]) == CLASS_NAMES.index(name)
            coords = np.array(values[1:], dtype=float)
            assert len(coords) % 2 == 0 and len(coords) >= 6 and coords.min() >= 0 and coords.max() <= 1
    data = (out / "data.yaml").read_text()
    assert "val: images/val" in data and all(f"'{n}'" in data for n in CLASS_NAMES)
    # Same seed, same files.
    first = (out / "manifest.csv").read_text()
    build_dataset(out, tmp_path / "datasets", seed=0, imgsz=64, holdout=0.4, train_composites=6,
                  val_composites=3, workers=1)  # fmt: skip
    assert (out / "manifest.csv").read_text() == first


def test_every_vision_command_has_help_with_an_example() -> None:
    from shopgraph.cli.vision_cmds import vision

    assert vision.help
    for name, command in vision.commands.items():
        assert command.help and "Example" in command.help, f"`shopgraph vision {name}` needs an example"
