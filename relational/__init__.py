"""The relational model: PyTorch Geometric embeddings learnt from the graph and written back onto it.

Its modules by role:

- **data and tasks**: the graph read into arrays (``export`` → ``data.Snapshot``), the
  ``HeteroData`` the GNN learns from (``hetero``), time-split tasks (``split``), product texts
  (``features``), knowledge-graph triples (``triples``);
- **models** (``models/``, ``nn.Module`` only): ``hetero_sage``, ``fusion``, ``kge``;
- **training** (``training/``): the GNN recommender's fit and ranking (``training.gnn``), the
  KGE loop (``training.kge``), checkpoints (``training.checkpoints``);
- **evaluation**: ``metrics``, ``baselines``, ``evaluate`` (rolling cut-offs), ``kge_eval``;
- **the job and the write-back**: ``pipeline`` (train and evaluate commands), ``kge_infer``
  (proposed facts), ``writeback`` (vectors, inferred facts, model stamps), ``recommend``
  (the graph-side queries the CLI serves).

It talks to the rest of shopgraph only through the graph.
"""

import warnings

# PyTorch Geometric calls torch.jit.script while it is imported, which torch deprecates with a
# FutureWarning on every start-up: a notice for PyG's maintainers, not for shopgraph's users.
warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)
