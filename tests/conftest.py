"""Shared fixtures: a fresh, initialised workspace per test, its app database on SQLite (the
default) or on the PostgreSQL server at 127.0.0.1:5432.

Tests that take `workspace` (or `workspace_dir`) run twice: `[sqlite]` and `[postgres]`. The
PostgreSQL runs share one database per test session (per xdist worker), `revlens_test_<hex>`,
created here and dropped at the end; its import batches, tag rules, segments and other
definitions are deleted before each test (`PG_CLEARED`).

`Workspace.init` costs about half a second (argon2, every table), so each backend's workspace is
initialised once per session and copied for each test; `tests/appdb` and `tests/test_cli.py`
run `init` itself. Likewise `refreshed_story` (the story of tests/metrics/story.py, loaded and
refreshed: half a minute or more) is built once per session and backend and copied per test.

`story_dir` is built once per test run, whichever xdist worker asks first, and copied for each
worker (tests/shared_build.py). The hooks of tests/distribution.py decide which worker runs
which tests under `--dist loadgroup` (scripts/test.sh).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from revlens.workspace import Workspace
from tests.distribution import (  # noqa: F401  (hooks: how xdist hands out the tests)
    pytest_collection_modifyitems,
    pytest_xdist_make_scheduler,
)
from tests.shared_build import built_once, copy_of

ADMIN_PASSWORD = "correct-horse-42"
PG_SERVER = "host=127.0.0.1 port=5432 user=postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
PG_CLEARED = ("import_batches", "tag_rules", "manual_tags", "segments", "consents",
              "privacy_requests", "match_decisions", "web_sessions", "login_attempts",
              "audit_log", "dashboards")
"""App-database tables emptied before each test on the shared PostgreSQL database; users other
than the template's admin are deleted too (`PG_USERS_KEPT`)."""
PG_USERS_KEPT = "admin"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def _pg_admin():
    psycopg = pytest.importorskip("psycopg", reason="pip install 'psycopg[binary]'")
    try:
        return psycopg.connect(f"{PG_SERVER} dbname=test", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc})")


def create_pg_database() -> str:
    """A new empty database; returns its SQLAlchemy URL."""
    from psycopg import sql

    name = f"revlens_test_{secrets.token_hex(4)}"
    with _pg_admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return PG_URL.format(name=name)


def drop_pg_database(url: str) -> None:
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with _pg_admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                      .format(sql.Identifier(name)))


def pg_clear(url: str) -> None:
    """Delete the rows of `PG_CLEARED` and the users but `PG_USERS_KEPT`."""
    for table in PG_CLEARED:
        pg_execute(url, f"DELETE FROM {table}")
    pg_execute(url, f"DELETE FROM users WHERE username <> '{PG_USERS_KEPT}'")


def pg_execute(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER} dbname={url.rsplit('/', 1)[1]}",
                         autocommit=True) as con:
        con.execute(statement)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This session's PostgreSQL database (dropped at the end)."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db_url(request) -> str | None:
    """None: the workspace's own SQLite file; else the session's PostgreSQL database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def ws_overrides(app_db_url) -> dict[str, str]:
    """Keyword arguments for Workspace.open/init that select this test's app database."""
    return {"app_db_url": app_db_url} if app_db_url else {}


@pytest.fixture
def ws_env(app_db_url, workspace_dir) -> dict[str, str]:
    """Environment for a `revlens` subprocess working on this test's workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLENS_")}
    env["REVLENS_WORKSPACE"] = str(workspace_dir)
    if app_db_url:
        env["REVLENS_APP_DB_URL"] = app_db_url
    return env


@pytest.fixture(scope="session")
def _templates() -> dict[str | None, Path]:
    """app_db_url -> the workspace initialised for it in this session."""
    return {}


@pytest.fixture
def workspace_dir(app_db_url, ws_overrides, _templates, tmp_path_factory, tmp_path) -> Path:
    """An initialised workspace directory (admin password ADMIN_PASSWORD), not opened."""
    if app_db_url not in _templates:
        root = tmp_path_factory.mktemp("template") / "ws"
        Workspace.init(root, admin_password=ADMIN_PASSWORD, **ws_overrides)
        _templates[app_db_url] = root
    if app_db_url:      # what earlier tests left in the shared database
        pg_clear(app_db_url)
    target = tmp_path / "ws"
    shutil.copytree(_templates[app_db_url], target)
    return target


@pytest.fixture
def workspace(workspace_dir, ws_overrides) -> Iterator[Workspace]:
    """The test's workspace, open for writing; closed after the test."""
    ws = Workspace.open(workspace_dir, **ws_overrides)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def _story_templates() -> dict[str | None, Path]:
    """app_db_url -> the workspace where the story was loaded and refreshed in this session."""
    return {}


