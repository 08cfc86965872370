"""The ``shopgraph`` command line: a thin layer that parses, calls one library function and renders."""
