"""The relational model: PyTorch Geometric embeddings learnt from the graph and written back onto it.

It reads the graph into arrays (``export``), evaluates recommenders on rolling time splits
(``split``, ``metrics``, ``baselines``, ``gnn``, ``evaluate``), learns knowledge-graph
embeddings of products and their attributes (``kge``), and writes vectors, inferred facts and
model stamps back (``writeback``). It talks to the rest of shopgraph only through the graph.
"""