@pytest.fixture
def refreshed_story(workspace_dir, app_db_url, ws_overrides, _story_templates,
                    tmp_path_factory) -> Iterator[Workspace]:
    """The test's workspace (instead of `workspace`, in `workspace_dir`) as `load_story` and
    then `refresh` leave it: the story of tests/metrics/story.py, loaded and refreshed once per
    session and backend, then copied, with the app database's rows (`PG_CLEARED`, users) as
    they were; open for writing, closed after the test."""
    if app_db_url not in _story_templates:
        from revlens.refresh import refresh
        from tests.metrics.story import load_story

        root = tmp_path_factory.mktemp("story-template")
        template = copy_of(workspace_dir, root / "ws")
        with Workspace.open(template, **ws_overrides) as ws:
            load_story(ws, root / "data")
            refresh(ws)
        if app_db_url:
            _pg_keep_rows(app_db_url)
            pg_clear(app_db_url)
        _story_templates[app_db_url] = template
    copy_of(_story_templates[app_db_url], workspace_dir)
    if app_db_url:          # emptied by workspace_dir, or just above
        _pg_restore_rows(app_db_url)
    ws = Workspace.open(workspace_dir, **ws_overrides)
    yield ws
    ws.close()


PG_KEPT = "story_template"
"""The schema holding `refreshed_story`'s app-database rows on the session's PostgreSQL."""


def _pg_keep_rows(url: str) -> None:
    pg_execute(url, f"CREATE SCHEMA {PG_KEPT}")
    for table in ("users", *PG_CLEARED):
        pg_execute(url, f"CREATE TABLE {PG_KEPT}.{table} AS SELECT * FROM {table}")


def _pg_restore_rows(url: str) -> None:
    pg_execute(url, f"INSERT INTO users SELECT * FROM {PG_KEPT}.users "
                    f"WHERE username <> '{PG_USERS_KEPT}'")
    for table in PG_CLEARED:
        pg_execute(url, f"INSERT INTO {table} SELECT * FROM {PG_KEPT}.{table}")


@dataclass
class CliRun:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch) -> Callable[..., CliRun]:
    """Run `revlens ARGS...` in this process through the console script's entry point
    (`revlens.cli.main`), with `env` as the REVLENS_* environment."""
    from revlens.cli import main

    def run(*args: object, env: dict[str, str] | None = None) -> CliRun:
        capsys.readouterr()
        with monkeypatch.context() as patch:
            for name in [k for k in os.environ if k.startswith("REVLENS_")]:
                patch.delenv(name)
            for name, value in (env or {}).items():
                if name.startswith("REVLENS_"):
                    patch.setenv(name, value)
            patch.setattr(sys, "argv", ["revlens", *map(str, args)])
            # click names the program after __main__ (here pytest) unless run as a script
            patch.setitem(sys.modules, "__main__", ModuleType("__main__"))
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out, err = capsys.readouterr()
        return CliRun(code, out, err)

    return run


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory) -> Path:
    """The metric layer's hand-made story (tests/metrics/story.py), loaded and refreshed once
    per test run (`built_once`), copied for this session (xdist worker); the tests only read
    it."""
    from revlens.refresh import refresh
    from tests.metrics.story import PASSWORD, load_story

    def build(root: Path) -> None:
        Workspace.init(root / "ws", admin_password=PASSWORD)
        with Workspace.open(root / "ws") as ws:
            load_story(ws, root / "data")
            refresh(ws)
            ws.appdb.create_user("zhangsan", PASSWORD, role="sales_rep", staff_id="U1")
            ws.appdb.create_user("zhao", PASSWORD, role="sales_manager", staff_id="M1")
            ws.appdb.create_user("analyst", PASSWORD, role="analyst")

    built = built_once(tmp_path_factory, "metrics-story", build)
    return copy_of(built / "ws", tmp_path_factory.mktemp("metrics") / "ws")


@pytest.fixture(scope="module")
def story(story_dir) -> Iterator[Workspace]:
    ws = Workspace.open(story_dir, read_only=True)
    yield ws
    ws.close()

