"""A workspace: settings + warehouse + app database, opened together.

    with Workspace.open("~/revlens-demo") as ws:
        ws.warehouse.row_counts()
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from revlens.appdb import AppDB, pid_alive
from revlens.appdb.models import COUNT_FIELDS
from revlens.config import SETTINGS_FILE, Settings, default_settings_toml, load_settings
from revlens.errors import WorkspaceNotInitialised
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import BATCHES_TABLE

MARKER = SETTINGS_FILE


@dataclass
class InitResult:
    workspace: Path
    created: bool
    admin_password: str | None  # set only when a new admin was created with a generated one


class Workspace:
    def __init__(self, settings: Settings, read_only: bool = False):
        self.settings = settings
        self.read_only = read_only
        self.appdb = AppDB(settings.app_db_url)
        try:
            self.warehouse = Warehouse(settings, read_only=read_only)
        except BaseException:
            self.appdb.close()
            raise

    @classmethod
    def open(cls, workspace: str | Path | None = None, read_only: bool = False,
             **overrides: object) -> Workspace:
        """Open an initialised workspace; stale 'running' batches are settled first."""
        settings = load_settings(workspace, **overrides)
        if not (settings.workspace / MARKER).exists():
            raise WorkspaceNotInitialised(settings.workspace)
        ws = cls(settings, read_only=read_only)
        if not read_only:
            ws.settle_interrupted_batches()
        return ws

    @classmethod
    def init(cls, workspace: str | Path | None = None, admin_password: str | None = None,
             **overrides: object) -> InitResult:
        """Create (or upgrade) a workspace: settings file, warehouse schema, app database and
        an `admin` user. Running it again only applies new migrations."""
        settings = load_settings(workspace, **overrides)
        settings.workspace.mkdir(parents=True, exist_ok=True)
        marker = settings.workspace / MARKER
        created = not marker.exists()
        if created:
            marker.write_text(default_settings_toml(settings), encoding="utf-8")
        generated = None
        with cls(settings) as ws:
            ws.warehouse.migrate()
            ws.appdb.migrate()
            if not any(u.username == "admin" for u in ws.appdb.users()):
                password = admin_password or secrets.token_urlsafe(12)
                generated = None if admin_password else password
                ws.appdb.create_user("admin", password, role="admin",
                                     display_name="Administrator")
        return InitResult(settings.workspace, created, generated)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.warehouse.close()
        self.appdb.close()

    def settle_interrupted_batches(self) -> None:
        """Batches left 'running' by a process that died are marked completed if their
        warehouse transaction committed, else interrupted (nothing was written)."""
        stale = [b for b in self.appdb.running_batches() if not pid_alive(b.pid)]
        if not stale:
            return
        committed = self.warehouse.table(BATCHES_TABLE)
        for batch in stale:
            rows = self.warehouse.to_arrow(
                committed.filter(committed.batch_id == batch.id)).to_pylist()
            if rows:
                counts = {k: rows[0][k] for k in COUNT_FIELDS}
                self.appdb.finish_batch(batch.id, "completed", **counts)
            else:
                self.appdb.finish_batch(batch.id, "interrupted",
                                        error="the import process stopped before committing; "
                                              "nothing was written — run the import again")
