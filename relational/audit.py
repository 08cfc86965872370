"""``shopgraph audit recommendations``: who and what the served lists expose, against the catalog,
the purchases and the baselines.

For the served ``RECOMMENDED`` lists (cut at ``k``) and for each baseline of
:func:`relational.baselines.baseline_factories` (fitted on every purchase, asked for every buyer's
top ``k``), the audit gives:

* the position-weighted exposure share (``w(r) = 1/log2(r+1)``, :mod:`relational.exposure`) of each
  brand, price band, department and gender against its share of the catalog and of the purchase
  lines, and the total variation distance between them;
* the Gini coefficient of item exposure over the catalog, and coverage (distinct catalog items
  listed over the catalog's size);
* per customer age band: the mean price of the listed items against the mean price the band paid,
  the mean number of distinct departments per list (each with a 95% bootstrap interval over the
  band's customers), and the distinct-item ratio at equal size (distinct items in ``m`` lists over
  ``m·k``, ``m`` the smallest band's size, mean of 200 random draws) so that big bands are not
  "broader" only for being big.

Price bands are the quartiles of the products' mean paid price (``relational.exposure_cap``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from neo4j import Driver
from numpy.typing import NDArray

from shopgraph.cypher.internal import audit as q
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import read
from shopgraph.relational.baselines import baseline_factories
from shopgraph.relational.data import Recommender
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.exposure import (
    GroupShares,
    bootstrap_mean,
    coverage,
    gini,
    group_shares,
    item_exposure,
)
from shopgraph.relational.exposure_cap import PRICE_BANDS, price_bands

DIMENSIONS: tuple[str, ...] = ("brand", "price_band", "department", "gender")
AGE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("<25", 0, 25),
    ("25-34", 25, 35),
    ("35-44", 35, 45),
    ("45-54", 45, 55),
    ("55-64", 55, 65),
    ("65+", 65, float("inf")),
)
"""Customer age bands: name, lowest age, first age above (ages in years)."""
SERVED = "served (RECOMMENDED)"
WEIGHTING = "w(r) = 1/log2(r+1)"

Say = Callable[[str], None]


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% bootstrap interval."""

    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class BandRow:
    """One age band under one list set (see the module)."""

    band: str
    customers: int
    list_price: Interval
    paid_price: float
    departments: Interval
    distinct_ratio: float


@dataclass(frozen=True)
class ListAudit:
    """One list set: the served lists or a baseline's."""

    name: str
    customers: int
    coverage: float
    gini: float
    shares: dict[str, GroupShares]
    bands: list[BandRow]


@dataclass(frozen=True)
class AuditReport:
    """The audit of every list set at list length ``k``."""

    k: int
    weighting: str
    catalog_size: int
    customers: int
    equal_size: int
    lists: list[ListAudit]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for entry, audit in zip(data["lists"], self.lists, strict=True):
            for dim, shares in audit.shares.items():
                entry["shares"][dim].update(tvd_catalog=shares.tvd_catalog, tvd_purchases=shares.tvd_purchases)
        return data


@dataclass(frozen=True)
class Catalog:
    """The products as the audit sees them: ids, catalog flag, purchase lines, price and groups."""

    ids: list[str]
    in_catalog: NDArray[np.bool_]
    purchases: NDArray[np.float64]
    price: NDArray[np.float64]
    groups: dict[str, tuple[tuple[str, ...], NDArray[np.int64]]]


def _encode(values: Sequence[str | None]) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    names = tuple(sorted({v for v in values if v is not None}))
    index = {n: i for i, n in enumerate(names)}
    return names, np.array([index[v] if v is not None else -1 for v in values], dtype=np.int64)


def read_catalog(driver: Driver, database: str | None = None) -> Catalog:
    """The products of the graph with their audit groups (``AUDIT_PRODUCTS``)."""
    rows = read(driver, q.AUDIT_PRODUCTS, what="reading the products to audit", database=database)
    price = np.array([np.nan if r["price"] is None else float(r["price"]) for r in rows], dtype=np.float64)
    groups = {dim: _encode([r[dim] for r in rows]) for dim in ("brand", "department", "gender")}
    groups["price_band"] = (PRICE_BANDS, price_bands(price))
    return Catalog(
        ids=[r["id"] for r in rows],
        in_catalog=np.array([bool(r["inCatalog"]) for r in rows], dtype=bool),
        purchases=np.array([r["purchases"] for r in rows], dtype=np.float64),
        price=price,
        groups={dim: groups[dim] for dim in DIMENSIONS},
    )


