"""Privacy: a customer's data exported, or erased with everything derived from it (``shopgraph privacy``)."""
