"""Fitting the relational models and keeping them: the training loops and the checkpoints.

- :mod:`~relational.training.gnn`: ``GNNRecommender``, which trains ``HeteroSAGE`` with BPR on
  sampled purchase edges, ranks products with the repurchase prior, and gives the vectors;
- :mod:`~relational.training.kge`: ``train_kge`` (the KGE loop and its per-relation temperature
  calibration), ``score_tails`` and ``entity_embeddings``;
- :mod:`~relational.training.checkpoints`: both models to files and back.

The data they learn from is :mod:`relational.export`, ``hetero``, ``split``, ``triples`` and
``features``; their evaluation is :mod:`relational.evaluate`, ``metrics``, ``baselines`` and
``kge_eval``.
"""
