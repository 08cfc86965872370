"""Bad input end to end, through the commands and the real Neo4j: exit codes, good rows in, bad ones out.

``test_the_bad_input_table_is_what_the_commands_do`` runs one case for every row of the "Bad
input" table in docs/formats.md and checks the exit code the table gives, so the table stays
true to what the code does.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from neo4j import Driver

from shopgraph.cli.main import cli
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.schema import init_schema

from .conftest import ROOT, SAMPLE, clear

FORMATS_DOC = ROOT / "docs" / "formats.md"
PHOTO = SAMPLE / "images" / "10016.jpg"
Run = Callable[..., tuple[int, str, str]]


def table() -> dict[str, int]:
    """The rows of the "Bad input" table: bad input → exit code."""
    text = FORMATS_DOC.read_text(encoding="utf-8").split("## Bad input", 1)[1]
    rows = re.findall(r"^\| (.+?) \| .+? \| (\d+) \|$", text, flags=re.MULTILINE)
    return {kind: int(code) for kind, code in rows}


def env_for(settings: Settings) -> dict[str, str]:
    return {
        "NEO4J_URI": settings.bolt_uri,
        "NEO4J_PASSWORD": settings.resolved_password(),
        "SHOPGRAPH_HOME": str(settings.home),
    }


@pytest.fixture
def run(neo4j_settings: Settings, driver: Driver) -> Run:
    """``shopgraph ARGS`` on an empty graph: (exit code, stdout, stderr); an exception would fail the test."""

    def invoke(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, list(args), env=env_for(neo4j_settings), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def ids(driver: Driver, label: str) -> list[str]:
    records, _, _ = driver.execute_query(f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id")
    return [r["id"] for r in records]


def file(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return str(path)


def counts(out: str) -> tuple[int, int, int, int]:
    report = json.loads(out)
    assert report["read"] == report["loaded"] + report["repaired"] + report["rejected"]
    return report["read"], report["loaded"], report["repaired"], report["rejected"]


# --- one end-to-end test per loader ---------------------------------------------------------------


def test_catalog_json_lines_with_an_object_id_loads_the_rest(run: Run, driver: Driver, tmp_path: Path) -> None:
    path = file(
        tmp_path,
        "jl.jsonl",
        '{"id": {"nested": 1}, "name": "Object id"}\n'
        '{"id": "p1", "name": "Linen Shirt", "colour": ["Navy Blue"]}\n'
        '{"id": "p2", "name": ["not", "a", "name"]}\n'
        '{"id": 3, "name": "Wool Scarf", "price": 12.5}\n',
    )
    code, out, _ = run("ingest", "catalog", path, "--json", "--rejects", str(tmp_path / "r.csv"))
    assert code == 8
    assert counts(out) == (4, 2, 0, 2)
    assert ids(driver, "Product") == ["jl:3", "jl:p1"]
    report = (tmp_path / "r.csv").read_text(encoding="utf-8")
    assert "jl.jsonl,1,rejected,field 'id' holds a JSON object; expected a string or a whole number" in report
    assert "jl.jsonl,3,rejected,field 'name' holds a JSON array; expected a string or a number" in report


def test_catalog_in_utf16_as_spreadsheets_save_it_loads_whole(run: Run, driver: Driver, tmp_path: Path) -> None:
    text = "id,name,colour\nd1,Crème Dress,Red\nd2,Blue Jeans,Blue\n"
    path = file(tmp_path, "shop.csv", text.encode("utf-16"))
    code, out, _ = run("ingest", "catalog", path, "--json")
    assert code == 0 and counts(out) == (2, 2, 0, 0)
    records, _, _ = driver.execute_query("MATCH (p:Product) RETURN p.name AS name ORDER BY name")
    assert [r["name"] for r in records] == ["Blue Jeans", "Crème Dress"]


@pytest.mark.parametrize(
    ("kind", "text", "label", "count"),
    [
        ("catalog", "id,name\nk1,Strickjacke grün\n", "Product", 1),
        ("customers", "id,age\nkundin-ä,41\n", "Customer", 1),
        ("purchases", "date,customer_id,product_id,price\n2024-03-01,kundin-ä,k1,9.5\n", "Customer", 1),
    ],
)
def test_each_tabular_loader_reads_utf16_and_refuses_a_binary_file(
    run: Run, driver: Driver, tmp_path: Path, kind: str, text: str, label: str, count: int
) -> None:
    binary = file(tmp_path, "binary.csv", b"\x7fELF\x02\x01\x01\x00" + bytes(64))
    code, out, err = run("ingest", kind, binary)
    assert (code, out) == (5, "")
    assert " ".join(err.split()).startswith(f"error: {binary}: not a text file: a NUL byte at byte offset 7; ")
    assert ids(driver, label) == []
    code, out, _ = run("ingest", kind, file(tmp_path, "unicode.csv", text.encode("utf-16")), "--json")
    assert code == 0 and counts(out) == (1, 1, 0, 0)
    assert len(ids(driver, label)) == count


def test_customers_binary_file_is_one_clear_error_and_loads_nothing(run: Run, driver: Driver, tmp_path: Path) -> None:
    path = file(tmp_path, "customers.csv", b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    code, out, err = run("ingest", "customers", path)
    assert (code, out) == (5, "")
    assert " ".join(err.split()) == (
        f"error: {path}: not a text file: a NUL byte at byte offset 5; if the file is text in another encoding, "
        "name it with --encoding (e.g. --encoding cp1252 for Western European, latin-1, gb18030 for Chinese)"
    )
    code, out, _ = run("ingest", "customers", path, "--json")
    assert (code, json.loads(out)["exit_code"]) == (5, 5)
    assert ids(driver, "Customer") == []


def test_customers_undecodable_row_is_rejected_and_the_file_loads_with_its_encoding(
    run: Run, driver: Driver, tmp_path: Path
) -> None:
    path = file(tmp_path, "customers.csv", "id,age\nu1,30\nJosé,40\nu3,50\n".encode("cp1252"))
    rejects = tmp_path / "r.csv"
    code, out, _ = run("ingest", "customers", path, "--json", "--rejects", str(rejects))
    assert code == 8 and counts(out) == (3, 2, 0, 1)
    assert ids(driver, "Customer") == ["u1", "u3"]
    assert "customers.csv,3,rejected,\"undecodable bytes (first: 0xe9) in field 'id'; " in rejects.read_text()
    assert rejects.read_text().endswith(',"Jos\\xe9,40"\n')
    code, out, _ = run("ingest", "customers", path, "--json", "--encoding", "cp1252")
    assert code == 0 and counts(out) == (3, 3, 0, 0)
    assert ids(driver, "Customer") == ["José", "u1", "u3"]


def test_purchases_after_a_runaway_quote_are_listed_line_by_line(run: Run, driver: Driver, tmp_path: Path) -> None:
    lines = ["date,customer_id,product_id,price,channel"] + [
        f"2024-01-{d:02d},u{d},p{d},{d},store" for d in range(1, 31)
    ]
    lines[20] = '2024-01-20,u20,"p20,20,store'
    path = file(tmp_path, "orders.csv", "\n".join(lines) + "\n")
    rejects = tmp_path / "r.csv"
    code, out, _ = run("ingest", "purchases", path, "--source", "shop", "--rejects", str(rejects), "--json")
    assert code == 8
    assert counts(out) == (30, 19, 0, 11)
    records, _, _ = driver.execute_query("MATCH (c:Customer)-[:PURCHASED]->() RETURN c.id AS id ORDER BY id")
    assert sorted(int(r["id"][1:]) for r in records) == list(range(1, 20))
    report = rejects.read_text().splitlines()
    assert report[1] == (
        "orders.csv,21,rejected,quote opened on line 21 runs to line 31: 10 rows swallowed "
        '(each is listed on its own row),"2024-01-20,u20,""p20,20,store"'
    )
    assert report[2:] == [
        f'orders.csv,{n},rejected,swallowed by the quote opened on line 21,"{lines[n - 1]}"' for n in range(22, 32)
    ]


def test_images_count_and_list_every_path_that_cannot_be_read(
    neo4j_settings: Settings, session_driver: Driver, tmp_path: Path
) -> None:
    clear(session_driver)
    init_schema(session_driver)
    folder = tmp_path / "photos"
    (folder / "x.jpg").mkdir(parents=True)
    shutil.copy(PHOTO, folder / "good.jpg")
    (folder / "dangling.jpg").symlink_to("gone.jpg")
    os.mkfifo(folder / "pipe.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    args = ["ingest", "images", str(folder), str(tmp_path / "missing.png"), "--json"]
    result = CliRunner().invoke(cli, args, env=env_for(neo4j_settings), catch_exceptions=False)
    assert result.exit_code == 9, result.output
    report = json.loads(result.stdout)
    assert (report["files_seen"], report["ok"], report["skipped"]) == (6, 1, 0)
    assert sorted((Path(f["path"]).name, f["reason"]) for f in report["failed"]) == [
        ("dangling.jpg", "dangling symbolic link to gone.jpg"),
        ("empty.jpg", "empty file"),
        ("missing.png", "no such file or directory"),
        ("pipe.jpg", "a named pipe (FIFO), not a file"),
        ("x.jpg", "a folder, not a file"),
    ]
    records, _, _ = session_driver.execute_query("MATCH (i:Image) RETURN count(i) AS n")
    assert records[0]["n"] == 1


# --- the table of docs/formats.md -----------------------------------------------------------------


# A case writes its file under tmp and gives the command's arguments (or yields them, holding
# what the command meets while it runs); ``home`` is the data directory the commands use.
Case = Callable[[Path, Path], Any]


def _customers(rows: str | bytes, *extra: str) -> Case:
    return lambda tmp, home: ["ingest", "customers", file(tmp, "customers.csv", rows), *extra]


def _catalog(name: str, rows: str) -> Case:
    return lambda tmp, home: ["ingest", "catalog", file(tmp, name, rows)]


def _purchases(rows: str) -> Case:
    header = "date,customer_id,product_id,price\n"
    return lambda tmp, home: ["ingest", "purchases", file(tmp, "orders.csv", header + rows)]


def _policies(tmp: Path, home: Path) -> list[str]:
    return ["ingest", "policies", file(tmp, "policies.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00")]


def _held_folder(tmp: Path, home: Path) -> Iterator[list[str]]:
    photos = tmp / "held"
    photos.mkdir()
    script = (
        "import sys, time; from pathlib import Path; from shopgraph.graphstore.core.locks import hold\n"
        "with hold(Path(sys.argv[1]), 'images', [sys.argv[2]], 'shopgraph ingest images'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script, str(home), str(photos.resolve())], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    try:
        yield ["ingest", "images", str(photos)]
    finally:
        holder.terminate()
        holder.wait()


_PHOTO_ROWS = {
    "a photo that is not an image, empty, truncated, or claims over 150 million pixels": "empty.jpg",
    "a dangling symbolic link or a link loop among the photos": "dangling.jpg",
    "a folder or a named pipe with a photo's name (`x.jpg/`)": "x.jpg",
    "a photo path that does not exist, a pattern that matches nothing": "missing.png",
}
_FILLER = "".join(f"f{i},{i % 90}\n" for i in range(10_000))  # past the 64 KiB checked for being text
CASES: dict[str, Case | None] = {
    "an empty file": _customers(""),
    "a header and no rows": _customers("id,age\n"),
    "a header that matches no format, or lacks a required column (also a wrong delimiter, `;` for `,`)": _customers(
        "id;age\nu1;30\n"
    ),
    "a binary file (a NUL byte in the first 64 KiB)": _customers(bytes(range(256))),
    "a file whose first line does not decode (a PNG, a cp1252 header read as UTF-8)": _customers(
        PHOTO.read_bytes()[:2000]
    ),
    "UTF-16 without a byte-order mark": _customers("id,age\nu1,30\n".encode("utf-16-le")),
    "UTF-8 with a byte-order mark, UTF-16 or UTF-32 with one": _customers(
        codecs.BOM_UTF16_BE + "id,age\nu1,30\n".encode("utf-16-be")
    ),
    "a cp1252, latin-1, GB18030, ... file with `--encoding NAME`": _customers(
        "id,age\n张伟,30\n".encode("gb18030"), "--encoding", "gb18030"
    ),
    "an `--encoding` name Python does not know": _customers("id,age\nu1,30\n", "--encoding", "klingon"),
    "undecodable bytes in a later row (a cp1252 file read as UTF-8)": _customers(
        "id,age\nu1,30\nZoë,40\n".encode("cp1252")
    ),
    "a NUL character in a row past the first 64 KiB": _customers("id,age\n" + _FILLER + "u\x001,30\n"),
    "a row with too few or too many fields": _customers("id,age\nu1,30,extra\nu2,40\n"),
    "an unbalanced quote that swallows the rows after it": _customers('id,age\n"u1,30\nu2,40\nu3,50\n'),
    "a field of more than 131,072 characters": _customers("id,age\nu1," + "9" * 140_000 + "\nu2,40\n"),
    "a missing or blank id or other required value": _customers("id,age\n  ,30\nu2,40\n"),
    "an id holding a control character (a tab, a line break, U+0085)": _customers("id,age\nu\t1,30\nu2,40\n"),
    "a bad date, a number that is not one, a negative, NaN or infinite price, an unknown channel": _purchases(
        "2024-01-01,u1,p1,NaN\n2024-02-30,u1,p1,1\n2024-01-01,u1,p1,1\n"
    ),
    "Myntra names with unquoted commas": _catalog(
        "styles.csv",
        "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName\n"
        "7,Women,Apparel,Topwear,Tops,Red,Summer,2012,Casual,Vero Moda Women Red, White Top\n",
    ),
    "a colour, material, ... outside the vocabulary": _catalog("shop.csv", "id,name,colour\na1,Tee,Ultraviolet\n"),
    "text that looks like Cypher, very long names": _catalog(
        "shop.csv", 'id,name\n"a1\'}) DETACH DELETE n //",' + "Long " * 5000 + "\n"
    ),
    "a JSON Lines line that is not JSON, not an object, nested thousands deep or with a 5000-digit number": _catalog(
        "shop.jsonl", '{"id": "a1", "name": "Tee"}\n{"id": "a2",\n' + "[" * 5000 + "\n" + '{"id": ' + "9" * 5000 + "}\n"
    ),
    'a JSON object, array or `true` where a scalar belongs (`"id": {"nested": 1}`), a fractional number as an id': (
        _catalog("shop.jsonl", '{"id": {"nested": 1}, "name": "x"}\n{"id": 1.5, "name": "y"}\n')
    ),
    "a JSON Lines line without a required key": _catalog("shop.jsonl", '{"name": "no id"}\n'),
    "a JSON string holding `\\u0000` or an unpaired surrogate (`\\udc80`)": _catalog(
        "shop.jsonl", '{"id": "a\\u0000", "name": "x"}\n{"id": "b", "name": "\\udc80"}\n'
    ),
    **dict.fromkeys(_PHOTO_ROWS),  # one run over a folder of them: photo_run
    "`ingest images` on a folder that another run is ingesting": _held_folder,
    "a policies file or a `--map` CSV that is not text, or has a bad row": _policies,
}


def test_every_row_of_the_table_has_a_case() -> None:
    assert list(table()) == list(CASES)


@pytest.fixture(scope="module")
def photo_run(neo4j_settings: Settings, session_driver: Driver, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One ``ingest images`` over a folder with each kind of bad photo (loading the detector once)."""
    clear(session_driver)
    init_schema(session_driver)
    folder = tmp_path_factory.mktemp("bad-photos")
    (folder / "x.jpg").mkdir()
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "dangling.jpg").symlink_to("gone.jpg")
    args = ["ingest", "images", str(folder), str(folder / "missing.png"), "--json"]
    result = CliRunner().invoke(cli, args, env=env_for(neo4j_settings), catch_exceptions=False)
    return result.exit_code, {Path(f["path"]).name: f["reason"] for f in json.loads(result.stdout)["failed"]}


@pytest.mark.parametrize("kind", list(CASES))
def test_the_bad_input_table_is_what_the_commands_do(
    kind: str, neo4j_settings: Settings, driver: Driver, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    expected = table()[kind]
    case = CASES[kind]
    if case is None:
        code, failed = request.getfixturevalue("photo_run")
        assert (code, _PHOTO_ROWS[kind] in failed) == (expected, True)
        return
    made = case(tmp_path, neo4j_settings.home)
    args = next(made) if isinstance(made, Iterator) else made
    try:
        result = CliRunner().invoke(cli, args, env=env_for(neo4j_settings), catch_exceptions=False)
    finally:
        if isinstance(made, Iterator):
            made.close()
    assert result.exit_code == expected, result.output
    if expected in (2, 5, 10):
        assert " ".join(result.stderr.split()).startswith("error: ") or "Error: Invalid value" in result.stderr
