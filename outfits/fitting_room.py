"""The fitting room's one entry point: looks for a product or a shopper, written back, rendered if asked.

:func:`fitting_room` reads the look products and their purchases (:mod:`outfits.data`), takes the
statistics of every line (:mod:`outfits.stats`), and builds the looks (:mod:`outfits.builder`):

- around a **product**: ``looks`` looks, each with another first complement (the bottom for a top);
- for a **customer**: one look around each of their most recent purchases that a look is built
  around (a top, bottom or dress; newest first, one per product), with their preferences — their
  PREFERS when ``compute_preferences`` has run, else the same shares from their purchases — and
  never a product they own.

Then it writes the looks back (:mod:`outfits.writeback`) and, with ``save_dir``, renders each as a
board of cut-outs (:mod:`outfits.board`) and, with ``photo``, previews it on the person in the
photo (:mod:`outfits.tryon`), saved as ``outfit-<rank>.png`` and ``tryon-<rank>.png``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
from neo4j import Driver
from PIL import Image

from shopgraph.cypher.internal import outfits as q
from shopgraph.graphstore.core.defaults import OUTFITS
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import WriteSummary, read
from shopgraph.graphstore.core.vocab import load_vocabulary, outfit_looks
from shopgraph.outfits.board import render_board
from shopgraph.outfits.builder import Look, build_looks
from shopgraph.outfits.data import LookData, read_look_data, stored_preferences, subject_kind
from shopgraph.outfits.stats import look_stats, preference_shares
from shopgraph.outfits.tryon import dress_person
from shopgraph.outfits.writeback import write_outfits
from shopgraph.vision import ProductCutout, cut_out, find_person, person_model_missing

SubjectKind = Literal["customer", "product"]


@dataclass(frozen=True)
class Outfits:
    """What :func:`fitting_room` built: the looks, what it wrote, the files it saved and its notes.

    ``preferences`` says where the shopper's preferences came from (``PREFERS``, ``purchases`` or
    ``none``); ``sources`` how each product's picture was made (``mask``, ``box crop``,
    ``whole photo``, ``no photo``).
    """

    subject: str
    kind: SubjectKind
    reference_day: str
    looks: tuple[Look, ...]
    preferences: str
    written: WriteSummary | None = None
    boards: dict[int, str] = field(default_factory=dict)
    tryons: dict[int, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def _kind(driver: Driver, subject: str, database: str | None) -> SubjectKind:
    customer, product = subject_kind(driver, subject, database)
    if customer and product:
        raise InputError(f"{subject!r} is both a customer id and a product id")
    if not (customer or product):
        raise InputError(f"no customer or product has the id {subject!r}")
    return "customer" if customer else "product"


def _anchors(data: LookData, history: Sequence[str], looks: int) -> list[str]:
    """The customer's newest distinct purchases that a look is built around (top, bottom or dress slots)."""
    centre = {
        g for slots in outfit_looks().values() for s in slots if s.slot in ("top", "bottom", "dress") for g in s.groups
    }
    anchors: list[str] = []
    for product in reversed(history):
        if product not in anchors and data.products[product].group in centre:
            anchors.append(product)
        if len(anchors) == looks:
            break
    return anchors


def _cutouts(
    driver: Driver, products: Sequence[str], database: str | None
) -> tuple[dict[str, ProductCutout | None], list[str]]:
    """Each product's cut-out from its photo and stored mask (None: no photo, or the file is gone)."""
    rows = read(driver, q.CUTOUT_SOURCES, {"products": list(products)}, what="reading cut-outs", database=database)
    found = {r["product"]: r for r in rows}
    cutouts: dict[str, ProductCutout | None] = {}
    notes = []
    for product in products:
        row = found.get(product)
        if row is None or not row["path"]:
            cutouts[product] = None
            continue
        path = Path(row["path"])
        if not path.is_file():
            notes.append(f"{product}: its photo {path} is not on this machine")
            cutouts[product] = None
            continue
        try:
            with Image.open(path) as image:
                rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
        except OSError as e:
            notes.append(f"{product}: its photo {path} cannot be read ({e})")
            cutouts[product] = None
            continue
        cutouts[product] = cut_out(rgb, row["polygon"], row["box"])
    return cutouts, notes


