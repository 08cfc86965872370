"""The command line: output, exit codes, and that every command is documented with an example."""

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from neo4j import Driver

from shopgraph import cypher
from shopgraph.cli import render
from shopgraph.cli.explain_cmd import capped
from shopgraph.cli.ingest_cmds import EXIT_ROWS_REJECTED
from shopgraph.cli.main import cli
from shopgraph.cli.similar_cmd import EMBEDDING_HINT
from shopgraph.graphstore.core.config import Settings

from .conftest import DATA, SAMPLE

NO_SERVER = {"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"}
# The most active customer of the shipped sample (188 purchases), as the help examples name it.
SAMPLE_CUSTOMER = "b9009217e85bbbbdfc84de48bba9b58514332d00475c7004c68867e1c49f72f9"


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


@pytest.fixture
def run_both(neo4j_settings: Settings, driver: Driver):
    """Like ``run``, but gives stdout and stderr apart."""
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def words(text: str) -> str:
    """``text`` with rich's line wrapping undone: runs of white space as one space."""
    return " ".join(text.split())


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


def test_demo_shows_photos_detections_recommendations_and_an_answer_and_changes_nothing_again(run) -> None:
    code, out = run("demo", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["server"] is None and report["browser_url"] is None
    assert [r["loaded"] for r in report["ingests"]] == [300, 642, 60, 2239]
    assert report["stats"]["labels"]["Customer"] == 60
    assert [title for title, _ in report["examples"]][0].startswith("the most active customer")
    photos = report["photos"]
    assert (photos["processed"], photos["skipped"], photos["failed"]) == (80, 0, 0)
    assert photos["detections"] >= 80 and report["stats"]["labels"]["Image"] == 80
    training = report["training"]
    assert training["trained"] and training["version"].startswith("gnn-attention@")
    assert (training["customers"], training["products_with_photo"]) == (60, 80)
    recommendations = report["recommendations"]
    assert recommendations["customer"] == SAMPLE_CUSTOMER and recommendations["source"] == "ranker"
    assert len(recommendations["items"]) == 5 and all(item["reasons"] for item in recommendations["items"])
    answer = report["question"]["answer"]
    assert answer["intent"] == "product_brand" and answer["value"] == ["aurelia"], answer["text"]
    preview = Path(report["question"]["preview"])
    assert preview.read_bytes()[:3] == b"\xff\xd8\xff", "a JPEG"
    assert report["question"]["objects"] and report["question"]["objects"][0]["colour"] == "black"

    code, out = run("demo", "--json")
    assert code == 0
    again = json.loads(out)
    assert all(r["write"]["nodes_created"] == 0 and r["write"]["relationships_created"] == 0 for r in again["ingests"])
    assert (again["photos"]["processed"], again["photos"]["skipped"]) == (0, 80)
    assert not again["training"]["trained"] and again["training"]["version"] == training["version"]
    assert again["stats"] == report["stats"]
    assert again["recommendations"] == recommendations
    assert again["question"]["answer"]["text"] == answer["text"]


# --- what a newcomer trips on ------------------------------------------------------------------


def test_the_cli_starts_without_torch_ultralytics_or_opencv() -> None:
    """`shopgraph --help` and the graph commands must not load the plugins (1.4 s, and a plain
    install once crashed on every command with "No module named 'cv2'")."""
    heavy = ("torch", "ultralytics", "cv2", "torch_geometric", "shopgraph.vision", "shopgraph.assistant")
    code = f"import sys, shopgraph.cli.main; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_bad_query_parameters_are_usage_errors_before_connecting() -> None:
    result = CliRunner().invoke(cli, ["query", "customer_profile", "-p", "colour=red"], env=NO_SERVER)
    assert result.exit_code == 2
    assert (
        "Invalid value for -p/--param: query customer_profile has no parameter ['colour']; "
        "it takes ['customerId', 'limit']" in result.stderr
    )
    result = CliRunner().invoke(
        cli, ["query", "customer_profile", "-p", "customerId=u1", "-p", "limit=many"], env=NO_SERVER
    )
    assert result.exit_code == 2
    assert "parameter limit must be int" in result.stderr
    result = CliRunner().invoke(cli, ["query", "customer_profile"], env=NO_SERVER)
    assert result.exit_code == 2
    assert "query customer_profile needs --param customerId=<string>" in result.stderr


def test_errors_under_json_are_one_json_object_on_stdout() -> None:
    result = CliRunner().invoke(cli, ["query", "customer_profile", "-p", "colour=red", "--json"], env=NO_SERVER)
    assert result.exit_code == 2 and result.stderr == ""
    assert json.loads(result.stdout) == {
        "error": "Invalid value for -p/--param: query customer_profile has no parameter ['colour']; "
        "it takes ['customerId', 'limit']",
        "exit_code": 2,
    }
    result = CliRunner().invoke(cli, ["stats", "--json"], env=NO_SERVER)
    assert result.exit_code == 4 and result.stderr == ""
    error = json.loads(result.stdout)
    assert error["exit_code"] == 4 and error["error"].startswith("cannot reach Neo4j at bolt://127.0.0.1:1")
    result = CliRunner().invoke(cli, ["no-such-command", "--json"])
    assert (result.exit_code, json.loads(result.stdout)) == (
        2,
        {"error": "No such command 'no-such-command'.", "exit_code": 2},
    )
    # Without --json, errors stay one line on stderr.
    result = CliRunner().invoke(cli, ["stats"], env=NO_SERVER)
    assert result.exit_code == 4 and result.stdout == "" and result.stderr.startswith("error: cannot reach Neo4j")


def test_query_list_is_the_analyst_library_with_whole_first_sentences() -> None:
    result = CliRunner().invoke(cli, ["query", "--list", "--json"])
    assert result.exit_code == 0
    names = [q["name"] for q in json.loads(result.stdout)]
    assert "customers" in names and "complete_the_look" in names
    assert not [n for n in names if n.startswith("ask_")]
    # "e.g." does not end the first sentence.
    assert cypher.load("complete_the_look").summary == (
        "Products that go with one product: catalog products from a complementary category (a taxonomy group "
        "other than the anchor's, e.g. Tops with Trousers & Shorts, Shoes, Belts) that customers bought within "
        "a few days of buying the anchor, ranked by how many customers did and by lift; when those are fewer "
        "than k, completed with products of a complementary group that share the anchor's colour family or style"
    )


def test_explain_caps_long_evidence_lists() -> None:
    ids = [f"hm:{n:010d}" for n in range(83)]
    assert capped(ids) == "hm:0000000000, hm:0000000001, hm:0000000002, hm:0000000003, hm:0000000004 and 78 more"
    assert capped(ids[:5]) == "hm:0000000000, hm:0000000001, hm:0000000002, hm:0000000003, hm:0000000004"
    assert capped([]) == ""


def test_help_examples_name_ids_the_shipped_sample_has() -> None:
    """`similar myntra:15970` failed on the sample: every id in an example must be in it."""
    sample = "".join(f.read_text(encoding="utf-8") for f in SAMPLE.glob("*.csv"))
    texts = [command.help or "" for _, command in commands(cli)]
    ids = {i for text in texts for i in re.findall(r"\b(?:myntra|hm):\d+|\b[0-9a-f]{64}\b", text)}
    assert SAMPLE_CUSTOMER in ids and "myntra:10008" in ids
    for found in ids:
        assert found.split(":")[-1] in sample, found


def test_customers_list_ids_json_and_table(run_both) -> None:
    for kind in ("catalog", "customers", "purchases"):
        code, _, _ = run_both("ingest", kind, str(DATA / f"tiny_{kind}.csv"), "--source", "tiny", "--json")
        assert code == 0
    code, out, _ = run_both("customers", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"id": "u1", "purchases": 3, "products": 3, "last_purchase": "2024-06-29", "age": 31, "source": "tiny"},
        {"id": "u2", "purchases": 2, "products": 2, "last_purchase": "2024-06-29", "age": 45, "source": "tiny"},
    ]
    assert run_both("customers", "list", "--limit", "1", "--ids") == (0, "u1\n", "")
    code, out, _ = run_both("customers", "list")
    assert (code, out) == (
        0,
        "customer  purchases  products  last purchase  age  source\n"
        "u1                3         3  2024-06-29      31  tiny\n"
        "u2                2         2  2024-06-29      45  tiny\n",
    )
    code, out, err = run_both("customers", "list", "--source", "nowhere")
    assert (code, out) == (0, "")
    assert "no customers in the graph" in err
    # The fix is named when similarity by embedding finds no vectors.
    code, out, err = run_both("similar", "tiny:A", "--by", "embedding")
    assert (code, out) == (0, "")
    assert words(err) == f"no product similar to tiny:A by embedding; {EMBEDDING_HINT}"


