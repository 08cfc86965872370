"""How often the outfit builder proposes the bottom a shopper really bought with a top, on a time split.

**Events.** At each of ``cutoffs`` rolling cut-offs ``c`` (``step_days`` apart, the last one
``step_days`` before the day after the last purchase), an event is a customer and a top (a product
of the ``top`` slot's groups, ``outfit_looks.csv``) they bought in ``[c, c + step_days)``, with
the bottoms (``bottom`` slot) they bought on or after ``c`` at most ``window_days`` from it.

**Statistics** (co-purchases, popularity, category lifts, the shopper's preference shares) come
only from the lines before ``c`` (:func:`outfits.stats.look_stats`).

**Candidate pool** of an event: every catalog product of the bottom slot's groups that passes the
gender and style rules against the top, less what the customer had bought before ``c``. An event whose
bottoms all lie outside the pool (another gender, bought before) counts as a miss for every method.

**Methods**, each proposing ``k`` bottoms from the same pool: the builder (its bottom-slot ranking,
:func:`outfits.builder.rank_slot`); "most co-purchased" (``together(top, b)`` first, then all-time
buyers, then id: the order of ``cypher/complete_the_look.cypher``); "popular now" (recent buyers,
then buyers, then id); random, as its exact expectation ``1 − C(N − R, k) / C(N, k)`` for ``R`` of
the event's bottoms in a pool of ``N``.

**Parts.** Customers are split by a hash of their id: the tuning part (``tuning_share``) picks the
builder's weights (coordinate ascent over ``WEIGHT_GRID``, two passes, from the defaults); the
reported part is scored with them. Intervals: percentile bootstrap over customers (each resample
draws customers with replacement and pools their events), 95 %.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.defaults import OUTFITS, OutfitDefaults
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import outfit_looks
from shopgraph.outfits.builder import FEATURES, features, fits
from shopgraph.outfits.data import LookData
from shopgraph.outfits.stats import LookStats, look_stats, preference_shares

WEIGHT_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
METHODS = ("builder", "most co-purchased", "popular now", "random")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Event:
    """One held-out top with its bottoms, and its pool's features as arrays (rows: candidates)."""

    cutoff: int
    customer: str
    top: str
    bought: frozenset[str]
    pool: tuple[str, ...]
    features: NDArray[np.float64]  # (len(pool), len(FEATURES))
    together: NDArray[np.float64]
    buyers: NDArray[np.float64]
    recent: NDArray[np.float64]
    relevant: NDArray[np.bool_]


@dataclass(frozen=True)
class MethodResult:
    """A method's hit rate on a part, with its bootstrap interval over customers."""

    method: str
    hit_rate: float
    low: float
    high: float


@dataclass(frozen=True)
class OutfitEvaluation:
    """What ``shopgraph evaluate-outfits`` measured (module docstring)."""

    cutoffs: tuple[str, ...]
    k: int
    window_days: int
    tuning: dict[str, int]  # events, customers
    reported: dict[str, int]
    pool_size: float  # mean candidates per reported event
    outside_pool: int  # reported events none of whose bottoms is in the pool
    weights: dict[str, float]  # chosen on the tuning part
    default_weights: dict[str, float]
    tuning_results: tuple[MethodResult, ...]
    results: tuple[MethodResult, ...]
    difference: MethodResult  # builder − most co-purchased on the reported part
    pool: str


def in_tuning(customer: str, share: float) -> bool:
    """Whether the customer's events tune the weights: the first 8 bytes of SHA-256(id) / 2⁶⁴ < ``share``."""
    return int.from_bytes(hashlib.sha256(customer.encode()).digest()[:8], "big") / 2**64 < share


def _events(data: LookData, stats: LookStats, cutoff: int, defaults: OutfitDefaults) -> list[Event]:
    slots = {s.slot: s for s in outfit_looks()["separates"]}
    tops, bottoms = set(slots["top"].groups), set(slots["bottom"].groups)
    products = data.products
    lines = [p for p in data.purchases if p.day >= cutoff]
    by_customer: dict[str, list[tuple[int, str]]] = {}
    for p in lines:
        by_customer.setdefault(p.customer, []).append((p.day, p.product))
    candidates = [p for p in products.values() if p.group in bottoms]
    events = []
    for customer, bought in sorted(by_customer.items()):
        owned = {p.product for p in stats.history.get(customer, ())}
        prefs = preference_shares(data, stats, customer)
        seen: set[str] = set()
        for day, top_id in sorted(bought):
            top = products[top_id]
            if top.group not in tops or day >= cutoff + defaults.step_days or top_id in seen:
                continue
            paired = frozenset(
                b for d, b in bought if products[b].group in bottoms and abs(d - day) <= defaults.window_days
            )
            if not paired:
                continue
            seen.add(top_id)
            pool = [c for c in candidates if c.id not in owned and fits(top, c)]
            rows = [features(stats, top, [top], c, prefs, defaults) for c in pool]
            events.append(
                Event(
                    cutoff=cutoff,
                    customer=customer,
                    top=top_id,
                    bought=paired,
                    pool=tuple(c.id for c in pool),
                    features=np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float64).reshape(
                        -1, len(FEATURES)
                    ),
                    together=np.array([stats.together_count(top_id, c.id) for c in pool], dtype=np.float64),
                    buyers=np.array([stats.buyers[c.id] for c in pool], dtype=np.float64),
                    recent=np.array([stats.recent[c.id] for c in pool], dtype=np.float64),
                    relevant=np.array([c.id in paired for c in pool], dtype=bool),
                )
            )
    return events


