"""The `revlens` command line, run through its real entry point (`revlens.cli.main`) in this
process, and once as the installed console script.
"""

from __future__ import annotations

import getpass
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from revlens import __version__
from revlens.cli import app
from revlens.workspace import Workspace

LEADS = ("lead_id,created_at,status\n"
         "L1,2026-01-05 10:00,new\n"
         "L2,2026-01-05 11:00,已联系\n"
         "L3,someday,new\n")
SUMMARY_KEYS = ["batch_id", "entity", "rows_read", "inserted", "updated", "unchanged",
                "rejected", "warnings"]


@pytest.fixture
def app_db_url():
    """The CLI stories use the workspace's own SQLite app database."""
    return None


@pytest.fixture
def leads_csv(tmp_path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(LEADS, encoding="utf-8")
    return path


def _error_line(run) -> str:
    """The one line a failed command prints (blank lines aside)."""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    return lines[0]


def _commands(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


def test_version(cli):
    run = cli("version")
    assert (run.exit_code, run.stdout) == (0, f"revlens {__version__}\n")


@pytest.mark.parametrize("command", [(), *_commands(typer.main.get_command(app))],
                         ids=lambda c: " ".join(c) or "revlens")
def test_every_command_has_help(cli, command):
    run = cli(*command, "--help")
    assert run.exit_code == 0, run.stderr
    assert f"Usage: revlens {' '.join(command)}".rstrip() in run.stdout
    assert run.stderr == ""


def test_init_creates_a_workspace_and_shows_a_generated_password_once(cli, tmp_path):
    root = tmp_path / "ws"
    first = cli("init", "--workspace", root)
    assert first.exit_code == 0, first.stderr
    assert f"workspace {root} created" in first.stdout
    password = first.stdout.split("password: ")[1].split()[0]
    with Workspace.open(root) as ws:
        assert ws.appdb.verify_password("admin", password).role == "admin"
        assert ws.warehouse.row_counts()["leads"] == 0

    again = cli("init", "--workspace", root)
    assert again.exit_code == 0
    assert f"workspace {root} up to date" in again.stdout
    assert "password" not in again.stdout


def test_init_with_a_given_password_does_not_print_it(cli, tmp_path):
    run = cli("init", "-w", tmp_path / "ws", "--admin-password", "s3cret-pass")
    assert run.exit_code == 0
    assert "s3cret-pass" not in run.stdout
    with Workspace.open(tmp_path / "ws") as ws:
        assert ws.appdb.verify_password("admin", "s3cret-pass") is not None


def test_import_prints_a_human_summary(cli, workspace_dir, leads_csv):
    run = cli("import", "leads", leads_csv, "--workspace", workspace_dir)
    assert run.exit_code == 0, run.stderr
    with Workspace.open(workspace_dir) as ws:
        batch_id = ws.appdb.batches()[0].id
    assert run.stdout.startswith(
        "leads from leads.csv: 3 rows read, 2 inserted, 0 updated, 0 unchanged, "
        f"1 rejected, 0 warnings  (batch {batch_id}, ")
    assert run.stdout.endswith(f"see them with: revlens rejects {batch_id}\n")


def test_import_as_json_has_exactly_the_summary_keys(cli, workspace_dir, leads_csv):
    run = cli("import", "leads", leads_csv, "-w", workspace_dir, "--format", "json")
    assert run.exit_code == 0, run.stderr
    summary = json.loads(run.stdout)
    assert list(summary) == SUMMARY_KEYS
    assert {k: v for k, v in summary.items() if k != "batch_id"} == {
        "entity": "leads", "rows_read": 3, "inserted": 2, "updated": 0, "unchanged": 0,
        "rejected": 1, "warnings": 0}
    again = json.loads(cli("import", "leads", leads_csv, "-w", workspace_dir, "-f",
                           "json").stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert again["batch_id"] != summary["batch_id"]


def test_imports_lists_batches_newest_first_as_json(cli, workspace_dir, leads_csv, tmp_path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,name,created_at\nA1,甲科技,2026-01-05\n", encoding="utf-8")
    cli("import", "leads", leads_csv, "-w", workspace_dir)
    cli("import", "accounts", accounts, "-w", workspace_dir)

    run = cli("imports", "-w", workspace_dir, "--format", "json")

    assert run.exit_code == 0, run.stderr
    batches = json.loads(run.stdout)
    assert [(b["entity"], b["source_name"], b["status"], b["rows_read"], b["inserted"],
             b["rejected"], b["user"]) for b in batches] == [
        ("accounts", "accounts.csv", "completed", 1, 1, 0, getpass.getuser()),
        ("leads", "leads.csv", "completed", 3, 2, 1, getpass.getuser())]
    only_leads = json.loads(cli("imports", "-w", workspace_dir, "--entity", "leads",
                                "-f", "json").stdout)
    assert [b["entity"] for b in only_leads] == ["leads"]
    table = cli("imports", "-w", workspace_dir)
    assert table.exit_code == 0 and "accounts.csv" in table.stdout


def test_workspace_option_and_environment_variable(cli, workspace_dir, leads_csv, tmp_path):
    by_env = cli("import", "leads", leads_csv, "-f", "json",
                 env={"REVLENS_WORKSPACE": str(workspace_dir)})
    assert by_env.exit_code == 0, by_env.stderr
    other = tmp_path / "elsewhere"
    by_option = cli("imports", "-w", workspace_dir, "-f", "json",
                    env={"REVLENS_WORKSPACE": str(other)})           # the option wins
    assert [b["id"] for b in json.loads(by_option.stdout)] == [
        json.loads(by_env.stdout)["batch_id"]]


def test_two_workspaces_side_by_side_stay_separate(cli, tmp_path, leads_csv):
    north, south = tmp_path / "north", tmp_path / "south"
    for root in (north, south):
        assert cli("init", "-w", root, "--admin-password", "s3cret-pass").exit_code == 0
    cli("import", "leads", leads_csv, "-w", north)

    assert len(json.loads(cli("imports", "-w", north, "-f", "json").stdout)) == 1
    assert json.loads(cli("imports", "-w", south, "-f", "json").stdout) == []
    with Workspace.open(north) as ws:
        assert ws.warehouse.row_counts()["leads"] == 2
    with Workspace.open(south) as ws:
        assert ws.warehouse.row_counts()["leads"] == 0


def test_unknown_entity_is_one_clear_line(cli, workspace_dir, leads_csv):
    run = cli("import", "leadz", leads_csv, "-w", workspace_dir)
    assert run.exit_code == 1
    line = _error_line(run)
    assert line.startswith("error: unknown entity 'leadz'; choose one of: users, accounts, ")
    assert line.endswith(", targets, fx_rates")
    with Workspace.open(workspace_dir) as ws:
        assert ws.appdb.batches() == []


def test_missing_file_is_one_clear_line(cli, workspace_dir, tmp_path):
    run = cli("import", "leads", tmp_path / "nope.csv", "-w", workspace_dir)
    assert run.exit_code == 1
    assert _error_line(run) == f"error: {tmp_path / 'nope.csv'}: no such file"


def test_uninitialised_workspace_is_one_clear_line(cli, tmp_path):
    missing = tmp_path / "no-ws"
    run = cli("imports", "-w", missing)
    assert run.exit_code == 1
    assert _error_line(run) == (f"error: no RevLens workspace at {missing}; run `revlens init "
                                f"--workspace {missing}` first")
    assert not missing.exists()


def test_unknown_batch_is_one_clear_line(cli, workspace_dir):
    run = cli("rejects", "20260101-nope", "-w", workspace_dir)
    assert run.exit_code == 1
    assert _error_line(run) == ("error: no import batch '20260101-nope'; `revlens imports` "
                                "lists the batches")


def test_usage_errors_exit_non_zero(cli, workspace_dir):
    run = cli("import", "leads", "-w", workspace_dir)           # FILE missing
    assert run.exit_code == 2
    assert "Missing argument" in run.stderr


def test_the_console_script_exits_1_with_the_error_on_stderr(tmp_path):
    script = Path(sys.executable).with_name("revlens")
    proc = subprocess.run([str(script), "imports", "--workspace", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().startswith("error: no RevLens workspace at")
