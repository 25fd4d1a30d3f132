"""Every command of docs/ad-platforms.md runs, in order, and the JSON it shows is the shape
`revlens import-ads --format json` prints."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import yaml

from tests.docs.support import code_blocks, revlens_commands

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "ad-platforms.md").read_text(encoding="utf-8")


def _write_own_report(cwd: Path) -> None:
    """The files the mapping example names: the mapping itself, and a report using it."""
    (mapping,) = code_blocks(DOC, "yaml")
    (cwd / "mapping.yaml").write_text(mapping, encoding="utf-8")
    headers = list(yaml.safe_load(mapping))
    rows = ["2026-09-01,百度搜索-品牌词-常年,12.50", "2026-09-02,百度搜索-品牌词-常年,7.50"]
    text = "\n".join([",".join(headers), *rows]) + "\n"
    (cwd / "my_baidu_report.csv").write_bytes(text.encode("gbk"))


def test_the_doc_commands_run(cli, ws_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write_own_report(tmp_path)
    commands = revlens_commands(DOC)
    assert [c[1] for c in commands] == ["demo", "import", "import", *["import-ads"] * 5]
    (shown,) = code_blocks(DOC, "json")
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
