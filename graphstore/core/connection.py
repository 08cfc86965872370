"""Opening a driver to the configured server, failing fast with the fix."""

from __future__ import annotations

from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import ConnectionFailed


def connect(settings: Settings, timeout_s: float = 10.0) -> Driver:
    """A verified driver for ``settings.bolt_uri``; the caller closes it.

    Raises:
        ConnectionFailed: wrong credentials, unreachable server, or a bad URI —
            the message says which and how to fix it.
        ConfigError: no password is configured.
    """
    password = settings.resolved_password()
    try:
        driver = GraphDatabase.driver(
            settings.bolt_uri,
            auth=(settings.user, password),
            connection_timeout=timeout_s,
            connection_acquisition_timeout=timeout_s * 3,
            # Schema hints such as "label does not exist yet" are expected on an empty graph.
            notifications_min_severity="OFF",
        )
    except (ConfigurationError, ValueError) as e:
        raise ConnectionFailed(f"bad Neo4j URI {settings.bolt_uri!r}: {e}. Check NEO4J_URI.") from e
    try:
        driver.verify_connectivity()
    except AuthError as e:
        driver.close()
        where = (
            f"the local server's password is stored in {settings.password_file}"
            if settings.is_local and not settings.password
            else "check NEO4J_USER and NEO4J_PASSWORD"
        )
        raise ConnectionFailed(
            f"Neo4j at {settings.bolt_uri} rejected user {settings.user!r}: wrong user or password ({where})."
        ) from e
    except (ServiceUnavailable, OSError) as e:
        driver.close()
        fix = (
            "start it with `shopgraph neo4j start`" if settings.is_local else "check NEO4J_URI and that the server runs"
        )
        raise ConnectionFailed(f"cannot reach Neo4j at {settings.bolt_uri}: {e}; {fix}.") from e
    return driver
