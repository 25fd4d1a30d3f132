"""Every command of docs/users.md runs, in order, on a fresh workspace, and does what the doc
says; its settings exist; its REST routes are the served app's; its role table is ROLES."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import tomllib
from pathlib import Path

from revlens.appdb import AppDB
from revlens.appdb.roles import ROLES
from revlens.config import Settings, load_settings
from revlens.metrics.scope import DEFAULT_LEVEL
from tests.app.conftest import api_app, api_routes
from tests.docs.support import code_blocks, revlens_commands

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "users.md").read_text(encoding="utf-8")


def test_the_doc_commands_run(cli, ws_env, workspace_dir):
    commands = revlens_commands(DOC)
    assert [c[1:3] for c in commands[:9]] == [
        *[["users", "add"]] * 4, *[["users", "set"]] * 2, ["users", "password"],
        *[["users", "list"]] * 2]
    assert [c[1] for c in commands[9:]] == ["audit", "audit"]
    outputs = []
    for args in commands:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        outputs.append((run.stdout, run.stderr))
    assert "user zhangsan added: sales_rep, scope own, staff U1" in outputs[0][0]
    password = outputs[0][0].strip().splitlines()[-1]          # printed once, on its own line
    assert "shown once" in outputs[0][1]
    assert "sees personal data" in outputs[2][0]
    assert "scope None → 'team'" in outputs[4][0]
    assert "is_active True → False" in outputs[5][0]
    new_password = outputs[6][0].strip().splitlines()[-1]
    users = {r["username"]: r for r in csv.DictReader(io.StringIO(outputs[8][0]))}
    assert set(users) == {"admin", "zhangsan", "zhao", "wang", "qian"}
    assert (users["zhangsan"]["scope"], users["zhao"]["scope"]) == ("team", "team (role default)")
    assert (users["wang"]["pii"], users["qian"]["active"]) == ("True", "False")
    assert "user_updated" in outputs[9][0] and "password_reset" in outputs[9][0]
    changes = json.loads(outputs[10][0])
    assert [e["detail"] for e in changes] == [
        {"before": {"is_active": True}, "after": {"is_active": False}, "sessions_ended": 0},
        {"before": {"scope": None}, "after": {"scope": "team"}}]
    assert all(e["actor"].endswith("(cli)") for e in changes)
    db = AppDB(load_settings(workspace_dir).app_db_url)
    try:
        assert db.verify_password("zhangsan", password) is None          # reset since
        assert db.verify_password("zhangsan", new_password).staff_id == "U1"
        assert db.user("qian").locale == "en"
    finally:
        db.close()


def test_a_password_from_the_environment_is_not_printed(cli, ws_env, workspace_dir):
    env = {**ws_env, "REVLENS_USER_PASSWORD": "chosen-password-1"}
    run = cli("users", "add", "li", "--role", "sdr", env=env)
    assert run.exit_code == 0 and "chosen-password-1" not in run.stdout + run.stderr
    bad = cli("users", "add", "wu", "--role", "boss", env=ws_env)
    assert bad.exit_code == 1 and "unknown role 'boss'; choose one of" in bad.stderr
    missing = cli("users", "set", "nobody", "--role", "sdr", env=ws_env)
    assert missing.exit_code == 1 and "no RevLens user 'nobody'" in missing.stderr
    nothing = cli("users", "set", "li", env=ws_env)
    assert nothing.exit_code == 1 and "nothing to change" in nothing.stderr


def test_the_settings_shown_exist():
    (shown,) = code_blocks(DOC, "toml")
    keys = set(tomllib.loads(shown))
    assert keys <= set(Settings.model_fields)
    assert len(keys) == 6


def test_the_routes_shown_are_served():
    (block,) = code_blocks(DOC, "text")
    shown = {tuple(line.split()[:2]) for line in block.splitlines() if line.strip()}
    assert shown <= api_routes(api_app(lambda: None))
    assert len(shown) == 10


def test_the_role_table_is_the_roles_with_their_default_scopes():
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| (\w+) \|", DOC, flags=re.M)
    assert [r for r, _ in rows] == list(ROLES)
    assert dict(rows) == DEFAULT_LEVEL
