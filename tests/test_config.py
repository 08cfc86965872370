from pathlib import Path

import pytest

from shopgraph.graphstore.core.config import load_settings
from shopgraph.graphstore.core.errors import ConfigError


def test_defaults_are_the_local_server(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    assert s.is_local
    assert s.bolt_uri == "bolt://127.0.0.1:7687"
    assert s.browser_url == "http://127.0.0.1:7474/browser/"
    assert s.home == tmp_path / ".shopgraph"


def test_environment_beats_config_file(tmp_path: Path) -> None:
    (tmp_path / "shopgraph.toml").write_text('[shopgraph]\nbolt_port = 7700\nuser = "analyst"\nhome = "data"\n')
    s = load_settings(env={"SHOPGRAPH_BOLT_PORT": "7800"}, cwd=tmp_path)
    assert (s.bolt_port, s.user, s.home) == (7800, "analyst", tmp_path / "data")


def test_external_uri_means_nothing_local(tmp_path: Path) -> None:
    s = load_settings(env={"NEO4J_URI": "neo4j://db.example:7687", "NEO4J_PASSWORD": "pw"}, cwd=tmp_path)
    assert not s.is_local
    assert s.bolt_uri == "neo4j://db.example:7687"
    assert s.resolved_password() == "pw"


def test_bad_values_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="bolt_port must be an integer, got 'x'"):
        load_settings(env={"SHOPGRAPH_BOLT_PORT": "x"}, cwd=tmp_path)
    (tmp_path / "shopgraph.toml").write_text("[shopgraph]\nport = 1\n")
    with pytest.raises(ConfigError, match="unknown keys \\['port'\\]"):
        load_settings(env={}, cwd=tmp_path)


def test_missing_password_says_how_to_get_one(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="shopgraph neo4j install"):
        s.resolved_password()