def fitting_room(
    driver: Driver,
    subject: str,
    looks: int = OUTFITS.looks,
    save_dir: Path | None = None,
    photo: Path | None = None,
    write: bool = True,
    photos_only: bool = False,
    database: str | None = None,
) -> Outfits:
    """Complete looks for ``subject``, a customer or product id: around a product, ``looks`` looks, each with
    another first complement; for a customer, one around each of their newest purchases that can anchor
    a look, with their preferences and none of their own products. Written back as Outfit nodes, and
    drawn as boards of cut-outs (and previews on ``photo``) when ``save_dir`` is given.

    Args:
        looks: looks to build (at least 1).
        save_dir: where to save each look's board (``outfit-<rank>.png``); None: no images.
        photo: a photo of a person to preview the looks on (``tryon-<rank>.png``); needs ``save_dir``.
        write: write the looks back as Outfit nodes.
        photos_only: propose only products a photo depicts.

    Raises:
        InputError: the subject is unknown or ambiguous, has nothing to build a look around, or
            ``photo`` is given without ``save_dir`` or cannot be read.
        QueryError, WriteFailed: the graph could not be read or written.
    """
    if looks < 1:
        raise InputError(f"looks must be at least 1, got {looks}")
    if photo is not None and save_dir is None:
        raise InputError("a photo preview needs a folder to save it in (save_dir)")
    kind = _kind(driver, subject, database)
    data = read_look_data(driver, database)
    reference = (data.last_day() or date.today().toordinal()) + 1
    stats = look_stats(data, reference)
    notes: list[str] = []
    if kind == "product":
        source = "none"
        built = build_looks(data, stats, subject, looks, photos_only=photos_only)
    else:
        history = [p.product for p in stats.history.get(subject, ())]
        anchors = _anchors(data, history, looks)
        if not anchors:
            raise InputError(f"customer {subject} has bought no top, bottom or dress to build a look around")
        prefs = stored_preferences(driver, subject, database)
        source = "PREFERS" if prefs else "purchases"
        prefs = prefs or preference_shares(data, stats, subject)
        owned = frozenset(history)
        built = []
        for rank, anchor in enumerate(anchors, start=1):
            for look in build_looks(data, stats, anchor, 1, prefs, owned, photos_only):
                built.append(
                    Look(rank, look.template, look.anchor, look.pieces, look.score, look.reasons, look.missing)
                )
        if len(anchors) < looks:
            notes.append(f"{len(anchors)} of the customer's purchases can anchor a look")
    written = write_outfits(driver, kind, subject, built, database) if write else None
    result = Outfits(
        subject, kind, date.fromordinal(reference - 1).isoformat(), tuple(built), source, written, notes=tuple(notes)
    )
    return _render(driver, result, save_dir, photo, database) if save_dir is not None else result


def _render(driver: Driver, result: Outfits, save_dir: Path, photo: Path | None, database: str | None) -> Outfits:
    """``result`` with its boards (and previews) saved under ``save_dir``."""
    save_dir.mkdir(parents=True, exist_ok=True)
    products = sorted({p.product for look in result.looks for p in look.pieces})
    cutouts, notes = _cutouts(driver, products, database)
    boards: dict[int, str] = {}
    sources: dict[str, str] = {}
    names = {p.product: p.name for look in result.looks for p in look.pieces}
    for look in result.looks:
        title = f"Look {look.rank} around {names[look.anchor]}"
        board = render_board(look, cutouts, title)
        path = save_dir / f"outfit-{look.rank}.png"
        Image.fromarray(board.image).save(path)
        boards[look.rank] = str(path)
        sources.update(board.sources)
    tryons: dict[int, str] = {}
    if photo is not None:
        tryons, more = _try_on(result, cutouts, photo, save_dir)
        notes.extend(more)
    return Outfits(
        result.subject,
        result.kind,
        result.reference_day,
        result.looks,
        result.preferences,
        result.written,
        boards,
        tryons,
        sources,
        (*result.notes, *notes),
    )


def _try_on(
    result: Outfits, cutouts: dict[str, ProductCutout | None], photo: Path, save_dir: Path
) -> tuple[dict[int, str], list[str]]:
    missing = person_model_missing()
    if missing:
        return {}, [missing]
    try:
        with Image.open(photo) as image:
            rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except OSError as e:
        raise InputError(f"{photo}: not a readable photo ({e})") from e
    regions = find_person(rgb)
    if regions is None:
        return {}, [f"{photo}: no person with visible shoulders and hips found; no preview"]
    bags = frozenset(
        p.product for look in result.looks for p in look.pieces if p.slot == "extra" and p.category in _bag_categories()
    )
    tryons: dict[int, str] = {}
    notes = ["the preview pastes flat cut-outs over body boxes: a 2D sketch, not a try-on"]
    for look in result.looks:
        preview = dress_person(rgb, regions, look, cutouts, bags)
        path = save_dir / f"tryon-{look.rank}.png"
        Image.fromarray(preview.image).save(path)
        tryons[look.rank] = str(path)
        notes.extend(f"look {look.rank}: {p} not placed ({why})" for p, why in preview.not_placed.items())
    return tryons, notes


def _bag_categories() -> set[str]:
    vocab = load_vocabulary()
    return {t for t in vocab.terms["Category"] if vocab.category_ancestor(t, 2) == "bags"}
