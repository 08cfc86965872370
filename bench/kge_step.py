"""Why KGE training grows faster than its data: one optimiser step, dense Adam vs SparseAdam.

    python -m bench.kge_step --entities 16300,154000 --steps 30

``relational.training.kge.train_kge`` trains PyG's KGE models with dense embedding gradients and
``torch.optim.Adam``, so every mini-batch step updates every row of the entity tables (Adam's
moments included), touched by the batch or not: a step costs ``O(entities · dim)`` on top of the
batch's own work. More products mean both more steps per epoch (more triples) and dearer steps, so
the epoch time grows with the square of the catalog. With ``sparse=True`` embeddings and
``torch.optim.SparseAdam`` a step updates only the rows in its batch.

For each entity count (defaults: the products with facts plus the attribute terms of the H&M +
Myntra graph at 1x and at 10x, as ``bench.relational_scale`` builds them) and each KGE model, this
times ``--steps`` training steps of the library's batch (1,024 positives × 4 negatives, 64
dimensions, 7 relations) both ways, in one process, one thread, and prints milliseconds per step
and the ratios.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch_geometric.nn.kge import ComplEx, DistMult, TransE

MODELS = {"transe": TransE, "distmult": DistMult, "complex": ComplEx}
BATCH = 1024 * 4  # relational.training.kge.train_kge: batches of 1,024 positives, each repeated for 4 negatives
RELATIONS = 7
DIM = 64


def step_ms(model: str, entities: int, sparse: bool, steps: int, seed: int = 0) -> float:
    """Mean milliseconds of one loss + backward + optimiser step (after one warm-up step)."""
    torch.manual_seed(seed)
    module = MODELS[model](entities, RELATIONS, DIM, sparse=sparse)
    parameters = list(module.parameters())
    optimiser = torch.optim.SparseAdam(parameters, lr=0.01) if sparse else torch.optim.Adam(parameters, lr=0.01)
    head, tail = torch.randint(0, entities, (2, BATCH))
    relation = torch.randint(0, RELATIONS, (BATCH,))

    def step() -> None:
        optimiser.zero_grad()
        module.loss(head, relation, tail).backward()
        optimiser.step()

    step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return 1000 * (time.perf_counter() - started) / steps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", default="16300,154000", help="entity counts, comma-separated")
    parser.add_argument("--models", default="transe,distmult,complex", help="KGE models, comma-separated")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per measurement")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.entities.split(",")]
    torch.set_num_threads(1)
    print("| model | entities | dense Adam ms/step | SparseAdam ms/step | dense ÷ sparse |")
    print("|---|---:|---:|---:|---:|")
    for model in args.models.split(","):
        for entities in counts:
            dense = step_ms(model, entities, sparse=False, steps=args.steps)
            sparse = step_ms(model, entities, sparse=True, steps=args.steps)
            print(f"| {model} | {entities:,} | {dense:.1f} | {sparse:.1f} | {dense / sparse:.1f}× |")


if __name__ == "__main__":
    main()
