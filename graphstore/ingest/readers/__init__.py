"""Readers turn catalog, customer and purchase files into typed records.

Each reader streams its file (memory does not grow with it), checks the header
once (missing columns fail fast, naming them), and sends each bad row to a
``RejectLog`` with its file, line and reason instead of stopping the run.
"""

from shopgraph.graphstore.ingest.readers.csvio import RejectLog, RowError
from shopgraph.graphstore.ingest.readers.generic import (
    read_generic_catalog,
    read_generic_customers,
    read_generic_purchases,
)
from shopgraph.graphstore.ingest.readers.hm import read_hm_articles, read_hm_customers, read_hm_transactions
from shopgraph.graphstore.ingest.readers.myntra import read_myntra_styles

__all__ = [
    "RejectLog",
    "RowError",
    "read_generic_catalog",
    "read_generic_customers",
    "read_generic_purchases",
    "read_hm_articles",
    "read_hm_customers",
    "read_hm_transactions",
    "read_myntra_styles",
]
