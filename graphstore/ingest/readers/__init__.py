"""Readers turn catalog, customer and purchase files into typed records.

Each reader streams its file (memory does not grow with it) in its encoding
(:mod:`.textfile`: a file that is not text fails fast, naming the byte offset),
checks the header once (missing columns fail fast, naming them), and sends each
bad row to a ``RejectLog`` with its file, line and reason instead of stopping the
run; the log also counts the rows read, so that every row is accounted for.
"""

from shopgraph.graphstore.ingest.readers.fields import RowError
from shopgraph.graphstore.ingest.readers.generic import (
    read_generic_catalog,
    read_generic_customers,
    read_generic_purchases,
)
from shopgraph.graphstore.ingest.readers.hm import read_hm_articles, read_hm_customers, read_hm_transactions
from shopgraph.graphstore.ingest.readers.myntra import read_myntra_styles
from shopgraph.graphstore.ingest.readers.rejects import RejectLog

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
