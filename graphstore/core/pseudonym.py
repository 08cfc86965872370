"""Keyed pseudonyms for customer ids, and the secret files they and the forget log need.

A pseudonym is ``psn-`` followed by the first 32 hex digits (128 bits) of
``HMAC-SHA256(key, raw id)``: the same raw id under the same key always gives the same pseudonym,
so re-ingesting a file (or ingesting its purchases after its customers) links up, while without
the key nobody can go from a pseudonym back to the raw id or test a guess of one. The key is 32
random bytes in ``<home>/pseudonym-key`` beside the Neo4j password, created on first use with
mode 0600; losing it means new ingests no longer match the old pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from shopgraph.graphstore.core.errors import ConfigError

PREFIX = "psn-"
_KEY_BYTES = 32


def secret_bytes(path: Path) -> bytes:
    """The secret in ``path``, made (32 random bytes, hex, mode 0600) if it does not exist yet.

    Raises:
        ConfigError: the file exists but is not 64 hex digits, or is readable by others (mode
            other than 0600/0400), or cannot be written.
    """
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: two processes creating the key at once must not end with two different keys.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(_KEY_BYTES) + "\n")
        mode = path.stat().st_mode & 0o777
        text = path.read_text(encoding="ascii").strip()
    except FileExistsError:
        return secret_bytes(path)
    except OSError as e:
        raise ConfigError(f"cannot read or create the secret {path}: {e}") from e
    if mode & 0o077:
        raise ConfigError(f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != _KEY_BYTES:
        raise ConfigError(f"{path}: expected {_KEY_BYTES * 2} hex digits, found {len(text)} characters")
    return key


class Pseudonymiser:
    """Maps raw customer ids (and the purchase ids hashed from them) to keyed pseudonyms.

    Args:
        key: the HMAC key (:func:`secret_bytes` of ``Settings.pseudonym_key_file``).
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ConfigError(f"a pseudonym key needs at least 16 bytes, got {len(key)}")
        self._key = key

    def _digest(self, value: str) -> str:
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def customer(self, raw_id: str) -> str:
        """``psn-`` + the first 32 hex digits of HMAC-SHA256(key, ``raw_id``)."""
        return PREFIX + self._digest(raw_id)[:32]

    def purchase(self, purchase_id: str) -> str:
        """A purchase id ``<source>:<digest>`` re-keyed: ``<source>:`` + 20 hex digits of the HMAC.

        Purchase ids hash the raw customer id with the line's other values; re-keying them keeps
        anyone who can guess a raw id from confirming which purchases were theirs.
        """
        source, _, _ = purchase_id.rpartition(":")
        return f"{source}:{self._digest(purchase_id)[:20]}"
