"""Seconds per training epoch of the recommenders as the purchases grow, this checkout against another.

    git worktree add /tmp/shopgraph-before <commit>
    python -m bench.recommender_fit --trees /tmp/shopgraph-before,. --scales 1,3,10

What ``shopgraph evaluate`` spends its time on is fitting BPR, LightGCN and the GNN (three fusions
and the model with its repurchase prior) at every cut-off; this times those fits on the H&M
purchases and on copies of them, so a change to the training loops is measured on the data it is
for, old and new code side by side in one command.

**Data.** The H&M snapshot is read once from the dev graph (``relational.export.read_snapshot`` of
the local server in ``graphstore.core.config.load_settings()``, ``purchase_source=hm``; kept in
``<out>/snapshot.pkl``, delete it to read again). Scale ``s`` repeats everything per customer and
product ``s`` times: customers, products, purchases and facts (copies point at the same attribute
terms), text and photo vectors, as ``bench.relational_scale`` does through Neo4j, but in memory, so
a run takes minutes. Each method is fitted on the view of the last default cut-off
(``snapshot.until``), as in the evaluation.

**Measure.** For each tree, scale and method, a fresh Python process (``sys.path`` starts with the
tree, one torch thread as ``shopgraph`` runs) fits the method with ``--epochs`` epochs (LightGCN, BPR
and the attention GNN; an epoch costs the same whichever epoch it is, so few epochs measure the
per-epoch cost) and prints the wall seconds of the fit divided by the epochs. Ratios: each tree's
growth from the first scale, and the checkout's speed-up over the first tree at each scale.
"""

from __future__ import annotations

import argparse
import json
import pickle
from dataclasses import replace
from pathlib import Path

import numpy as np

from shopgraph.relational.data import Facts, Purchases, Snapshot

from .snapshot_memory import run_in_tree

METHODS = ("bpr", "lightgcn", "gnn")

CHILD = """
import json, pickle, time
import torch
torch.set_num_threads(1)
from shopgraph.relational.baselines import BPR, LightGCN
from shopgraph.relational.training.gnn import GNNRecommender
from shopgraph.relational.split import rolling_cutoffs
snapshot = pickle.load(open({data!r}, "rb"))
view = snapshot.until(rolling_cutoffs(int(snapshot.purchases.day.max()))[-1])
method = {{"bpr": BPR, "lightgcn": LightGCN, "gnn": GNNRecommender}}[{method!r}](epochs={epochs})
started = time.perf_counter()
method.fit(view)
print(json.dumps({{"seconds_per_epoch": (time.perf_counter() - started) / {epochs}, "purchases": len(view.purchases)}}))
"""


def scaled(snapshot: Snapshot, copies: int) -> Snapshot:
    """``snapshot`` with every customer and product repeated ``copies`` times (copy ``i`` of customer
    ``c`` buys copy ``i`` of each product ``c`` bought, on the same day; facts point at the same terms)."""
    if copies == 1:
        return snapshot
    customers, products = snapshot.num_customers, snapshot.num_products

    def tile(values: np.ndarray, step: int) -> np.ndarray:
        return np.concatenate([values + i * step for i in range(copies)])

    bought = snapshot.purchases
    facts = {
        relation: Facts(
            f.relation, f.label, tile(f.product, products), np.tile(f.term, copies), np.tile(f.confidence, copies)
        )
        for relation, f in snapshot.facts.items()
    }
    return replace(
        snapshot,
        customer_ids=[f"{c}#{i}" for i in range(copies) for c in snapshot.customer_ids],
        product_ids=[f"{p}#{i}" for i in range(copies) for p in snapshot.product_ids],
        purchases=Purchases(
            tile(bought.customer, customers), tile(bought.product, products), np.tile(bought.day, copies)
        ),
        facts=facts,
        in_catalog=np.tile(snapshot.in_catalog, copies),
        text=None if snapshot.text is None else np.tile(snapshot.text, (copies, 1)),
        image=None if snapshot.image is None else np.tile(snapshot.image, (copies, 1)),
    )


def base_snapshot(out: Path) -> Snapshot:
    """The H&M snapshot of the dev graph, read once and kept in ``<out>/snapshot.pkl``."""
    path = out / "snapshot.pkl"
    if not path.exists():
        from shopgraph.graphstore.core.config import load_settings
        from shopgraph.graphstore.core.connection import connect
        from shopgraph.relational.export import read_snapshot

        driver = connect(load_settings())
        try:
            snapshot = read_snapshot(driver, purchase_source="hm")
        finally:
            driver.close()
        path.write_bytes(pickle.dumps(snapshot))
    return pickle.loads(path.read_bytes())


def seconds_per_epoch(tree: Path, data: Path, method: str, epochs: int) -> float:
    """Wall seconds per epoch of one fit in a fresh process importing the library from ``tree``."""
    code = CHILD.format(data=str(data.resolve()), method=method, epochs=epochs)
    return float(run_in_tree(tree, code)["seconds_per_epoch"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trees", required=True, help="source trees to compare, comma-separated; the last is the new")
    parser.add_argument("--scales", default="1,3,10", help="copies of the H&M data, comma-separated")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per fit (the per-epoch cost is reported)")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, of {', '.join(METHODS)}")
    parser.add_argument("--out", type=Path, default=Path("bench/out/recommender_fit"))
    args = parser.parse_args(argv)
    trees = [Path(t) for t in args.trees.split(",")]
    scales = [int(s) for s in args.scales.split(",")]
    methods = args.methods.split(",")
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods: {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    snapshot = base_snapshot(args.out)
    result: dict[str, dict[str, dict[int, float]]] = {str(t): {m: {} for m in methods} for t in trees}
    for scale in scales:
        data = args.out / f"scale-{scale}.pkl"
        view = scaled(snapshot, scale)
        data.write_bytes(pickle.dumps(view))
        print(f"scale {scale}: {view.num_products:,} products, {len(view.purchases):,} purchases", flush=True)
        for method in methods:
            for tree in trees:
                seconds = seconds_per_epoch(tree, data, method, args.epochs)
                result[str(tree)][method][scale] = seconds
                print(f"  {method:9s} {tree}: {seconds:.2f} s/epoch", flush=True)
        data.unlink()
    (args.out / "result.json").write_text(json.dumps(result, indent=2))
    first, new = scales[0], str(trees[-1])
    header = " | ".join(f"{s}x" for s in scales)
    lines = [f"| method | tree | {header} | {scales[-1]}x ÷ {first}x |", "|---|---|" + "---:|" * (len(scales) + 1)]
    for method in methods:
        for name in map(str, trees):
            row = result[name][method]
            cells = " | ".join(f"{row[s]:.2f}" for s in scales)
            lines.append(f"| {method} | {name} | {cells} | {row[scales[-1]] / row[first]:.1f}× |")
        for name in map(str, trees[:-1]):
            cells = " | ".join(f"{result[name][method][s] / result[new][method][s]:.1f}×" for s in scales)
            lines.append(f"| {method} | speed-up of {new} over {name} | {cells} | |")
    print("\nSeconds per epoch, one thread:\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
