import inspect
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from shopgraph.graphstore.core import defaults
from shopgraph.graphstore.core.config import find_project_dir, load_settings
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


def test_routing_reaches_the_local_server_as_neo4j(tmp_path: Path) -> None:
    routed = load_settings(env={"SHOPGRAPH_ROUTING": "1", "SHOPGRAPH_BOLT_PORT": "7800"}, cwd=tmp_path)
    assert (routed.is_local, routed.bolt_uri) == (True, "neo4j://127.0.0.1:7800")
    (tmp_path / "shopgraph.toml").write_text("[shopgraph]\nrouting = true\n")
    assert load_settings(env={}, cwd=tmp_path).bolt_uri == "neo4j://127.0.0.1:7687"
    assert load_settings(env={"SHOPGRAPH_ROUTING": "0"}, cwd=tmp_path).bolt_uri == "bolt://127.0.0.1:7687"
    with pytest.raises(ConfigError, match="routing must be true or false \\(1 or 0\\), got 'maybe'"):
        load_settings(env={"SHOPGRAPH_ROUTING": "maybe"}, cwd=tmp_path)


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


def test_home_is_found_in_the_nearest_folder_above_as_git_finds_its_repository(tmp_path: Path) -> None:
    """A command run in a subfolder uses the project's home instead of offering a second install."""
    (tmp_path / ".shopgraph").mkdir()
    deep = tmp_path / "notebooks" / "week1"
    deep.mkdir(parents=True)
    assert load_settings(env={}, cwd=deep).home == tmp_path.resolve() / ".shopgraph"
    assert find_project_dir(deep) == tmp_path.resolve()
    inner = tmp_path / "notebooks" / "other"
    (inner / ".shopgraph").mkdir(parents=True)
    assert load_settings(env={}, cwd=inner).home == inner.resolve() / ".shopgraph"


def test_a_config_file_above_is_found_and_its_relative_home_is_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "shopgraph.toml").write_text('[shopgraph]\nbolt_port = 7701\nhome = "state"\n')
    deep = tmp_path / "src" / "x"
    deep.mkdir(parents=True)
    s = load_settings(env={}, cwd=deep)
    assert (s.bolt_port, s.home) == (7701, tmp_path.resolve() / "state")


def test_shopgraph_home_beats_the_folder_found_above(tmp_path: Path) -> None:
    (tmp_path / ".shopgraph").mkdir()
    deep = tmp_path / "sub"
    deep.mkdir()
    s = load_settings(env={"SHOPGRAPH_HOME": str(tmp_path / "elsewhere")}, cwd=deep)
    assert s.home == tmp_path / "elsewhere"
    assert load_settings(env={"SHOPGRAPH_HOME": "rel"}, cwd=deep).home == deep.resolve() / "rel"


def test_with_no_project_above_the_home_is_in_the_current_folder(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project_dir(deep) is None
    assert load_settings(env={}, cwd=deep).home == deep / ".shopgraph"
    with pytest.raises(ConfigError, match="Run shopgraph in that project's folder or below it, or set SHOPGRAPH_HOME"):
        load_settings(env={}, cwd=deep).resolved_password()


def test_defaults_load_nothing_heavy() -> None:
    """The CLI reads its defaults from graphstore.core.defaults instead of copying them to avoid torch."""
    code = (
        "import sys, shopgraph.graphstore.core.defaults; "
        "print(sorted(m for m in ('torch', 'neo4j', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _default(function: Callable[..., object], name: str) -> object:
    return inspect.signature(function).parameters[name].default


def _option(command: click.Command, name: str) -> object:
    return next(p.default for p in command.params if p.name == name)


def test_the_cli_shows_the_defaults_the_library_uses() -> None:
    from shopgraph.cli.main import cli
    from shopgraph.graphstore.ingest.reasoning import compute_preferences
    from shopgraph.relational.models.fusion import FUSIONS
    from shopgraph.relational.pipeline import RecommenderSettings, evaluate_models
    from shopgraph.relational.recommend import recommend
    from shopgraph.vision import train as vision_train
    from shopgraph.vision.ingest import ingest_images

    commands = cli.commands
    evaluate, train = commands["evaluate"], commands["train"]
    assert defaults.FUSIONS == FUSIONS
    assert _option(evaluate, "repurchase_prior") == _default(evaluate_models, "repurchase_prior") == 2.0
    for option, parameter in [("cutoffs", "cutoffs"), ("step", "step"), ("horizon", "horizon"), ("k", "k")]:
        assert _option(evaluate, option) == _default(evaluate_models, parameter), option
    assert (_option(train, "fusion"), _option(train, "epochs")) == (
        RecommenderSettings().fusion,
        RecommenderSettings().epochs,
    )
    preferences = commands["reason"].commands["preferences"]  # type: ignore[attr-defined]
    assert _option(preferences, "half_life") == _default(compute_preferences, "half_life_days") == 90.0
    assert _option(commands["recommend"], "k") == _default(recommend, "k") == 10
    assert _option(commands["recommend"], "per_category") == _default(recommend, "per_category") == 3
    images = commands["ingest"].commands["images"]  # type: ignore[attr-defined]
    assert _option(images, "batch_size") == _default(ingest_images, "batch_size") == 32
    vision_cmd = commands["vision"].commands["train"]  # type: ignore[attr-defined]
    for name in ("epochs", "imgsz", "batch"):
        assert _option(vision_cmd, name) == _default(vision_train.train, name), name