def age_band(age: float | None) -> str:
    """The :data:`AGE_BANDS` name of ``age``, ``unknown`` for None or NaN."""
    if age is None or age != age:
        return "unknown"
    return next(name for name, low, high in AGE_BANDS if low <= age < high)


def _list_price(lists: NDArray[np.int64], price: NDArray[np.float64]) -> NDArray[np.float64]:
    values = np.where(lists >= 0, price[np.maximum(lists, 0)], np.nan)
    known = ~np.isnan(values)
    sums = np.where(known, values, 0.0).sum(axis=1)
    counts = known.sum(axis=1)
    return np.divide(sums, counts, out=np.full(lists.shape[0], np.nan), where=counts > 0)


def _departments(lists: NDArray[np.int64], department: NDArray[np.int64]) -> NDArray[np.float64]:
    return np.array([len({int(department[i]) for i in row if i >= 0 and department[i] >= 0}) for row in lists], float)


def _distinct_ratio(lists: NDArray[np.int64], m: int, draws: int = 200, seed: int = 0) -> float:
    if m < 1 or lists.shape[0] < m:
        return float("nan")
    rng = np.random.default_rng(seed)
    k = lists.shape[1]
    ratios = []
    for _ in range(draws):
        chosen = lists[rng.choice(lists.shape[0], size=m, replace=False)]
        ratios.append(np.unique(chosen[chosen >= 0]).shape[0] / (m * k))
    return float(np.mean(ratios))


def audit_lists(
    name: str,
    lists: NDArray[np.int64],
    catalog: Catalog,
    ages: Sequence[float | None],
    paid: NDArray[np.float64],
    equal_size: int,
) -> ListAudit:
    """The measures of one list set (module docstring). ``lists``: per customer its ``k`` product
    positions in ``catalog`` (-1 pads); ``ages`` and ``paid`` (mean price paid) per customer."""
    exposure = item_exposure(lists, len(catalog.ids))
    shares = {
        dim: group_shares(dim, names, group, exposure, catalog.in_catalog, catalog.purchases)
        for dim, (names, group) in catalog.groups.items()
    }
    bands_of = np.array([age_band(a) for a in ages])
    prices = _list_price(lists, catalog.price)
    departments = _departments(lists, catalog.groups["department"][1])
    bands: list[BandRow] = []
    for band in [*(b for b, _, _ in AGE_BANDS), "unknown"]:
        rows = bands_of == band
        if not rows.any():
            continue
        bands.append(
            BandRow(
                band=band,
                customers=int(rows.sum()),
                list_price=Interval(*bootstrap_mean(prices[rows])),
                paid_price=float(np.nanmean(paid[rows])) if (~np.isnan(paid[rows])).any() else float("nan"),
                departments=Interval(*bootstrap_mean(departments[rows])),
                distinct_ratio=_distinct_ratio(lists[rows], equal_size),
            )
        )
    return ListAudit(
        name=name,
        customers=int(lists.shape[0]),
        coverage=coverage(lists, catalog.in_catalog),
        gini=gini(exposure[catalog.in_catalog]),
        shares=shares,
        bands=bands,
    )


def served_lists(
    driver: Driver, customers: Sequence[str], index: dict[str, int], k: int, database: str | None
) -> NDArray[np.int64]:
    """The ``RECOMMENDED`` lists of ``customers`` as product positions (``index``), cut at ``k``."""
    rows = read(driver, q.AUDIT_RECOMMENDED, {"k": k}, what="reading the served lists", database=database)
    position = {c: i for i, c in enumerate(customers)}
    out = np.full((len(customers), k), -1, dtype=np.int64)
    for r in rows:
        row = position.get(r["customer"])
        if row is not None and r["product"] in index:
            out[row, int(r["rank"]) - 1] = index[r["product"]]
    return out


