"""Every command of docs/ad-platforms.md runs, in order, and the JSON it shows is the shape
`revlens import-ads --format json` prints."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ad-platforms.md").read_text(encoding="utf-8")


@pytest.fixture
def app_db_url():
    """The doc's commands run on the workspace's own SQLite app database."""
    return None


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def _commands() -> list[list[str]]:
    return [shlex.split(line) for block in _blocks("bash") for line in block.splitlines()
            if line.startswith("revlens ")]


def _write_own_report(cwd: Path) -> None:
    """The files the mapping example names: the mapping itself, and a report using it."""
    (mapping,) = _blocks("yaml")
    (cwd / "mapping.yaml").write_text(mapping, encoding="utf-8")
    headers = list(yaml.safe_load(mapping))
    rows = ["2026-09-01,百度搜索-品牌词-常年,12.50", "2026-09-02,百度搜索-品牌词-常年,7.50"]
    text = "\n".join([",".join(headers), *rows]) + "\n"
    (cwd / "my_baidu_report.csv").write_bytes(text.encode("gbk"))


def test_the_doc_commands_run(cli, ws_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_own_report(tmp_path)
    commands = _commands()
    assert [c[1] for c in commands] == ["demo", "import", "import", *["import-ads"] * 5]
    (shown,) = _blocks("json")
    for args in commands:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        if args[1] != "import-ads":
            continue
        if "--format" in args:
            summary = json.loads(run.stdout)
            assert list(summary) == list(json.loads(shown))
            assert list(summary["unmatched"]) == list(json.loads(shown)["unmatched"])
            assert (summary["rejected"], summary["unmatched"]["rows"]) == (0, 0)
        else:
            assert " 0 rejected" in run.stdout
    assert "cost 20.00 CNY" in run.stdout  # the mapped report: 12.50 + 7.50
