"""The relational plugin's neural networks, one ``nn.Module`` family per module, as PyTorch Geometric
keeps ``torch_geometric.nn.models``; no training loop, data loading or file I/O here.

- :mod:`~relational.models.hetero_sage`: ``HeteroSAGE`` (embeddings, product fusion and
  weighted-mean heterogeneous GraphSAGE layers) and its ``HeteroSAGELayer``;
- :mod:`~relational.models.fusion`: how a product's id, text and photo vectors become one
  (``ConcatFusion``, ``ProductFusion``, ``AttentionFusion``);
- :mod:`~relational.models.kge`: TransE, DistMult and ComplEx with tail-only negatives.

Training them is :mod:`relational.training`.
"""
