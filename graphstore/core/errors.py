"""The one exception tree of shopgraph.

Library code raises these; ``cli`` maps them to messages and exit codes in one
place. Driver and subprocess errors are re-raised with ``from e`` so the cause
stays visible in tracebacks.
"""

from __future__ import annotations


class ShopgraphError(Exception):
    """Root of every error shopgraph raises on purpose."""

    exit_code = 1


class ConfigError(ShopgraphError):
    """A setting is missing or has a value that cannot work."""

    exit_code = 2


class ServerError(ShopgraphError):
    """The local Neo4j server cannot be installed, started or stopped."""

    exit_code = 3


class ConnectionFailed(ShopgraphError):
    """The driver cannot reach or authenticate against the configured server."""

    exit_code = 4


class InputError(ShopgraphError):
    """An input file cannot be read as the format it claims to be (missing columns, unknown format)."""

    exit_code = 5


class WriteFailed(ShopgraphError):
    """A batch could not be written after its retries; earlier batches are committed."""

    exit_code = 6


class QueryError(ShopgraphError):
    """A named query is unknown, or its parameters do not match its header."""

    exit_code = 7


class Busy(ShopgraphError):
    """Another run holds what this one needs (the lock of a photo folder being ingested)."""

    exit_code = 10


class NotEmpty(ShopgraphError):
    """The database already holds data that an operation would replace (a bulk first load, a dump load)."""

    exit_code = 11