def audit_recommendations(
    driver: Driver,
    *,
    k: int = 12,
    baselines: Sequence[Callable[[], Recommender]] | None = None,
    purchase_source: str | None = None,
    database: str | None = None,
    say: Say | None = None,
) -> AuditReport:
    """Audit the served lists and the baselines' (see the module).

    Args:
        driver: an open driver.
        k: list length audited (default 12, the evaluated MAP@12's).
        baselines: recommender factories to audit besides the served lists (default: all of
            :func:`~relational.baselines.baseline_factories`); each is fitted on every purchase.
        purchase_source: the purchases the baselines learn from (``hm``); all when None.
        say: called with a line per step.

    Raises:
        InputError: ``k`` below 1, or the graph has no customer with a purchase.
    """
    if k < 1:
        raise InputError(f"audit: k must be at least 1, got {k}")
    note = say or (lambda _: None)
    note("reading products and customers")
    catalog = read_catalog(driver, database)
    index = {pid: i for i, pid in enumerate(catalog.ids)}
    people = read(driver, q.AUDIT_CUSTOMERS, what="reading the customers to audit", database=database)
    if not people:
        raise InputError("audit: no customer with a purchase in the graph")
    customers = [r["id"] for r in people]
    ages = [r["age"] for r in people]
    paid = np.array([np.nan if r["paid"] is None else float(r["paid"]) for r in people], dtype=np.float64)
    sizes = [sum(1 for a in ages if age_band(a) == band) for band, _, _ in AGE_BANDS]
    equal_size = min((s for s in sizes if s > 0), default=0)
    sets: list[tuple[str, NDArray[np.int64]]] = [(SERVED, served_lists(driver, customers, index, k, database))]
    factories = baseline_factories() if baselines is None else list(baselines)
    if factories:
        note("reading the purchases for the baselines")
        snapshot = read_snapshot(
            driver, database=database, purchase_source=purchase_source, with_text=False, with_images=False
        )
        position = {c: i for i, c in enumerate(snapshot.customer_ids)}
        known = np.array([c in position for c in customers], dtype=bool)
        rows = np.array([position[c] for c in customers if c in position], dtype=np.int64)
        to_catalog = np.array([index.get(pid, -1) for pid in snapshot.product_ids], dtype=np.int64)
        for factory in factories:
            method = factory()
            note(f"fitting baseline {method.name}")
            method.fit(snapshot)
            found = np.asarray(method.recommend(rows, k))
            lists = np.full((len(customers), k), -1, dtype=np.int64)
            lists[known] = np.where(found >= 0, to_catalog[np.maximum(found, 0)], -1)
            sets.append((method.name, lists))
    note("measuring exposure")
    audits = [audit_lists(name, lists, catalog, ages, paid, equal_size) for name, lists in sets]
    return AuditReport(
        k=k,
        weighting=WEIGHTING,
        catalog_size=int(catalog.in_catalog.sum()),
        customers=len(customers),
        equal_size=equal_size,
        lists=audits,
    )


def plot_audit(report: AuditReport, path: Path, top: int = 10) -> Path:
    """A 2×2 figure: price-band and department exposure against catalog and purchase shares for the
    served lists and the popularity baseline, Gini and coverage of every list set, and the served
    lists' mean item price per age band (95% interval) against what the band paid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    served = report.lists[0]
    other = next((a for a in report.lists[1:] if a.name == "popularity"), None)
    fig, axes = plt.subplots(2, 2, figsize=(14, 10))
    for ax, dim in ((axes[0][0], "price_band"), (axes[0][1], "department")):
        s = served.shares[dim]
        order = np.argsort(s.catalog)[::-1][:top] if dim == "department" else np.arange(len(s.groups))
        x = np.arange(order.shape[0])
        bars = [("catalog", s.catalog), ("purchases", s.purchases), ("served", s.exposure)]
        if other is not None:
            bars.append(("popularity", other.shares[dim].exposure))
        width = 0.8 / len(bars)
        for j, (label, values) in enumerate(bars):
            ax.bar(x + j * width, np.asarray(values)[order], width, label=label)
        ax.set_xticks(
            x + 0.4 - width / 2,
            [s.groups[i] for i in order],
            rotation=30 if dim == "department" else 0,
            ha="right" if dim == "department" else "center",
            fontsize=8,
        )
        ax.set_ylabel("share")
        ax.set_title(f"{dim.replace('_', ' ')}: exposure ({report.weighting}) vs catalog and purchases")
        ax.legend(fontsize=8)
    ax = axes[1][0]
    names = [a.name for a in report.lists]
    x = np.arange(len(names))
    ax.bar(x - 0.2, [a.gini for a in report.lists], 0.4, label="Gini of item exposure")
    ax.bar(x + 0.2, [a.coverage for a in report.lists], 0.4, label="coverage")
    ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    ax.set_title(f"top {report.k}: inequality and coverage")
    ax.legend(fontsize=8)
    ax = axes[1][1]
    bands = [b for b in served.bands]
    x = np.arange(len(bands))
    means = np.array([b.list_price.mean for b in bands])
    errors = np.array(
        [[b.list_price.mean - b.list_price.low for b in bands], [b.list_price.high - b.list_price.mean for b in bands]]
    )
    ax.errorbar(x, means, yerr=errors, fmt="o", capsize=4, label="served lists: mean item price (95% CI)")
    ax.plot(x, [b.paid_price for b in bands], "x", markersize=9, label="mean price the band paid")
    ax.set_xticks(x, [f"{b.band}\n(n={b.customers})" for b in bands], fontsize=8)
    ax.set_title("price of the served lists by customer age band")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
