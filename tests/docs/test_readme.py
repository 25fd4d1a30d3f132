"""Every command of README's tour runs, in order, as a user would type it."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from tests.e2e.conftest import user_env

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
REVLENS = str(Path(sys.executable).with_name("revlens"))
pytestmark = pytest.mark.slow


def _blocks(language: str) -> list[str]:
    tour = README.split("## A 5-minute tour", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", tour, flags=re.S)


def _commands() -> list[list[str]]:
    lines = [line.split("#", 1)[0].strip() for block in _blocks("bash")
             for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("revlens ")]


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([REVLENS, *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, f"{shlex.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


def _serve_briefly(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    port = 18000 + os.getpid() % 1000
    args = [a if a != "8080" else str(port) for a in args]
    log = cwd / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen([REVLENS, *args[1:]], cwd=cwd, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(60):
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
                return
            except httpx.HTTPError:
                time.sleep(0.5)
        pytest.fail(f"revlens serve did not answer:\n{log.read_text()[-3000:]}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def _write_crm_export(cwd: Path) -> None:
    """The files the mapping example names: an XLSX with its own headers, and the mapping."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户编号", "公司名称", "创建时间"])
    sheet.append(["A-1", "北京星辰科技有限公司", "2026-01-05 10:00"])
    book.save(cwd / "crm_export.xlsx")
    (cwd / "mapping.yaml").write_text("客户编号: account_id\n", encoding="utf-8")


def test_readme_tour_runs(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = user_env(HOME=str(home))
    _write_crm_export(tmp_path)
    commands = _commands()
    assert [c[1] for c in commands] == ["init", "demo", "demo", "import", "import", "imports",
                                       "rejects", "import", "serve", "refresh", "version"]
    batch_id = None
    for args in commands:
        if args[1] == "init":  # then `export REVLENS_WORKSPACE=~/revlens-demo`
            _run([a.replace("~", str(home)) for a in args], tmp_path, env)
            env["REVLENS_WORKSPACE"] = str(home / "revlens-demo")
            continue
        if args[1] == "serve":
            _serve_briefly(args, tmp_path, env)
            continue
        if "BATCH_ID" in args:
            args = [batch_id if a == "BATCH_ID" else a for a in args]
        done = _run(args, tmp_path, env)
        if args[1] == "import" and "--format" in args:
            summary = json.loads(done.stdout)
            assert summary["inserted"] == summary["updated"] == 0  # the same file again
            assert summary["rows_read"] == summary["unchanged"] + summary["rejected"]
            batch_id = summary["batch_id"]
    import revlens

    with revlens.open(home / "revlens-demo", read_only=True) as ws:
        accounts = ws.warehouse.table("accounts")
        mapped = accounts.filter(accounts.account_id == "A-1").name.execute().tolist()
    assert mapped == ["北京星辰科技有限公司"]


def test_readme_python_example_runs(tmp_path, monkeypatch):
    (block,) = _blocks("python")
    import revlens

    workspace = tmp_path / "revlens-demo"
    revlens.init(workspace, admin_password="correct horse")
    (tmp_path / "demo-data").mkdir()
    (tmp_path / "demo-data" / "leads.csv").write_text(
        "lead_id,created_at,source_channel\nL1,2026-01-05 10:00,paid_search\n"
        "L2,2026-01-06 11:00,搜索广告\nL3,2026-01-07 12:00,event\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = block.replace('"~/revlens-demo"', repr(str(workspace)))
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the docs' own example
    with revlens.open(workspace) as ws:
        leads = ws.warehouse.table("leads")
        counts = dict(leads.group_by("source_channel").agg(n=leads.count()).execute()
                      .itertuples(index=False))
    assert counts == {"paid_search": 2, "event": 1}