def _top_k(primary: NDArray[np.float64], secondary: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """Positions of the ``k`` best rows by ``primary`` desc, then ``secondary`` desc, then position (the pool is
    sorted by id)."""
    order = np.lexsort((np.arange(primary.shape[0]), -secondary, -primary))
    return order[:k]


def _hit(event: Event, method: str, weights: Mapping[str, float], k: int) -> float:
    if not event.relevant.any():
        return 0.0
    if method == "random":
        n, r = event.relevant.shape[0], int(event.relevant.sum())
        return 1.0 - math.comb(n - r, k) / math.comb(n, k) if n >= k else 1.0
    if method == "builder":
        w = np.array([weights.get(f, 0.0) for f in FEATURES])
        top = _top_k(event.features @ w, event.buyers, k)
    elif method == "most co-purchased":
        top = _top_k(event.together, event.buyers, k)
    else:
        top = _top_k(event.recent, event.buyers, k)
    return float(event.relevant[top].any())


def _hits(events: Sequence[Event], method: str, weights: Mapping[str, float], k: int) -> NDArray[np.float64]:
    return np.array([_hit(e, method, weights, k) for e in events], dtype=np.float64)


def customer_bootstrap(
    values: NDArray[np.float64], customers: Sequence[str], samples: int, seed: int
) -> tuple[float, float, float]:
    """The mean of ``values`` (one per event) and its 95 % percentile interval, resampling customers:
    each draw picks customers with replacement and takes ``Σ values / Σ events`` over their events.
    (nan, nan, nan) without events."""
    if values.shape[0] == 0:
        return (math.nan, math.nan, math.nan)
    unique, index = np.unique(np.asarray(customers), return_inverse=True)
    sums = np.bincount(index, weights=values, minlength=unique.shape[0])
    counts = np.bincount(index, minlength=unique.shape[0]).astype(np.float64)
    draws = np.random.default_rng(seed).integers(0, unique.shape[0], size=(samples, unique.shape[0]))
    rates = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    low, high = np.percentile(rates, [2.5, 97.5])
    return round(float(values.mean()), 4), round(float(low), 4), round(float(high), 4)


def tune_weights(events: Sequence[Event], start: Mapping[str, float], k: int) -> dict[str, float]:
    """Coordinate ascent on the mean hit rate: each weight in turn takes the ``WEIGHT_GRID`` value that
    raises it most (ties keep the current value), two passes over the features."""
    weights = dict(start)
    best = float(_hits(events, "builder", weights, k).mean()) if events else 0.0
    for _ in range(2):
        for f in FEATURES:
            for value in WEIGHT_GRID:
                trial = {**weights, f: value}
                rate = float(_hits(events, "builder", trial, k).mean()) if events else 0.0
                if rate > best:
                    best, weights = rate, trial
    return weights


def _results(
    events: Sequence[Event], weights: Mapping[str, float], defaults: OutfitDefaults
) -> tuple[MethodResult, ...]:
    customers = [e.customer for e in events]
    return tuple(
        MethodResult(
            m, *customer_bootstrap(_hits(events, m, weights, defaults.k), customers, defaults.bootstrap, defaults.seed)
        )
        for m in METHODS
    )


def evaluate_outfits(
    data: LookData, defaults: OutfitDefaults = OUTFITS, progress: Progress | None = None
) -> OutfitEvaluation:
    """The measurement of the module docstring on ``data`` (read with :func:`outfits.data.read_look_data`).

    Raises:
        InputError: the data has no purchase lines, or no held-out event in the reported part.
    """
    last = data.last_day()
    if last is None:
        raise InputError("evaluate-outfits: the graph has no purchases of look products")
    cutoffs = [last + 1 - defaults.step_days * i for i in range(defaults.cutoffs, 0, -1)]
    events: list[Event] = []
    for done, cutoff in enumerate(cutoffs, start=1):
        events.extend(
            _events(data, look_stats(data, cutoff, defaults.window_days, defaults.recent_days), cutoff, defaults)
        )
        if progress:
            progress(done)
    tuning = [e for e in events if in_tuning(e.customer, defaults.tuning_share)]
    reported = [e for e in events if not in_tuning(e.customer, defaults.tuning_share)]
    if not reported:
        raise InputError(f"evaluate-outfits: no top bought with a bottom after the {len(cutoffs)} cut-offs")
    start = dict(defaults.weights)
    weights = tune_weights(tuning, start, defaults.k)
    diff = _hits(reported, "builder", weights, defaults.k) - _hits(reported, "most co-purchased", weights, defaults.k)
    mean, low, high = customer_bootstrap(diff, [e.customer for e in reported], defaults.bootstrap, defaults.seed)
    slots = {s.slot: s for s in outfit_looks()["separates"]}
    return OutfitEvaluation(
        cutoffs=tuple(_iso(c) for c in cutoffs),
        k=defaults.k,
        window_days=defaults.window_days,
        tuning={"events": len(tuning), "customers": len({e.customer for e in tuning})},
        reported={"events": len(reported), "customers": len({e.customer for e in reported})},
        pool_size=round(float(np.mean([len(e.pool) for e in reported])), 1),
        outside_pool=sum(not e.relevant.any() for e in reported),
        weights=weights,
        default_weights=start,
        tuning_results=_results(tuning, weights, defaults),
        results=_results(reported, weights, defaults),
        difference=MethodResult("builder − most co-purchased", mean, low, high),
        pool=(
            f"catalog products of {', '.join(slots['bottom'].groups)} that pass the gender and style rules "
            "against the top, less what the customer bought before the cut-off"
        ),
    )


def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()
