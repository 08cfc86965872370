"""The detector's training set, built from the real catalog photos in ``../shared/datasets``.

Each photo is labelled with its detector class through the shared taxonomy (catalog column →
leaf category → level-2 group → :func:`vision.classes.class_for_group`), the product is cut out
of it (:mod:`vision.segment`), and the set is written in the Ultralytics segmentation layout:

- ``images/train``: real photos (at most ``train_cap`` per class) and composites of training cut-outs;
- ``images/val``: composites of held-out cut-outs only (box and mask mAP);
- ``images/test``: every accepted real photo of a held-out product (accuracy, mask IoU, colour),
  with its full-size cut-out mask in ``masks/test``;
- ``labels/<split>/<name>.txt``: one line per object, ``class x1 y1 x2 y2 ...`` (coordinates
  normalised to [0, 1]); ``data.yaml``; ``manifest.csv`` (one row per image, joins back to the
  catalog rows); ``report.json`` (the :class:`DatasetReport`).

Products are split, not photos: all colours of an H&M ``product_code`` (and each Myntra id) go to
the same side, so no held-out product appears in training in any form, composites included.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary
from shopgraph.graphstore.ingest.facts import ProductRecord
from shopgraph.graphstore.ingest.readers import RejectLog, read_hm_articles, read_myntra_styles
from shopgraph.vision.classes import CLASS_NAMES, DetectorClass, class_for_group
from shopgraph.vision.composite import Piece, compose, load_scenes, make_background
from shopgraph.vision.segment import foreground_mask, keep_largest, mask_polygon

# Catalog column that names each source's product type (the taxonomy link), and its colour column.
_CATEGORY_RULES = {"myntra": "column:articleType", "hm": "column:product_type_name"}
_COLOUR_RULES = {"myntra": "column:baseColour", "hm": "column:colour_group_name"}
# Myntra shows many products worn by a model; H&M photographs garments alone (the face check
# only finds false faces in prints there).
_SOURCES_WITH_MODELS = frozenset({"myntra"})
_MANIFEST_COLUMNS = ["image", "split", "kind", "classes", "products", "items", "photos", "mask_area", "colour"]
SPLITS = ("train", "val", "test")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CatalogPhoto:
    """A catalog row with a photo and a detector class.

    ``product`` is the split key (``hm:product:<product_code>`` or the Myntra product id),
    ``item`` the graph's product id (``hm:<article_id>``, ``myntra:<id>``), ``category`` the
    shared-taxonomy leaf, ``colour`` the catalog's Colour id (None if the column does not name one).
    """

    product: str
    item: str
    source: str
    path: Path
    category: str
    label: str
    colour: str | None


@dataclass(frozen=True)
class ManifestRow:
    """One row of ``manifest.csv``: an image, its split and kind (``real``/``composite``) and its sources.

    ``classes``, ``products``, ``items``, ``photos`` and ``mask_area`` hold one entry per labelled
    object (composites: in paste order); ``mask_area`` is the object's share of the image.
    """

    image: str
    split: str
    kind: str
    classes: tuple[str, ...]
    products: tuple[str, ...]
    items: tuple[str, ...]
    photos: tuple[str, ...]
    mask_area: tuple[float, ...]
    colour: str | None


@dataclass
class DatasetReport:
    """What :func:`build_dataset` wrote and what it left out, with the reasons."""

    out_dir: Path
    data_yaml: Path
    manifest: Path
    seed: int
    imgsz: int
    photos: int = 0
    skipped_no_class: int = 0
    skipped_types: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    products_train: int = 0
    products_heldout: int = 0
    real_train: dict[str, int] = field(default_factory=dict)
    real_test: dict[str, int] = field(default_factory=dict)
    composites_train: int = 0
    composites_val: int = 0
    composite_objects_train: dict[str, int] = field(default_factory=dict)
    composite_objects_val: dict[str, int] = field(default_factory=dict)
    dropped_hidden: int = 0
    mask_area: dict[str, float] = field(default_factory=dict)


def detector_class(vocab: Vocabulary, source: str, value: str) -> DetectorClass | None:
    """The detector class of a catalog category label (Myntra ``articleType``, H&M ``product_type_name``).

    ``vocab.category_for(source, value)`` → leaf, ``vocab.category_ancestor(leaf, 2)`` → group,
    :func:`vision.classes.class_for_group` → class; None when any step has no answer.
    """
    leaf = vocab.category_for(source, value)
    return None if leaf is None else class_for_group(vocab.category_ancestor(leaf, 2))


def catalog_photos(datasets_dir: Path, vocab: Vocabulary | None = None) -> tuple[list[CatalogPhoto], Counter[str]]:
    """Every catalog row with a photo and a detector class, read through the project's readers.

    Reads ``myntra/styles.csv`` and ``hm/articles.csv`` under ``datasets_dir``.

    Returns:
        the photos (Myntra first, then H&M, in file order) and a counter of the rows with a
        photo but no class, keyed ``"<source>:<category or 'unmapped'>"``.

    Raises:
        InputError: neither catalog is there, or a catalog cannot be read.
    """
    vocab = vocab or load_vocabulary()
    catalogs: list[tuple[str, Path, Callable[[Path, Vocabulary, RejectLog], Iterable[ProductRecord]]]] = [
        ("myntra", datasets_dir / "myntra" / "styles.csv", read_myntra_styles),
        ("hm", datasets_dir / "hm" / "articles.csv", read_hm_articles),
    ]
    if not any(path.is_file() for _, path, _ in catalogs):
        raise InputError(f"no catalog under {datasets_dir}: expected myntra/styles.csv or hm/articles.csv")
    photos: list[CatalogPhoto] = []
    skipped: Counter[str] = Counter()
    for source, path, reader in catalogs:
        if not path.is_file():
            continue
        for record in reader(path, vocab, RejectLog(None)):
            image = record.properties.get("image")
            if not image:
                continue
            leaf = next(
                (f.target for f in record.facts if f.rel == "IN_CATEGORY" and f.rule == _CATEGORY_RULES[source]), None
            )
            cls = None if leaf is None else class_for_group(vocab.category_ancestor(leaf, 2))
            if leaf is None or cls is None:
                skipped[f"{source}:{leaf or 'unmapped'}"] += 1
                continue
            colour = next(
                (f.target for f in record.facts if f.rel == "HAS_COLOUR" and f.rule == _COLOUR_RULES[source]), None
            )
            code = record.properties.get("productCode")
            product = f"hm:product:{code}" if source == "hm" and code else record.id
            photos.append(CatalogPhoto(product, record.id, source, Path(image), leaf, cls.name, colour))
    return photos, skipped


def split_products(photos: Sequence[CatalogPhoto], holdout: float, seed: int) -> dict[str, str]:
    """Assign each product to ``"train"`` or ``"test"`` (held out), stratified by class.

    Within each class (a product's class is its first photo's), products are shuffled with
    ``numpy.random.default_rng(seed)`` in sorted order and the first ``round(holdout × n)``
    (at least one when n ≥ 2) are held out.

    Raises:
        ValueError: ``holdout`` is not in (0, 1).
    """
    if not 0 < holdout < 1:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    by_class: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for photo in photos:
        if photo.product not in seen:
            seen.add(photo.product)
            by_class[photo.label].append(photo.product)
    rng = np.random.default_rng(seed)
    split: dict[str, str] = {}
    for label in sorted(by_class):
        products = sorted(by_class[label])
        order = rng.permutation(len(products))
        n_out = max(1, round(holdout * len(products))) if len(products) >= 2 else 0
        for rank, index in enumerate(order):
            split[products[index]] = "test" if rank < n_out else "train"
    return split


def yolo_label_line(label: int, polygon: NDArray[np.float64], width: int, height: int) -> str:
    """One YOLO segmentation label line: ``label x1 y1 x2 y2 ...`` with x/width, y/height to 6 decimals.

    Raises:
        ValueError: fewer than 3 points.
    """
    if len(polygon) < 3:
        raise ValueError(f"a polygon needs at least 3 points, got {len(polygon)}")
    scaled = np.clip(polygon / np.array([width, height], dtype=np.float64), 0.0, 1.0)
    return " ".join([str(label), *(f"{v:.6f}" for v in scaled.reshape(-1))])


def read_manifest(dataset_dir: Path) -> list[ManifestRow]:
    """The rows of ``<dataset_dir>/manifest.csv``.

    Raises:
        InputError: the manifest is missing or lacks columns.
    """
    path = dataset_dir / "manifest.csv"
    if not path.is_file():
        raise InputError(f"{path} not found: build the dataset first (shopgraph vision build-dataset)")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = set(_MANIFEST_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path} lacks columns {sorted(missing)}")
        return [
            ManifestRow(
                image=r["image"],
                split=r["split"],
                kind=r["kind"],
                classes=_tuple(r["classes"]),
                products=_tuple(r["products"]),
                items=_tuple(r["items"]),
                photos=_tuple(r["photos"]),
                mask_area=tuple(float(v) for v in _tuple(r["mask_area"])),
                colour=r["colour"] or None,
            )
            for r in reader
        ]


def _tuple(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(";") if v)


@dataclass(frozen=True)
class _CutTask:
    index: int
    path: Path
    check_person: bool
    side: int
    mask_out: Path | None


@dataclass(frozen=True)
class _CutResult:
    index: int
    reason: str | None
    area: float
    rgb: NDArray[np.uint8]
    mask: NDArray[np.bool_]


def _cut(task: _CutTask) -> _CutResult:
    """Worker: cut out one photo; returns it scaled to long side ``side``, saves the full mask if asked."""
    rgb = np.asarray(Image.open(task.path).convert("RGB"))
    cutout = foreground_mask(rgb, check_person=task.check_person)
    if cutout.ok and task.mask_out is not None:
        Image.fromarray(cutout.mask.astype(np.uint8) * 255).save(task.mask_out)
    h, w = rgb.shape[:2]
    scale = task.side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
    mask = cv2.resize(cutout.mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    return _CutResult(task.index, cutout.reason, cutout.area, small, mask)


def _name(item: str) -> str:
    return item.replace(":", "-")


def _balanced(photos: Sequence[int], catalog: Sequence[CatalogPhoto], cap: int, rng: np.random.Generator) -> list[int]:
    """At most ``cap`` photos spread over products: one of each product (random order) before any second one."""
    by_product: dict[str, list[int]] = defaultdict(list)
    for i in photos:
        by_product[catalog[i].product].append(i)
    products = sorted(by_product)
    order = [products[j] for j in rng.permutation(len(products))]
    chosen: list[int] = []
    rank = 0
    while len(chosen) < cap and any(rank < len(by_product[p]) for p in order):
        chosen.extend(by_product[p][rank] for p in order if rank < len(by_product[p]))
        rank += 1
    return sorted(chosen[:cap])


def build_dataset(
    out_dir: Path,
    datasets_dir: Path,
    seed: int = VISION.seed,
    imgsz: int = VISION.imgsz,
    holdout: float = VISION.holdout,
    train_cap: int = VISION.train_cap,
    train_composites: int = VISION.train_composites,
    val_composites: int = VISION.val_composites,
    objects: tuple[int, int] = (2, 5),
    workers: int = VISION.dataset_workers,
    progress: Progress | None = None,
) -> DatasetReport:
    """Build the YOLO segmentation data set under ``out_dir`` (its images, labels and masks are replaced).

    Args:
        out_dir: output folder; ``data.yaml`` and ``manifest.csv`` are written there.
        datasets_dir: the folder holding ``myntra/`` and ``hm/``.
        seed: seeds the product split, the per-class caps and every composite (the same seed and
            inputs give the same files).
        imgsz: long side of stored real photos and the side of the square composites (default 256).
        holdout: share of products held out per class (default 0.15).
        train_cap: most real training photos per class (default 200), spread over products.
        train_composites, val_composites: composites from training / held-out cut-outs (800 / 200).
        objects: fewest and most cut-outs per composite (default 2-5); classes drawn uniformly.
        workers: processes for the cut-outs (default 2).
        progress: called with ``(stage, done, total)``.

    Raises:
        InputError: no catalog under ``datasets_dir``.
        ValueError: a count or share is out of range.
    """
    if imgsz < 32 or train_cap < 1 or train_composites < 0 or val_composites < 0 or not 1 <= objects[0] <= objects[1]:
        raise ValueError(
            f"bad sizes: imgsz={imgsz}, train_cap={train_cap}, "
            f"composites={train_composites}/{val_composites}, objects={objects}"
        )
    report = DatasetReport(out_dir, out_dir / "data.yaml", out_dir / "manifest.csv", seed, imgsz)
    catalog, skipped = catalog_photos(datasets_dir)
    report.photos = len(catalog) + sum(skipped.values())
    report.skipped_no_class = sum(skipped.values())
    report.skipped_types = dict(skipped.most_common())
    split = split_products(catalog, holdout, seed)
    report.products_train = sum(1 for s in split.values() if s == "train")
    report.products_heldout = sum(1 for s in split.values() if s == "test")

    for sub in ("images", "labels", "masks"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
    for sub in ("images", "labels"):
        for name in SPLITS:
            (out_dir / sub / name).mkdir(parents=True)
    (out_dir / "masks" / "test").mkdir(parents=True)

    tasks = [
        _CutTask(
            i,
            p.path,
            p.source in _SOURCES_WITH_MODELS,
            imgsz,
            out_dir / "masks" / "test" / f"{_name(p.item)}.png" if split[p.product] == "test" else None,
        )
        for i, p in enumerate(catalog)
    ]
    cuts: dict[int, _CutResult] = {}
    rejected: Counter[str] = Counter()
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for done, result in enumerate(pool.map(_cut, tasks, chunksize=16), 1):
            if result.reason is None:
                cuts[result.index] = result
            else:
                rejected[f"{catalog[result.index].source}:{result.reason}"] += 1
            if progress and (done % 100 == 0 or done == len(tasks)):
                progress("cut-outs", done, len(tasks))
    report.rejected = dict(sorted(rejected.items()))
    report.accepted = len(cuts)
    areas = np.array([c.area for c in cuts.values()]) if cuts else np.zeros(1)
    report.mask_area = {
        "mean": round(float(areas.mean()), 4),
        **{f"p{q:02d}": round(float(np.percentile(areas, q)), 4) for q in (5, 25, 50, 75, 95)},
    }

    rng = np.random.default_rng(seed)
    rows: list[ManifestRow] = []
    by_split_class: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in sorted(cuts):
        by_split_class[(split[catalog[i].product], catalog[i].label)].append(i)
    for name in CLASS_NAMES:
        train = _balanced(by_split_class[("train", name)], catalog, train_cap, rng)
        test = by_split_class[("test", name)]
        report.real_train[name], report.real_test[name] = len(train), len(test)
        for split_name, chosen in (("train", train), ("test", test)):
            for i in chosen:
                rows.append(_write_real(out_dir, split_name, catalog[i], cuts[i]))

    scenes = load_scenes()
    for split_name, source_split, count, code in (
        ("train", "train", train_composites, 1),
        ("val", "test", val_composites, 2),
    ):
        pools = {
            CLASS_NAMES.index(name): by_split_class[(source_split, name)]
            for name in CLASS_NAMES
            if by_split_class[(source_split, name)]
        }
        objects_per_class: Counter[str] = Counter()
        for k in range(count if pools else 0):
            crng = np.random.default_rng([seed, code, k])
            labels = sorted(pools)
            chosen_pieces = []
            for _ in range(int(crng.integers(objects[0], objects[1] + 1))):
                label = labels[int(crng.integers(len(labels)))]
                i = pools[label][int(crng.integers(len(pools[label])))]
                chosen_pieces.append(Piece(cuts[i].rgb, cuts[i].mask, label, str(i)))
            scene = compose(chosen_pieces, make_background(imgsz, crng, scenes), crng)
            report.dropped_hidden += scene.dropped
            image = f"images/{split_name}/composite-{k:05d}.jpg"
            Image.fromarray(scene.image).save(out_dir / image, quality=92)
            lines, used = [], []
            for obj in scene.objects:
                polygon = mask_polygon(keep_largest(obj.mask, 0.05))
                lines.append(yolo_label_line(obj.label, polygon, imgsz, imgsz))
                used.append((catalog[int(obj.key)], float(obj.mask.mean())))
                objects_per_class[CLASS_NAMES[obj.label]] += 1
            (out_dir / "labels" / split_name / f"composite-{k:05d}.txt").write_text("\n".join(lines) + "\n")
            rows.append(
                ManifestRow(
                    image,
                    split_name,
                    "composite",
                    tuple(p.label for p, _ in used),
                    tuple(p.product for p, _ in used),
                    tuple(p.item for p, _ in used),
                    tuple(str(p.path) for p, _ in used),
                    tuple(round(a, 4) for _, a in used),
                    None,
                )
            )
            if progress and ((k + 1) % 50 == 0 or k + 1 == count):
                progress(f"composites ({split_name})", k + 1, count)
        if split_name == "train":
            report.composites_train, report.composite_objects_train = count, dict(objects_per_class)
        else:
            report.composites_val, report.composite_objects_val = count if pools else 0, dict(objects_per_class)

    _write_manifest(report.manifest, rows)
    _write_data_yaml(report.data_yaml, out_dir)
    (out_dir / "report.json").write_text(json.dumps(dataclasses.asdict(report), default=str, indent=2) + "\n")
    return report


def _write_real(out_dir: Path, split_name: str, photo: CatalogPhoto, cut: _CutResult) -> ManifestRow:
    """Write one real photo (scaled) and its one-polygon label; its manifest row."""
    name = _name(photo.item)
    image = f"images/{split_name}/{name}.jpg"
    Image.fromarray(cut.rgb).save(out_dir / image, quality=92)
    h, w = cut.mask.shape
    line = yolo_label_line(CLASS_NAMES.index(photo.label), mask_polygon(cut.mask), w, h)
    (out_dir / "labels" / split_name / f"{name}.txt").write_text(line + "\n")
    return ManifestRow(
        image,
        split_name,
        "real",
        (photo.label,),
        (photo.product,),
        (photo.item,),
        (str(photo.path),),
        (round(cut.area, 4),),
        photo.colour,
    )


def _write_manifest(path: Path, rows: Sequence[ManifestRow]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=_MANIFEST_COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {
                    "image": r.image,
                    "split": r.split,
                    "kind": r.kind,
                    "classes": ";".join(r.classes),
                    "products": ";".join(r.products),
                    "items": ";".join(r.items),
                    "photos": ";".join(r.photos),
                    "mask_area": ";".join(str(a) for a in r.mask_area),
                    "colour": r.colour or "",
                }
            )


def _write_data_yaml(path: Path, out_dir: Path) -> None:
    """Ultralytics' data file; class names quoted so YAML keeps them as strings."""
    names = "\n".join(f"  {i}: '{name}'" for i, name in enumerate(CLASS_NAMES))
    path.write_text(
        f"# Written by vision.dataset.build_dataset; classes from vision.classes.CLASS_NAMES.\n"
        f"path: {out_dir.resolve()}\ntrain: images/train\nval: images/val\ntest: images/test\n"
        f"nc: {len(CLASS_NAMES)}\nnames:\n{names}\n"
    )
