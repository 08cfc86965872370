"""``shopgraph train`` and ``shopgraph evaluate`` end to end on the shipped H&M sample, real Neo4j."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from neo4j import Driver

from shopgraph.cli.main import cli
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.relational.candidates import SOURCES
from shopgraph.relational.data import from_day, to_day
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.exposure_cap import ExposureCap, snapshot_groups
from shopgraph.relational.pipeline import RecommenderSettings, evaluate_models, train_models
from shopgraph.relational.ranker import LearnedRanker, RankerSettings
from shopgraph.relational.recommend import recommend
from shopgraph.relational.served import served_lists
from shopgraph.relational.split import make_task, rolling_cutoffs

from .conftest import SAMPLE

pytestmark = pytest.mark.neo4j

FAST = RecommenderSettings(epochs=2, seed=0)
SMALL_RANKER = RankerSettings(train_cutoffs=4, trees=20)


def load_sample(driver: Driver) -> None:
    ingest_catalog(driver, SAMPLE / "hm_articles.csv")
    ingest_customers(driver, SAMPLE / "hm_customers.csv")
    ingest_purchases(driver, SAMPLE / "hm_transactions.csv")


def scalar(driver: Driver, query: str, **params: object) -> object:
    records, _, _ = driver.execute_query(query, params)
    return records[0][0]


def test_train_writes_stamped_vectors_inferred_facts_and_model_runs(driver: Driver, tmp_path: Path) -> None:
    load_sample(driver)
    report = train_models(driver, tmp_path, settings=FAST, kge_models=("distmult", "complex"), kge_epochs=2)

    buyers = scalar(driver, "MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->() } RETURN count(c)")
    assert report.customers == buyers == 60
    assert report.purchases == scalar(driver, "MATCH ()-[r:PURCHASED]->() RETURN count(r)") == 2239
    assert report.rec_vectors == {"Customer": report.customers, "Product": report.products}
    for label, count in report.rec_vectors.items():
        stamped = scalar(
            driver,
            f"MATCH (n:{label}) WHERE n.recEmbedding IS NOT NULL AND n.recModelVersion = $v "
            "AND size(n.recEmbedding) = 64 AND n.recTrainedAt IS NOT NULL RETURN count(n)",
            v=report.rec_version,
        )
        assert stamped == count
    assert (
        scalar(driver, "MATCH (p:Product) WHERE p.textEmbedding IS NOT NULL RETURN count(p)") == report.texts_embedded
    )
    assert report.texts_embedded == 642  # every sample article has a name
    for label, count in report.kge_vectors.items():
        assert count > 0
        assert (
            scalar(driver, f"MATCH (n:{label}) WHERE n.kgeModelVersion = $v RETURN count(n)", v=report.kge_version)
            == count
        )
    runs = driver.execute_query("MATCH (m:ModelRun) RETURN m.id AS id, m.kind AS kind ORDER BY kind").records
    assert [(r["id"], r["kind"]) for r in runs] == [
        (report.kge_version, "kge"),
        (report.ranker_version, "ranker"),
        (report.rec_version, "recommender"),
    ]
    # Proposals only for products that state no such fact, and never as an asserted relationship.
    for relation, written in report.inferred.items():
        clash = scalar(
            driver,
            f"MATCH (p:Product)-[i:INFERRED {{relation: $r}}]->() WHERE EXISTS {{ (p)-[:{relation}]->() }} "
            "RETURN count(i)",
            r=relation,
        )
        assert clash == 0
        assert scalar(driver, "MATCH ()-[i:INFERRED {relation: $r}]->() RETURN count(i)", r=relation) == written
    assert all(Path(p).exists() for p in report.checkpoints)


def test_train_writes_the_rankers_lists_as_recommended_and_recommend_serves_them(
    driver: Driver, tmp_path: Path
) -> None:
    load_sample(driver)
    report = train_models(driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=1, served=12)
    assert report.ranker_groups > 0, "the sample has enough history to learn from"
    assert report.recommended_customers == 60 and report.recommended == 60 * 12

    rows = driver.execute_query(
        "MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product) "
        "RETURN c.id AS customer, p.id AS product, r.rank AS rank, r.score AS score, r.sources AS sources, "
        "r.reasons AS reasons, r.modelVersion AS version, r.trainedAt AS trainedAt ORDER BY customer, rank"
    ).records
    assert len(rows) == 720
    assert {r["version"] for r in rows} == {report.ranker_version}
    assert all(r["sources"] and r["reasons"] and r["trainedAt"] is not None for r in rows)
    by_customer: dict[str, list[str]] = {}
    for r in rows:
        by_customer.setdefault(r["customer"], []).append(r["product"])
    assert all([r["rank"] for r in rows if r["customer"] == c] == list(range(1, 13)) for c in by_customer)

    # The written lists are the ranker's own: refitted on the same graph, it ranks the same products.
    snapshot = read_snapshot(driver)
    ranker = LearnedRanker(RankerSettings(seed=FAST.seed))
    ranker.fit(snapshot)
    again = served_lists(ranker, snapshot, 12)
    assert {c: [i.product for i in items] for c, items in again.items()} == by_customer

    # Reasons say what is true in the graph: "you bought it before" only for the customer's own
    # purchases, "another colour of ..." only where they bought a product of the same productCode.
    false_repurchase = scalar(
        driver,
        "MATCH (c:Customer)-[r:RECOMMENDED]->(p) WHERE any(t IN r.reasons WHERE t STARTS WITH 'you bought it before') "
        "AND NOT EXISTS { (c)-[:PURCHASED]->(p) } RETURN count(r)",
    )
    assert false_repurchase == 0
    siblings = driver.execute_query(
        "MATCH (c:Customer)-[r:RECOMMENDED]->(p) WHERE any(t IN r.reasons WHERE t STARTS WITH 'another colour of') "
        "RETURN count(r) AS n, sum(CASE WHEN EXISTS { (c)-[:PURCHASED]->(q:Product) "
        "WHERE q <> p AND q.productCode = p.productCode } THEN 1 ELSE 0 END) AS true_ones"
    ).records[0]
    assert siblings["n"] > 0 and siblings["true_ones"] == siblings["n"]
    assert (
        scalar(
            driver,
            "MATCH ()-[r:RECOMMENDED]->() WHERE any(t IN r.reasons WHERE t STARTS WITH 'another colour of hm:') "
            "RETURN count(r)",
        )
        == 0
    ), "cited products are named, not given as ids"

    # recommend() serves the written list as it is; a customer without one falls back, saying so.
    customer = sorted(by_customer)[0]
    served = recommend(driver, customer, k=5)
    assert served.source == "ranker" and [i.product for i in served.items] == by_customer[customer][:5]
    assert all(i.sources and i.reasons for i in served.items)
    live = recommend(driver, customer, k=5, served=False)
    assert live.source == "model"
    driver.execute_query("CREATE (:Customer {id: 'new-since-training'})")
    fallback = recommend(driver, "new-since-training", k=5)
    assert fallback.source == "preferences" and "no trained list" in (fallback.note or "")

    # A second run of the same model rewrites nothing.
    train_models(driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=1, served=12)
    assert scalar(driver, "MATCH ()-[r:RECOMMENDED]->() RETURN count(r)") == 720
    assert (
        scalar(
            driver, "MATCH ()-[r:RECOMMENDED]->() WHERE r.modelVersion = $v RETURN count(r)", v=report.ranker_version
        )
        == 720
    )


def test_train_with_an_exposure_cap_writes_capped_lists_under_their_own_version(driver: Driver, tmp_path: Path) -> None:
    load_sample(driver)
    plain = train_models(driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=1, served=12)
    cap = ExposureCap("price_band", 0.25)
    capped = train_models(
        driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=1, served=12, exposure_cap=cap
    )
    assert capped.ranker_version == plain.ranker_version + "-price_band-cap-25"
    rows = driver.execute_query(
        "MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product) RETURN c.id AS customer, p.id AS product, "
        "r.modelVersion AS version ORDER BY customer, r.rank"
    ).records
    assert {r["version"] for r in rows} == {capped.ranker_version}, "the uncapped lists are replaced"
    written: dict[str, list[str]] = {}
    for r in rows:
        written.setdefault(r["customer"], []).append(r["product"])

    # The written lists are the capped ones the ranker makes, and at most ceil(0.25 * 12) = 3 places
    # of a list go to one price band wherever the pool of 3 x 12 candidates had enough of the others.
    snapshot = read_snapshot(driver)
    ranker = LearnedRanker(RankerSettings(seed=FAST.seed))
    ranker.fit(snapshot)
    expected = served_lists(ranker, snapshot, 12, cap=cap)
    assert {c: [i.product for i in items] for c, items in expected.items()} == written
    uncapped = served_lists(ranker, snapshot, 12)
    band = snapshot_groups(snapshot, "price_band")
    position = {pid: i for i, pid in enumerate(snapshot.product_ids)}

    def most_in_one_band(products: list[str]) -> int:
        counts = np.bincount([band[position[p]] for p in products if band[position[p]] >= 0], minlength=4)
        return int(counts.max())

    over_before = sum(most_in_one_band([i.product for i in items]) > 3 for items in uncapped.values())
    over_after = sum(most_in_one_band(products) > 3 for products in written.values())
    assert over_before > 0, "the sample's uncapped lists crowd one price band, so the cap has work to do"
    assert over_after < over_before / 4


def test_the_vector_index_serves_the_written_vectors(driver: Driver, tmp_path: Path) -> None:
    load_sample(driver)
    train_models(driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=1, infer_relations=())
    rows = driver.execute_query(
        "MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL RETURN p.id AS id, p.recEmbedding AS v ORDER BY id"
    ).records
    vectors = {r["id"]: np.asarray(r["v"]) / np.linalg.norm(r["v"]) for r in rows}
    # A product's own vector (or one identical to it) is among its 10 nearest: the index holds every
    # written vector. Top 10, not top 1, because the index is approximate (int8-quantised HNSW) and
    # may rank a near neighbour first; exact cosines are compared for the same reason.
    for product in sorted(vectors)[:: max(1, len(vectors) // 5)][:5]:
        found = driver.execute_query(
            "MATCH (p:Product {id: $p}) CALL db.index.vector.queryNodes('product_rec_embedding', 10, p.recEmbedding) "
            "YIELD node RETURN node.id AS id",
            p=product,
        ).records
        assert max(float(vectors[r["id"]] @ vectors[product]) for r in found) > 0.999


def test_training_twice_with_one_seed_gives_one_version_and_no_duplicates(driver: Driver, tmp_path: Path) -> None:
    load_sample(driver)
    first = train_models(driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=2)
    count = "MATCH ()-[i:INFERRED]->() RETURN count(i)"
    inferred = scalar(driver, count)
    second = train_models(driver, tmp_path, settings=FAST, kge_models=("distmult",), kge_epochs=2)
    assert (second.rec_version, second.kge_version) == (first.rec_version, first.kge_version)
    assert second.texts_embedded == 0
    assert scalar(driver, count) == inferred
    assert second.ranker_version == first.ranker_version
    assert scalar(driver, "MATCH (m:ModelRun) RETURN count(m)") == 3


def test_evaluate_scores_the_pairs_of_the_split_and_writes_its_report(driver: Driver, tmp_path: Path) -> None:
    load_sample(driver)
    result = evaluate_models(
        driver, tmp_path, settings=FAST, fusions=("attention",), cutoffs=2, ranker=SMALL_RANKER, ablation=True
    )

    snapshot = read_snapshot(driver, with_text=False, with_images=False)
    last = scalar(driver, "MATCH ()-[r:PURCHASED]->() RETURN max(r.date)")
    days = rolling_cutoffs(to_day(last.to_native()), count=2)
    assert result.report.cutoffs == days
    # Pair counts checked against Cypher: customers who bought in [cut-off, +28 days) and before it.
    for day, pairs in zip(days, result.report.pairs, strict=True):
        expected = scalar(
            driver,
            "MATCH (c:Customer)-[r:PURCHASED]->() WITH c, collect(r.date) AS dates "
            "WHERE any(d IN dates WHERE d < $cut) AND any(d IN dates WHERE $cut <= d < $end) RETURN count(c)",
            cut=from_day(day),
            end=from_day(day + 28),
        )
        assert pairs == expected == len(make_task(snapshot, day).customers)
    names = [m.name for m in result.report.methods]
    assert names == [
        "popularity",
        "recent_popularity",
        "repurchase_then_popular",
        "repurchase_siblings_popular",
        "repurchase_copurchase_popular",
        "item_knn",
        "bpr",
        "lightgcn",
        "gnn-attention-bought",
        "gnn-attention-bought+repurchase2",
        "ranker",
        "ranker, learned order",
        "ranker - preferences",
        "ranker - no vectors",
        "ranker + text only",
        "ranker + photo only",
        "ranker + gnn only",
        "ranker + kge only",
        "ranker + all vectors",
    ]
    saved = json.loads(Path(result.files["json"]).read_text())
    assert saved["pairs"] == sum(result.report.pairs)
    assert Path(result.files["plot"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = Path(result.files["markdown"]).read_text()
    assert "gnn-attention" in markdown
    # The comparison names the strongest baseline by MAP, and the candidate-recall table lists
    # every source and the union, whose recall is at least any one source's.
    baselines = [m for m in result.report.methods if not m.name.startswith(("gnn", "ranker"))]
    assert saved["comparison"]["reference"] == max(baselines, key=lambda m: m.metrics["map"]).name
    assert f"strongest baseline, **{saved['comparison']['reference']}**" in markdown
    recall = saved["candidateRecall"]
    assert set(recall) == {*SOURCES, "union"}
    assert all(recall["union"]["200"] >= by["200"] for by in recall.values())
    assert recall["repurchase"]["50"] > 0, "the sample's customers buy again some of their own"
    # The GNN's vectors are fitted at grid days only, the KGE model once. Cut-offs c and c − 28;
    # each ranker learns from 4 cut-offs a week apart, from 28 days before its own: grid days c,
    # c − 28 (where each recommends) and c − 56, c − 84 (their training cut-offs): 4 fits, not 10.
    assert saved["vectorFits"] == {"gnn": 4, "kge": 1}
    assert "Ablation: each ranker variant against the ranker without any learned-vector feature" in markdown
    assert saved["inputs"]["customers with an age"] > 0 and saved["inputs"]["products in a variant group of 2+"] > 0


def test_cli_evaluate_prints_the_table_as_json(driver: Driver, neo4j_settings, tmp_path: Path) -> None:
    load_sample(driver)
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }
    result = CliRunner().invoke(
        cli,
        [
            "evaluate",
            "--cutoffs",
            "1",
            "--epochs",
            "1",
            "--fusion",
            "concat",
            "--no-ablation",
            "--out",
            str(tmp_path),
            "--json",
        ],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = [m["name"] for m in data["methods"]]
    assert names[8:] == ["gnn-concat-bought", "gnn-concat-bought+repurchase2", "ranker"]
    assert data["comparison"]["reference"] in names[:8]
    assert all(0.0 <= m["metrics"]["map"] <= 1.0 for m in data["methods"])
