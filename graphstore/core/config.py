"""Settings from one place: environment variables, then a config file, then defaults.

Precedence, highest first:

1. environment variables (``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD``,
   ``NEO4J_DATABASE``, ``SHOPGRAPH_HOME``, ``SHOPGRAPH_BOLT_PORT``,
   ``SHOPGRAPH_HTTP_PORT``, ``SHOPGRAPH_BATCH_SIZE``, ``SHOPGRAPH_ROUTING``);
2. the TOML file named by ``SHOPGRAPH_CONFIG``, else ``shopgraph.toml`` in the project's
   folder if present, with keys ``uri, user, password, database, home, bolt_port, http_port,
   batch_size, routing`` under a ``[shopgraph]`` table (a relative ``home`` is relative to that folder);
3. defaults that work with the embedded local server: home ``.shopgraph`` in the project's
   folder, Bolt on 127.0.0.1:7687, HTTP on 7474, user ``neo4j``, and the password that
   ``shopgraph neo4j install`` generated and stored in ``<home>/neo4j-password``.

The project's folder is found the way git finds its repository: the current folder or the
nearest folder above it that holds a ``.shopgraph/`` folder or a ``shopgraph.toml`` file
(:func:`find_project_dir`); with neither anywhere above, the current folder. So a command run in
a subfolder uses the project's server instead of offering to install a second one on the same
port. The defaults themselves live in :mod:`graphstore.core.defaults`.

Setting ``NEO4J_URI`` (or ``uri`` in the file) means "use that server": nothing
local is installed or started then. ``routing`` (``SHOPGRAPH_ROUTING=1``) makes the driver reach the
local server as ``neo4j://`` (the routing driver a cluster or Aura needs) instead of ``bolt://``, so
the code paths of a cluster deployment run against the one local server.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shopgraph.graphstore.core.defaults import SERVER
from shopgraph.graphstore.core.errors import ConfigError

NEO4J_VERSION = "5.26.30"
APOC_VERSION = "5.26.19"
BROWSER_VERSION = "5.24.0"
PASSWORD_FILE = "neo4j-password"
PSEUDONYM_KEY_FILE = "pseudonym-key"
FORGET_SALT_FILE = "forget-salt"

_FILE_KEYS = {"uri", "user", "password", "database", "home", "bolt_port", "http_port", "batch_size", "routing"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``uri is None`` means the project-managed local server."""

    home: Path
    uri: str | None = None
    user: str = SERVER.user
    password: str | None = None
    database: str | None = None
    bolt_port: int = SERVER.bolt_port
    http_port: int = SERVER.http_port
    batch_size: int = SERVER.batch_size
    routing: bool = False

    @property
    def is_local(self) -> bool:
        """True when shopgraph manages the server itself (no external URI configured)."""
        return self.uri is None

    @property
    def bolt_uri(self) -> str:
        """The URI the driver connects to."""
        return self.uri or f"{'neo4j' if self.routing else 'bolt'}://127.0.0.1:{self.bolt_port}"

    @property
    def browser_url(self) -> str:
        """Where Neo4j Browser answers for the local server."""
        return f"http://127.0.0.1:{self.http_port}/browser/"

    @property
    def neo4j_home(self) -> Path:
        """The NEO4J_HOME of the local server."""
        return self.home / "neo4j"

    @property
    def password_file(self) -> Path:
        return self.home / PASSWORD_FILE

    @property
    def pseudonym_key_file(self) -> Path:
        """The HMAC key of ``--pseudonymise`` (beside the password, mode 0600, made on first use)."""
        return self.home / PSEUDONYM_KEY_FILE

    @property
    def forget_salt_file(self) -> Path:
        """The salt of the forget log's hashes (beside the password, mode 0600, made on first use)."""
        return self.home / FORGET_SALT_FILE

    def resolved_password(self) -> str:
        """The password to use: explicit setting, else the stored generated one.

        Raises:
            ConfigError: neither is available.
        """
        if self.password:
            return self.password
        if self.password_file.exists():
            return self.password_file.read_text(encoding="utf-8").strip()
        if self.is_local:
            raise ConfigError(
                f"no Neo4j password: {self.password_file} does not exist. "
                "Run `shopgraph neo4j install` to create the local server and its password, "
                "or set NEO4J_PASSWORD. (Installed already? Run shopgraph in that project's folder "
                "or below it, or set SHOPGRAPH_HOME to its .shopgraph folder.)"
            )
        raise ConfigError(f"NEO4J_URI is {self.uri} but NEO4J_PASSWORD is not set.")

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (ports, home) — used by tests and the CLI."""
        return replace(self, **changes)


def _int(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from e
    if number <= 0:
        raise ConfigError(f"{name} must be positive, got {number}")
    return number


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ConfigError(f"{name} must be true or false (1 or 0), got {value!r}")


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from e
    table = data.get("shopgraph", {})
    unknown = set(table) - _FILE_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(_FILE_KEYS)}")
    return dict(table)


def find_project_dir(start: Path) -> Path | None:
    """The nearest folder, ``start`` or above, with a ``.shopgraph/`` folder or a ``shopgraph.toml``.

    Returns None when no folder up to the file system's root has either.
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SERVER.home).is_dir() or (folder / SERVER.config_file).is_file():
            return folder
    return None


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Resolve settings from ``env`` (default ``os.environ``) and the config file.

    Args:
        env: environment mapping to read; tests pass their own.
        cwd: the folder the command runs in (default: the current one); the project's folder
            (``shopgraph.toml``, the default ``.shopgraph`` home) is it or the nearest above it
            that has one of them (:func:`find_project_dir`), else ``cwd`` itself.

    Raises:
        ConfigError: a value has the wrong type or the config file is unreadable.
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    project = find_project_dir(cwd) or cwd
    config_path = cwd / env["SHOPGRAPH_CONFIG"] if env.get("SHOPGRAPH_CONFIG") else project / SERVER.config_file
    file_values = _read_file(config_path) if config_path.exists() else {}
    if env.get("SHOPGRAPH_CONFIG") and not config_path.exists():
        raise ConfigError(f"SHOPGRAPH_CONFIG names {config_path}, which does not exist")

    def pick(env_name: str, key: str, default: Any) -> Any:
        if env.get(env_name):
            return env[env_name]
        return file_values.get(key, default)

    if env.get("SHOPGRAPH_HOME"):
        home, base = Path(env["SHOPGRAPH_HOME"]).expanduser(), cwd
    elif "home" in file_values:
        home, base = Path(file_values["home"]).expanduser(), config_path.parent
    else:
        home, base = project / SERVER.home, project
    if not home.is_absolute():
        home = (base / home).resolve()
    return Settings(
        home=home,
        uri=pick("NEO4J_URI", "uri", None),
        user=pick("NEO4J_USER", "user", SERVER.user),
        password=pick("NEO4J_PASSWORD", "password", None),
        database=pick("NEO4J_DATABASE", "database", None),
        bolt_port=_int("bolt_port", pick("SHOPGRAPH_BOLT_PORT", "bolt_port", SERVER.bolt_port)),
        http_port=_int("http_port", pick("SHOPGRAPH_HTTP_PORT", "http_port", SERVER.http_port)),
        batch_size=_int("batch_size", pick("SHOPGRAPH_BATCH_SIZE", "batch_size", SERVER.batch_size)),
        routing=_bool("routing", pick("SHOPGRAPH_ROUTING", "routing", False)),
    )
