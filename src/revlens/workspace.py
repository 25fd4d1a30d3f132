"""A workspace: settings + warehouse + app database, opened together.

    with Workspace.open("~/revlens-demo") as ws:
        ws.warehouse.row_counts()
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from revlens.appdb import AppDB, pid_alive
from revlens.appdb.models import COUNT_FIELDS
from revlens.config import (
    SETTINGS_FILE,
    Settings,
    default_settings_toml,
    load_settings,
    resolve_workspace,
)
from revlens.errors import WorkspaceNotInitialised
from revlens.warehouse import Warehouse
from revlens.warehouse.pool import reader
from revlens.warehouse.schema import BATCHES_TABLE

MARKER = SETTINGS_FILE


@dataclass
class InitResult:
    workspace: Path
    created: bool
    admin_password: str | None  # set only when a new admin was created with a generated one


class Workspace:
    def __init__(self, settings: Settings, read_only: bool = False, *,
                 appdb: AppDB | None = None, warehouse: Warehouse | None = None):
        """`appdb` and `warehouse` given are used instead of opening them; `close()` closes
        the warehouse, and the app database only when it opened it."""
        self.settings = settings
        self.read_only = read_only
        self._own_appdb = appdb is None
        self.appdb = AppDB(settings.app_db_url) if appdb is None else appdb
        try:
            self.warehouse = Warehouse(settings, read_only=read_only) if warehouse is None \
                else warehouse
        except BaseException:
            if self._own_appdb:
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
    def for_request(cls, workspace: str | Path | None = None,
                    appdb: AppDB | None = None) -> Workspace:
        """Read-only, for one request of the web app: the warehouse connects at its first
        query, which a result kept from before needs none of (`revlens.metrics.cache`), and
        in `revlens serve` the connection is one kept between requests
        (`revlens.warehouse.pool`); `appdb`: the process's app database (left open)."""
        settings = _served_settings(workspace)
        return cls(settings, read_only=True, appdb=appdb, warehouse=reader(settings))

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
        if self._own_appdb:
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


_SERVED: dict[tuple, Settings] = {}
_SERVED_LOCK = threading.Lock()


def _served_settings(workspace: str | Path | None) -> Settings:
    """`load_settings(workspace)`, kept while the workspace's settings file and the REVLENS_
    environment stay the same: building settings takes milliseconds, and every request of the
    web app reads them. The settings are shared: never change them."""
    root = resolve_workspace(workspace)
    try:
        stat = (root / MARKER).stat()
    except FileNotFoundError:
        raise WorkspaceNotInitialised(root) from None
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("REVLENS_")))
    key = (str(root), stat.st_ino, stat.st_size, stat.st_mtime_ns, env)
    with _SERVED_LOCK:
        found = _SERVED.get(key)
    if found is None:
        found = load_settings(root)
        with _SERVED_LOCK:
            if len(_SERVED) >= 16:
                _SERVED.pop(next(iter(_SERVED)))
            _SERVED[key] = found
    return found

