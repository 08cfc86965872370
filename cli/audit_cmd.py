"""``shopgraph audit ...``: the fairness audit of the served recommendations, and its mitigation knob."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import (
    info,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_table,
    progress_bar,
    spinner,
)
from shopgraph.graphstore.core.defaults import EVALUATION


@click.group()
def audit() -> None:
    """Fairness audit: who and what the recommendations expose."""


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _interval(value: Any, digits: int) -> str:
    return f"{value.mean:.{digits}f} ({value.low:.{digits}f}-{value.high:.{digits}f})"


@audit.command("recommendations")
@click.option("-k", "k", type=click.IntRange(1), default=12, show_default=True, help="List length audited.")
@click.option(
    "--baselines",
    default="all",
    show_default=True,
    metavar="LIST",
    help="Baselines to audit besides the served lists: comma-separated names, all, or none.",
)
@click.option("--source", "purchase_source", metavar="SOURCE", help="Baselines learn from this source's purchases.")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where the PNG goes. Default: <SHOPGRAPH_HOME>/audit/recommendations.png",
)
@json_option
def recommendations(k: int, baselines: str, purchase_source: str | None, plot: Path | None, as_json: bool) -> None:
    """Exposure of brands, price bands, departments and genders in RECOMMENDED and in each baseline.

    Exposure is position-weighted, w(r) = 1/log2(r+1), and set against each group's share of the
    catalog and of the purchases (TVD: total variation distance); also the Gini of item exposure,
    coverage, and per customer age band the lists' mean price, departments per list and distinct
    items at equal band size. Analysts get each measure as cypher/audit_*.cypher.

    \b
    Example:
      shopgraph audit recommendations
      shopgraph audit recommendations --baselines popularity,repurchase_siblings_popular --json
    """
    from shopgraph.relational.audit import audit_recommendations, plot_audit
    from shopgraph.relational.baselines import baseline_factories

    factories = baseline_factories()
    if baselines != "all":
        wanted = {b.strip() for b in baselines.split(",") if b.strip() and b.strip() != "none"}
        known = {f().name: f for f in factories}
        unknown = sorted(wanted - set(known))
        if unknown:
            raise click.BadParameter(
                f"unknown baselines {unknown}; known: {', '.join(known)}", param_hint="--baselines"
            )
        factories = [known[name] for name in known if name in wanted]
    config = settings()
    target = plot or config.home / "audit" / "recommendations.png"
    with library_chatter_to_stderr(), driver(config) as handle, spinner("auditing") as status:
        report = audit_recommendations(
            handle, k=k, baselines=factories, purchase_source=purchase_source, database=config.database, say=status
        )
    picture = plot_audit(report, target)
    if as_json:
        print_json({**report.as_dict(), "plot": str(picture)})
        return
    rows: list[dict[str, Any]] = []
    for entry in report.lists:
        row: dict[str, Any] = {"lists": entry.name, "coverage": _pct(entry.coverage), "Gini": f"{entry.gini:.3f}"}
        for dim, shares in entry.shares.items():
            row[f"{dim} TVD cat/purch"] = f"{shares.tvd_catalog:.3f} / {shares.tvd_purchases:.3f}"
        rows.append(row)
    print_table(
        rows,
        title=f"top {report.k}, exposure {report.weighting}; {report.customers} customers, "
        f"{report.catalog_size} catalog products",
    )
    served = report.lists[0]
    for dim in ("price_band", "gender", "department"):
        s = served.shares[dim]
        order = sorted(range(len(s.groups)), key=lambda i: -s.exposure[i])[:12]
        print_table(
            [
                {
                    dim: s.groups[i],
                    "exposure": _pct(s.exposure[i]),
                    "catalog": _pct(s.catalog[i]),
                    "purchases": _pct(s.purchases[i]),
                }
                for i in order
            ],
            title=f"{served.name}: {dim} (unknown group: {_pct(s.unknown_exposure)} of exposure)",
        )
    print_table(
        [
            {
                "age band": b.band,
                "customers": b.customers,
                "list price (95% CI)": _interval(b.list_price, 4),
                "paid price": f"{b.paid_price:.4f}",
                "departments/list (95% CI)": _interval(b.departments, 2),
                f"distinct items, {report.equal_size} lists": f"{b.distinct_ratio:.3f}",
            }
            for b in served.bands
        ],
        title=f"{served.name} by customer age band",
    )
    info(f"plot: {picture}")


@audit.command("mitigation")
@click.option(
    "--dimension",
    type=click.Choice(("price_band", "brand")),
    default="price_band",
    show_default=True,
    help="What the cap limits (the H&M data has one brand: use price_band there).",
)
@click.option(
    "--caps",
    default="0.5,0.4,0.3,0.25",
    show_default=True,
    metavar="LIST",
    help="Largest share of a list's places any one group may take, comma-separated.",
)
@click.option("--source", "purchase_source", metavar="SOURCE", help="Use this source's purchases only.")
@click.option(
    "--cutoffs",
    type=click.IntRange(1),
    default=EVALUATION.cutoffs,
    show_default=True,
    help="Cut-offs of the time split (28 days apart, as `shopgraph evaluate`).",
)
@json_option
def mitigation(dimension: str, caps: str, purchase_source: str | None, cutoffs: int, as_json: bool) -> None:
    """What an exposure cap costs in MAP@12 and gains in exposure balance, on the time split.

    The learned ranker without a cap and with each cap, from one fit per cut-off: MAP@12 with the
    paired-bootstrap 95% interval of its difference to the uncapped ranker, the TVD between the
    dimension's exposure shares and the catalog's, the largest group's exposure share, the Gini of
    item exposure and coverage.
    `shopgraph train --exposure-cap DIMENSION:SHARE` applies a cap to the served lists.

    \b
    Example:
      shopgraph audit mitigation --dimension price_band --caps 0.5,0.3
    """
    from shopgraph.relational.audit_mitigation import measure_exposure_cap

    try:
        shares = [float(c) for c in caps.split(",") if c.strip()]
    except ValueError as e:
        raise click.BadParameter(f"{caps!r}: expected numbers such as 0.5,0.3", param_hint="--caps") from e
    config = settings()
    with library_chatter_to_stderr(), driver(config) as handle, progress_bar("fits", None) as update:
        report = measure_exposure_cap(
            handle,
            dimension=dimension,
            max_shares=shares,
            purchase_source=purchase_source,
            database=config.database,
            progress=lambda done, total, _: update(done),
            cutoffs=cutoffs,
        )
    if as_json:
        print_json(report.as_dict())
        return
    print_table(
        [
            {
                "lists": r.name,
                "MAP@12": f"{r.map:.4f}",
                "ΔMAP (95% CI)": f"{r.map_difference:+.4f} ({r.map_low:+.4f}, {r.map_high:+.4f})",
                f"{dimension} TVD vs catalog": f"{r.tvd_catalog:.3f}",
                "largest group's share": _pct(r.top_share),
                "Gini": f"{r.gini:.3f}",
                "coverage": _pct(r.coverage),
            }
            for r in report.results
        ],
        title=f"exposure cap on {dimension}: {report.pairs} (customer, cut-off) pairs, "
        f"cut-offs {', '.join(report.cutoffs)}",
    )
