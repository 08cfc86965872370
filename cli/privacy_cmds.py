"""``shopgraph privacy ...``: a customer's data exported (right of access) or erased (right to be forgotten)."""

from __future__ import annotations

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, print_json, print_pairs, print_table


@click.group()
def privacy() -> None:
    """A customer's data: everything the graph holds about them, or all of it erased."""


@privacy.command("forget")
@click.argument("customer")
@json_option
def forget_cmd(customer: str, as_json: bool) -> None:
    """Erase CUSTOMER: node, purchases, preferences, recommendations, vector, and files holding them.

    Rejects reports are rewritten without their lines; model checkpoints and evaluation outputs that
    hold the id or vector are deleted and every model run is marked stale (the next `shopgraph train`
    rebuilds them). The forget log (<home>/privacy/forgotten.jsonl) keeps only a salted hash and the
    date. Safe to run again. For a graph ingested with --pseudonymise, give the raw id or the pseudonym.

    \b
    Example:
      shopgraph privacy forget b9009217e85bbbbdfc84de48bba9b58514332d00475c7004c68867e1c49f72f9
      shopgraph privacy forget c1 --json
    """
    from shopgraph.graphstore.privacy.forget import forget_customer

    config = settings()
    with driver(config) as handle:
        report = forget_customer(handle, config, customer, database=config.database)
    if as_json:
        print_json(report.as_dict())
        return
    if not report.found:
        info(
            "forgotten before: nothing of them is left"
            if report.forgotten_before
            else "no such customer, no file holds them"
        )
        return
    print_pairs(
        {
            "subject (salted hash)": report.subject,
            "date": report.date,
            "customer nodes": report.customer,
            "purchases": report.purchases,
            "preferences": report.preferences,
            "recommendations": report.recommended,
            "relationships in all": report.relationships,
            "products only they bought": report.products,
            "model runs marked stale": report.model_runs_marked_stale,
            "files deleted": ", ".join(report.files_deleted) or "none",
            "files rewritten": ", ".join(report.files_rewritten) or "none",
        },
        title="Forgotten",
    )
    if report.server_residue:
        info(
            f"note: {len(report.server_residue)} Neo4j store/log files still hold bytes of deleted records "
            f"({', '.join(report.server_residue)}); see docs/privacy.md to purge them"
        )


@privacy.command("export")
@click.argument("customer")
@json_option
def export_cmd(customer: str, as_json: bool) -> None:
    """Everything the graph holds about CUSTOMER (the right of access); --json gives all of it.

    Properties (the recommender vector included), purchases, preferences, served recommendations,
    any other relationship, and the files of the data directory that hold their id or vector.
    Without --json, a summary and the purchases.

    \b
    Example:
      shopgraph privacy export c1 --json > c1.json
    """
    from shopgraph.graphstore.privacy.export import export_customer

    config = settings()
    with driver(config) as handle:
        data = export_customer(handle, config, customer, database=config.database)
    if as_json:
        print_json(data.as_dict())
        return
    shown = {k: v for k, v in data.properties.items() if k != "recEmbedding"}
    vector = data.properties.get("recEmbedding")
    print_pairs(
        {
            **shown,
            "recommender vector": f"{len(vector)} floats" if vector else "none",
            "purchases": len(data.purchases),
            "preferences": len(data.preferences),
            "recommendations": len(data.recommended),
            "other relationships": len(data.other_relationships),
            "files holding them": ", ".join(data.files) or "none",
        },
        title=f"Customer {data.id}",
    )
    if data.purchases:
        print_table(data.purchases, ["date", "product", "name", "price", "channelName"], title="Purchases")
    info("the whole record: add --json")
