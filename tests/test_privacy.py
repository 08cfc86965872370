"""Privacy: forgetting a customer leaves nothing of them; export gives all of it; pseudonyms are keyed and stable."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from neo4j import Driver

from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import ConfigError, InputError
from shopgraph.graphstore.core.pseudonym import Pseudonymiser, secret_bytes
from shopgraph.graphstore.ingest.loader import default_rejects_path, ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.graphstore.privacy.export import export_customer
from shopgraph.graphstore.privacy.forget import LOG, forget_customer, subject_hash
from shopgraph.graphstore.privacy.scan import data_files, holds, needles
from tests.conftest import DATA

# An id as long as the H&M data's (64 hex digits), so that no file holds it by chance.
ID = "9c3e" * 16
VECTOR = [round(0.01 * (i + 1), 6) for i in range(64)]
CUSTOMERS = f"id,age\n{ID},31\nu2,45\n"
# Product Z is not in the catalog and bought by ID alone: it exists only through ID's purchase.
PURCHASES = f"""date,customer_id,product_id,price,channel
2024-01-01,{ID},C,79.0,store
2024-03-31,{ID},B,59.0,online
2024-06-29,{ID},Z,9.0,online
2024-06-29,u2,D,39.0,store
2024-07-01,{ID},A,-5.0,store
"""


def write_inputs(folder: Path) -> tuple[Path, Path]:
    """The customers and purchases files of the tests."""
    customers, purchases = folder / "customers.csv", folder / "purchases.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8")
    purchases.write_text(PURCHASES, encoding="utf-8")
    return customers, purchases


@pytest.fixture
def home(neo4j_settings: Settings) -> Iterator[Path]:
    """The test server's data directory, with shopgraph's own files removed afterwards."""
    yield neo4j_settings.home
    for name in ("models", "reports", "privacy"):
        shutil.rmtree(neo4j_settings.home / name, ignore_errors=True)
    for secret in (neo4j_settings.forget_salt_file, neo4j_settings.pseudonym_key_file):
        secret.unlink(missing_ok=True)


@pytest.fixture
def shop(driver: Driver, home: Path, tmp_path: Path) -> Driver:
    """Two customers with purchases (one rejected line of ID's in a rejects report), ID with
    preferences, recommendations, a look styled for them, a recommender vector, a model run, a checkpoint
    and an evaluation output that does not name them."""
    customers, purchases = write_inputs(tmp_path)
    ingest_catalog(driver, DATA / "tiny_catalog.csv", source="tiny")
    ingest_customers(driver, customers, source="tiny")
    report = ingest_purchases(
        driver, purchases, source="tiny", rejects_path=default_rejects_path(home, "purchases", purchases)
    )
    assert report.rejected == 1
    with driver.session() as session:
        session.run(
            """
            MATCH (c:Customer {id: $id}), (p:Product {id: 'tiny:A'}), (q:Product {id: 'tiny:D'}),
                  (b:Colour {id: 'black'})
            SET c.recEmbedding = $vector, c.recModelVersion = 'gnn@x'
            CREATE (c)-[:PREFERS {kind: 'colour', weight: 1.0}]->(b),
                   (c)-[:RECOMMENDED {rank: 1, score: 2.0, modelVersion: 'ranker@x'}]->(p),
                   (c)-[:RECOMMENDED {rank: 2, score: 1.0, modelVersion: 'ranker@x'}]->(q)
            CREATE (:ModelRun {id: 'ranker@x', kind: 'ranker'})
            CREATE (o:Outfit {id: 'look-x'})-[:STYLED_FOR]->(c), (o)-[:INCLUDES {slot: 'top'}]->(p)
            """,
            vector=VECTOR,
            id=ID,
        ).consume()
    models = home / "models"
    (models / "evaluation").mkdir(parents=True)
    torch.save({"customer_ids": [ID, "u2"], "customers": torch.tensor([VECTOR, [0.0] * 64])}, models / "gnn-x.pt")
    (models / "evaluation" / "evaluation.json").write_text(json.dumps({"map": 0.01}), encoding="utf-8")
    return driver


def count(driver: Driver, statement: str, **params: object) -> int:
    records, _, _ = driver.execute_query(statement, params)
    return int(records[0][0])


def test_forget_leaves_no_property_relationship_index_entry_or_file(shop: Driver, neo4j_settings: Settings) -> None:
    home = neo4j_settings.home
    patterns = needles([ID], VECTOR)
    held = {str(p.relative_to(home)) for p in data_files(home) if holds(p, patterns)}
    assert held == {"models/gnn-x.pt", "reports/rejects-purchases-purchases.csv"}

    report = forget_customer(shop, neo4j_settings, ID)

    assert (report.found, report.forgotten_before) == (True, False)
    assert (report.customer, report.purchases, report.preferences, report.recommended) == (1, 3, 1, 2)
    assert (report.relationships, report.products, report.model_runs_marked_stale) == (7, 1, 1)
    assert report.files_deleted == ["models/gnn-x.pt"]
    assert report.files_rewritten == ["reports/rejects-purchases-purchases.csv"]
    # Graph: no node or relationship property holds the id or the vector; u2 and the catalog stay.
    assert (
        count(shop, "MATCH (n) WHERE any(k IN keys(n) WHERE n[k] IN [$id, $v]) RETURN count(n)", id=ID, v=VECTOR) == 0
    )
    assert count(shop, "MATCH ()-[r]->() WHERE any(k IN keys(r) WHERE r[k] = $id) RETURN count(r)", id=ID) == 0
    assert count(shop, "MATCH (c:Customer) RETURN count(c)") == 1
    assert count(shop, "MATCH (o:Outfit) RETURN count(o)") == 0  # the look styled for them
    assert count(shop, "MATCH (:Customer {id: 'u2'})-[r:PURCHASED]->() RETURN count(r)") == 1
    assert count(shop, "MATCH (p:Product {id: 'tiny:Z'}) RETURN count(p)") == 0
    assert count(shop, "MATCH (p:Product {id: 'tiny:A'}) RETURN count(p)") == 1
    assert count(shop, "MATCH (m:ModelRun {id: 'ranker@x'}) WHERE m.stale RETURN count(m)") == 1
    # Index entries: the vector index answers the vector with no customer; the fulltext index has no id.
    hits = shop.execute_query(
        "CALL db.index.vector.queryNodes('customer_rec_embedding', 5, $v) YIELD node RETURN node.id AS id", v=VECTOR
    ).records
    assert [r["id"] for r in hits] == []
    assert (
        count(shop, "CALL db.index.fulltext.queryNodes('product_text', $id) YIELD node RETURN count(node)", id=ID) == 0
    )
    # Files: nothing of shopgraph's own holds the id or the vector; the rejects report keeps its other rows.
    assert [str(p.relative_to(home)) for p in data_files(home) if holds(p, patterns)] == []
    rejects = (home / "reports" / "rejects-purchases-purchases.csv").read_text(encoding="utf-8")
    assert rejects.splitlines() == ["file,line,status,reason,raw"]
    assert (home / "models" / "evaluation" / "evaluation.json").exists()
    # Neo4j's own store files and transaction log keep bytes of deleted records (docs/privacy.md);
    # its logs hold nothing of them.
    assert report.server_residue and all(p.startswith("neo4j/data/") for p in report.server_residue), report
    # The log holds the salted hash and the date, never the id.
    log = (home / LOG).read_text(encoding="utf-8")
    entry = json.loads(log)
    salt = secret_bytes(neo4j_settings.forget_salt_file)
    assert entry["subject"] == hmac.new(salt, ID.encode(), hashlib.sha256).hexdigest() == subject_hash(salt, ID)
    assert entry["date"] == report.date and entry["purchases"] == 3
    assert ID.encode() not in (home / LOG).read_bytes()
    assert stat.S_IMODE(neo4j_settings.forget_salt_file.stat().st_mode) == 0o600


def test_forgetting_again_changes_nothing(shop: Driver, neo4j_settings: Settings) -> None:
    forget_customer(shop, neo4j_settings, ID)
    again = forget_customer(shop, neo4j_settings, ID)
    assert (again.found, again.forgotten_before, again.customer, again.files_deleted) == (False, True, 0, [])
    assert len((neo4j_settings.home / LOG).read_text(encoding="utf-8").splitlines()) == 1
    never = forget_customer(shop, neo4j_settings, "nobody")
    assert (never.found, never.forgotten_before) == (False, False)
    with pytest.raises(InputError, match="empty"):
        forget_customer(shop, neo4j_settings, " ")


def test_export_gives_everything_the_graph_holds(shop: Driver, neo4j_settings: Settings) -> None:
    data = export_customer(shop, neo4j_settings, ID)
    assert data.id == ID
    assert data.properties["age"] == 31 and data.properties["recEmbedding"] == VECTOR
    assert [(p["date"], p["product"], p["price"], p["channelName"]) for p in data.purchases] == [
        ("2024-01-01", "tiny:C", 79.0, "store"),
        ("2024-03-31", "tiny:B", 59.0, "online"),
        ("2024-06-29", "tiny:Z", 9.0, "online"),
    ]
    assert [(p["label"], p["term"], p["properties"]["kind"]) for p in data.preferences] == [
        ("Colour", "black", "colour")
    ]
    assert [(r["rank"], r["product"], r["score"]) for r in data.recommended] == [(1, "tiny:A", 2.0), (2, "tiny:D", 1.0)]
    assert [(r["type"], r["direction"], r["labels"], r["other"]) for r in data.other_relationships] == [
        ("STYLED_FOR", "in", ["Outfit"], "look-x")
    ]
    assert data.files == {
        "models/gnn-x.pt": ["id", "vector float32 LE"],
        "reports/rejects-purchases-purchases.csv": ["id"],
    }
    with pytest.raises(InputError, match="no customer 'nobody'"):
        export_customer(shop, neo4j_settings, "nobody")


def test_pseudonyms_are_keyed_hmacs() -> None:
    # HMAC-SHA256 with the key 00 01 .. 1f, first 32 hex digits: pinned, so a change of scheme shows.
    pseudonymiser = Pseudonymiser(bytes(range(32)))
    assert pseudonymiser.customer("u1") == "psn-fe91b17313e372ceb806c600411932e2"
    assert pseudonymiser.customer("u1") == pseudonymiser.customer("u1") != pseudonymiser.customer("u2")
    assert Pseudonymiser(bytes(range(1, 33))).customer("u1") != pseudonymiser.customer("u1")
    assert pseudonymiser.purchase("tiny:abc") == "tiny:11b4962bf2ca7b0a0e5c"
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        Pseudonymiser(b"short")


def test_secret_file_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "home" / "pseudonym-key"
    key = secret_bytes(path)
    assert len(key) == 32 and secret_bytes(path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        secret_bytes(path)
    path.chmod(0o600)
    path.write_text("not hex\n", encoding="ascii")
    with pytest.raises(ConfigError, match="expected 64 hex digits"):
        secret_bytes(path)


def test_pseudonymised_ingest_keeps_raw_ids_out_and_is_stable(
    driver: Driver, home: Path, neo4j_settings: Settings, tmp_path: Path
) -> None:
    customers, purchases = write_inputs(tmp_path)
    pseudonymiser = Pseudonymiser(secret_bytes(neo4j_settings.pseudonym_key_file))
    rejects = default_rejects_path(home, "purchases", purchases)
    for _ in range(2):  # a second run of the same files changes nothing
        ingest_customers(driver, customers, source="tiny", pseudonymiser=pseudonymiser)
        ingest_purchases(driver, purchases, source="tiny", rejects_path=rejects, pseudonymiser=pseudonymiser)
    u1, u2 = pseudonymiser.customer(ID), pseudonymiser.customer("u2")
    records, _, _ = driver.execute_query(
        "MATCH (c:Customer) RETURN c.id AS id, c.age AS age, c.inCustomerFile AS known, "
        "COUNT { (c)-[:PURCHASED]->() } AS bought ORDER BY age"
    )
    assert [(r["id"], r["age"], r["known"], r["bought"]) for r in records] == [(u1, 31, True, 3), (u2, 45, True, 1)]
    assert count(driver, "MATCH (n) WHERE any(k IN keys(n) WHERE n[k] IN [$id, 'u2']) RETURN count(n)", id=ID) == 0
    assert count(driver, "MATCH ()-[r:PURCHASED]->() RETURN count(r)") == 4
    assert ID.encode() not in rejects.read_bytes() and b"(withheld: pseudonymised ingest)" in rejects.read_bytes()
    # The data subject asks with their raw id: export and forget find the pseudonym.
    assert export_customer(driver, neo4j_settings, ID).id == u1
    assert forget_customer(driver, neo4j_settings, ID).purchases == 3
    assert count(driver, "MATCH (c:Customer) RETURN count(c)") == 1
