"""The command line: output, exit codes, and that every command is documented with an example."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from neo4j import Driver

from shopgraph.cli.ingest_cmds import EXIT_ROWS_REJECTED
from shopgraph.cli.main import cli
from shopgraph.graphstore.core.config import Settings

from .conftest import SAMPLE


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize("name,command", commands(cli))
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    if isinstance(command, click.Group):
        assert command.help, name
        return
    assert command.help and "Example" in command.help, f"`shopgraph {name}` needs an example in its help"


@pytest.fixture
def run(neo4j_settings: Settings, driver: Driver):
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout

    return invoke


def test_ingest_stats_and_query_as_json(run) -> None:
    code, out = run("ingest", "catalog", str(SAMPLE / "myntra_styles.csv"), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["format"], report["loaded"], report["rejected"]) == ("myntra", 300, 0)
    code, out = run("stats", "--json")
    assert code == 0 and json.loads(out)["labels"]["Product"] == 300
    code, out = run("query", "product_facts", "-p", "productId=myntra:10008", "--json")
    assert code == 0
    facts = {(r["relationship"], r["id"]) for r in json.loads(out)}
    assert {("HAS_BRAND", "nike"), ("HAS_COLOUR", "navy-blue"), ("IN_CATEGORY", "t-shirt")} <= facts


def test_rejected_rows_give_exit_code_8_and_a_report(run, tmp_path: Path) -> None:
    bad = tmp_path / "customers.csv"
    bad.write_text("id,age\nu1,30\n,40\nu3,old\n")
    code, out = run("ingest", "customers", str(bad), "--rejects", str(tmp_path / "r.csv"), "--json")
    assert code == EXIT_ROWS_REJECTED
    assert (json.loads(out)["loaded"], json.loads(out)["rejected"]) == (1, 2)
    assert (tmp_path / "r.csv").read_text().count("rejected") == 2


def test_errors_are_one_line_with_their_exit_code(run) -> None:
    result = CliRunner().invoke(
        cli, ["query", "no_such_query"], env={"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"}
    )
    assert result.exit_code == 4
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in result.stderr
    code, _ = run("query", "no_such_query")
    assert code == 7


def test_external_server_is_never_managed(run) -> None:
    result = CliRunner().invoke(cli, ["neo4j", "start"], env={"NEO4J_URI": "neo4j://elsewhere:7687"})
    assert result.exit_code == 2
    assert "NEO4J_URI" in result.stderr


def test_demo_against_a_configured_server_loads_the_sample_and_prints_queries(run) -> None:
    code, out = run("demo", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["server"] is None and report["browser_url"] is None
    assert [r["loaded"] for r in report["ingests"]] == [300, 642, 60, 2239]
    assert report["stats"]["labels"]["Customer"] == 60
    assert [title for title, _ in report["examples"]][0].startswith("the most active customer")
