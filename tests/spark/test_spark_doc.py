"""docs/spark.md: its commands run, in order, on a Spark workspace, and its settings exist."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from revlens.config import Settings
from tests.docs.support import code_blocks, revlens_commands

pytestmark = [pytest.mark.spark, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "spark.md").read_text(encoding="utf-8")
LEADS = """lead_id,created_at,name,email,source_channel,status
L1,2026-03-02 10:00,甲,l1@example.cn,event,new
L2,2026-03-03 10:00,乙,l2@example.cn,webinar,new
"""


def test_the_doc_commands_run_on_spark(cli, spark_root, tmp_path, monkeypatch):
    bash = "\n".join(code_blocks(DOC, "bash"))
    assert "pip install 'revlens[spark]'" in bash
    export = re.search(r"^export (REVLENS_WAREHOUSE_URL)='([^']+)'$", bash, flags=re.M)
    assert export, "the doc sets the warehouse URL"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leads.csv").write_text(LEADS, encoding="utf-8")
    env = {export.group(1): export.group(2)}
    commands = revlens_commands(DOC)
    assert [c[1] for c in commands] == ["init", "import", "query"]
    runs = []
    for args in commands:
        run = cli(*args[1:], env=env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        runs.append(run)
    settings = (tmp_path / "spark-ws" / "revlens.toml").read_text(encoding="utf-8")
    assert 'warehouse_url = "spark://local[2]"' in settings     # later commands find it
    rows = json.loads(runs[2].stdout)
    assert [r["leads"] for r in rows] == [2]


def test_the_doc_settings_exist():
    table = DOC.split("## Settings", 1)[1].split("##", 1)[0]
    named = re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)
    assert named == ["warehouse_url", "spark_warehouse_dir", "spark_database", "spark_conf"]
    assert set(named) <= set(Settings.model_fields)
