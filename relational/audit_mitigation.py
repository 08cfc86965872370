"""``shopgraph audit mitigation``: what an exposure cap costs in MAP@12 and gains in exposure balance.

The learned ranker (``relational.ranker``, its default settings) is evaluated on the rolling time
split of ``relational.evaluate`` without a cap and with each cap of ``max_shares`` on one
dimension (:class:`~relational.exposure_cap.ExposureCap`), all from one fit per cut-off. For
each: MAP@k with the paired-bootstrap interval of its difference to the uncapped ranker over the
(customer, cut-off) pairs, and, over the lists of every cut-off together, the total variation
distance between the dimension's position-weighted exposure shares and the catalog's shares at the
cut-off (catalog products with a known group), the largest group's exposure share (what the cap
limits), the Gini of item exposure and coverage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from neo4j import Driver
from numpy.typing import NDArray

from shopgraph.graphstore.core.defaults import EVALUATION
from shopgraph.relational.data import from_day
from shopgraph.relational.evaluate import evaluate
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.exposure import gini, item_exposure, tvd
from shopgraph.relational.exposure_cap import CappedRecommender, ExposureCap
from shopgraph.relational.metrics import paired_bootstrap
from shopgraph.relational.pipeline import one_thread
from shopgraph.relational.ranker import LearnedRanker, RankerSettings
from shopgraph.relational.split import rolling_cutoffs

Recorded = list[tuple[NDArray[np.int64], NDArray[np.int64]]]


@dataclass(frozen=True)
class CapResult:
    """One cap (``max_share`` 1.0: none) over the evaluated cut-offs."""

    name: str
    max_share: float
    map: float
    map_difference: float
    map_low: float
    map_high: float
    tvd_catalog: float
    top_share: float
    gini: float
    coverage: float


@dataclass(frozen=True)
class MitigationReport:
    """Every cap on ``dimension`` at list length ``k`` over ``pairs`` (customer, cut-off) pairs."""

    dimension: str
    k: int
    cutoffs: list[str]
    pairs: int
    results: list[CapResult]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _balance(recorded: Recorded, in_catalog: NDArray[np.bool_]) -> tuple[float, float, float, float]:
    """TVD of exposure shares against catalog shares, the largest group's exposure share, Gini and
    coverage over all recorded lists."""
    exposure = np.zeros(in_catalog.shape[0])
    shown = np.zeros(in_catalog.shape[0], dtype=bool)
    exposure_by: list[NDArray[np.float64]] = []
    catalog_by: list[NDArray[np.float64]] = []
    for lists, group in recorded:
        items = item_exposure(lists, in_catalog.shape[0])
        exposure += items
        shown[lists[lists >= 0]] = True
        known = group >= 0
        groups = int(group.max()) + 1 if known.any() else 0
        exposure_by.append(np.bincount(group[known], weights=items[known], minlength=groups).astype(np.float64))
        catalog_by.append(np.bincount(group[known & in_catalog], minlength=groups).astype(np.float64))
    width = max((a.shape[0] for a in exposure_by), default=0)
    e = sum((np.pad(a, (0, width - a.shape[0])) for a in exposure_by), np.zeros(width))
    c = sum((np.pad(a, (0, width - a.shape[0])) for a in catalog_by), np.zeros(width))
    balance = tvd(e / e.sum(), c / c.sum()) if e.sum() > 0 and c.sum() > 0 else float("nan")
    top = float(e.max() / e.sum()) if e.sum() > 0 else float("nan")
    covered = float((shown & in_catalog).sum() / max(int(in_catalog.sum()), 1))
    return balance, top, gini(exposure[in_catalog]), covered


def measure_exposure_cap(
    driver: Driver,
    *,
    dimension: str = "price_band",
    max_shares: Sequence[float] = (0.5, 0.4, 0.3, 0.25),
    ranker: RankerSettings | None = None,
    purchase_source: str | None = None,
    cutoffs: int = EVALUATION.cutoffs,
    horizon: int = EVALUATION.horizon_days,
    k: int = EVALUATION.k,
    database: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> MitigationReport:
    """The cost and gain of each cap (module docstring).

    Raises:
        ConfigError: an unknown dimension or a share outside (0, 1].
        InputError: no purchases.
    """
    caps = [ExposureCap(dimension, 1.0), *(ExposureCap(dimension, s) for s in max_shares)]
    snapshot = read_snapshot(driver, database=database, purchase_source=purchase_source)
    settings = ranker or RankerSettings()
    recorded: dict[str, Recorded] = {}

    def factory(cap: ExposureCap) -> Callable[[], CappedRecommender]:
        def make() -> CappedRecommender:
            method = CappedRecommender(LearnedRanker(settings), cap)
            method.record = recorded.setdefault(method.name, [])
            return method

        return make

    days = rolling_cutoffs(int(snapshot.purchases.day.max()), count=cutoffs, horizon=horizon)
    with one_thread():
        report = evaluate(snapshot, [factory(c) for c in caps], cutoffs=days, k=k, horizon=horizon, progress=progress)
    base = report.methods[0]
    results = []
    for cap, method in zip(caps, report.methods, strict=True):
        diff, low, high = paired_bootstrap(method.values("map"), base.values("map"))
        balance, top, spread, covered = _balance(recorded[method.name], snapshot.in_catalog)
        results.append(
            CapResult(method.name, cap.max_share, method.metrics["map"], diff, low, high, balance, top, spread, covered)
        )
    return MitigationReport(
        dimension=dimension,
        k=k,
        cutoffs=[from_day(c).isoformat() for c, n in zip(report.cutoffs, report.pairs, strict=True) if n],
        pairs=report.total_pairs,
        results=results,
    )