def test_help_examples_work_on_the_shipped_sample(run_both, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render.console, "width", 400)  # one table row a line, to read the capped lists whole
    for kind, name in [
        ("catalog", "myntra_styles.csv"),
        ("catalog", "hm_articles.csv"),
        ("customers", "hm_customers.csv"),
        ("purchases", "hm_transactions.csv"),
    ]:
        assert run_both("ingest", kind, str(SAMPLE / name), "--json")[0] == 0
    assert run_both("reason", "preferences", "--json")[0] == 0
    assert run_both("customers", "list", "--limit", "1", "--ids") == (0, f"{SAMPLE_CUSTOMER}\n", "")

    code, out, err = run_both("recommend", SAMPLE_CUSTOMER, "-k", "5")
    assert code == 0 and f"Recommended for customer {SAMPLE_CUSTOMER}" in words(out)
    assert "`shopgraph train` computes the vectors" in words(err)
    code, out, _ = run_both("similar", "myntra:10008", "--by", "attributes", "-k", "5", "--json")
    assert code == 0 and len(json.loads(out)) == 5
    code, out, _ = run_both("query", "product_facts", "-p", "productId=myntra:10008", "--json")
    assert code == 0 and json.loads(out)
    # explain: the table shows 5 ids of a reason and how many more; --json keeps them all.
    code, out, _ = run_both("explain", SAMPLE_CUSTOMER, "hm:0706016001", "--json")
    assert code == 0
    longest = max(json.loads(out)["reasons"], key=lambda r: len(r["evidence"]))
    more = len(longest["evidence"]) - 5
    assert more > 0
    code, out, _ = run_both("explain", SAMPLE_CUSTOMER, "hm:0706016001")
    assert code == 0 and f"{', '.join(longest['evidence'][:5])} and {more} more" in out
    assert ", ".join(longest["evidence"][:6]) not in out
    code, out, _ = run_both("outfit", "hm:0711053003", "--looks", "1", "--no-write", "--json")
    assert code == 0 and [p["slot"] for p in json.loads(out)["looks"][0]["pieces"]][0] == "top"
    for question in ("which Puma shoes do you have?", "which H&M dresses are under 0.02?"):
        code, out, _ = run_both("ask", question, "--json")
        assert code == 0 and json.loads(out)["known"] is True, question
