"""Settings: defaults, the workspace's revlens.toml, REVLENS_* environment, validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from revlens.config import DEFAULT_STAGES, load_settings, resolve_workspace
from revlens.workspace import Workspace


def test_defaults_live_in_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("REVLENS_WORKSPACE", raising=False)
    settings = load_settings(tmp_path / "ws")
    assert settings.warehouse_url == f"duckdb:///{tmp_path / 'ws' / 'warehouse.duckdb'}"
    assert settings.app_db_url == f"sqlite:///{tmp_path / 'ws' / 'app.db'}"
    assert (settings.timezone, settings.currency, settings.locale) == ("Asia/Shanghai", "CNY",
                                                                       "zh-CN")
    assert [(s.name, s.probability) for s in settings.stages] == [
        ("qualification", 0.10), ("needs_analysis", 0.25), ("solution", 0.40),
        ("negotiation", 0.70), ("won", 1.0), ("lost", 0.0)]
    assert settings.won_stage.label_zh == "赢单"


def test_workspace_from_env_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv("REVLENS_WORKSPACE", str(tmp_path / "from-env"))
    assert resolve_workspace() == tmp_path / "from-env"
    assert resolve_workspace(tmp_path / "given") == tmp_path / "given"
    monkeypatch.delenv("REVLENS_WORKSPACE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_workspace() == tmp_path / ".revlens"


def test_toml_file_then_environment(tmp_path, monkeypatch):
    Workspace.init(tmp_path / "ws", admin_password="s3cret-pass")
    toml = tmp_path / "ws" / "revlens.toml"
    text = toml.read_text(encoding="utf-8").replace('currency = "CNY"', 'currency = "usd"')
    text = text.replace('timezone = "Asia/Shanghai"', 'timezone = "Europe/Berlin"')
    toml.write_text(text, encoding="utf-8")
    settings = load_settings(tmp_path / "ws")
    assert (settings.currency, settings.timezone) == ("USD", "Europe/Berlin")
    monkeypatch.setenv("REVLENS_CURRENCY", "EUR")
    assert load_settings(tmp_path / "ws").currency == "EUR"
    assert load_settings(tmp_path / "ws", currency="HKD").currency == "HKD"


def test_stages_are_configurable_in_toml(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "revlens.toml").write_text(
        '[[stages]]\nname = "discovery"\nprobability = 0.2\n'
        '[[stages]]\nname = "closed_won"\nprobability = 1.0\nkind = "won"\n'
        '[[stages]]\nname = "closed_lost"\nprobability = 0.0\nkind = "lost"\n', encoding="utf-8")
    settings = load_settings(root)
    assert [s.name for s in settings.stages] == ["discovery", "closed_won", "closed_lost"]
    assert settings.won_stage.name == "closed_won"
    assert len(DEFAULT_STAGES) == 6  # the defaults are untouched


@pytest.mark.parametrize(("field", "value", "message"), [
    ("timezone", "Mars/Olympus", "unknown time zone"),
    ("currency", "yuan", "3-letter ISO code"),
    ("locale", "fr", "zh-CN"),
])
def test_bad_settings_say_what_is_allowed(tmp_path, field, value, message):
    with pytest.raises(ValidationError, match=message):
        load_settings(tmp_path, **{field: value})


def test_stages_need_one_won_and_one_lost(tmp_path):
    with pytest.raises(ValidationError, match="exactly one won and one lost"):
        load_settings(tmp_path, stages=[{"name": "a", "probability": 0.5}])
