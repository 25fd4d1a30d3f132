"""What every `revlens` command group shares: its consoles and its common options."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

_WIDTH = None if sys.stdout.isatty() else 160
out = Console(width=_WIDTH)
err = Console(stderr=True, width=_WIDTH)

WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", "-w", envvar="REVLENS_WORKSPACE",
    help="workspace directory (default ~/.revlens)")]
MappingOpt = Annotated[Path | None, typer.Option(
    help="YAML file of `source header: canonical name` lines")]
InputFormatOpt = Annotated[str | None, typer.Option(
    "--input-format", help="file format when the extension does not tell")]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
From = Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"],
                                               help="first day (YYYY-MM-DD)")]
To = Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"],
                                             help="last day, inclusive (YYYY-MM-DD)")]


def emit(records: list[dict], fmt: Format, title: str) -> None:
    """Records as a JSON array, CSV with a header, or a table (columns in first-seen order)."""
    if fmt == Format.json:
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    columns = list(dict.fromkeys(k for r in records for k in r)) if records else []
    if fmt == Format.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return
    table = Table(*columns, title=title)
    for r in records:
        table.add_row(*[cell(r.get(c)) for c in columns])
    out.print(table)


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def open_read_only(workspace: Path | None):
    """The workspace opened for reading (a running `revlens serve` may hold it too)."""
    from revlens.workspace import Workspace

    return Workspace.open(workspace, read_only=True)


@contextmanager
def app_database(workspace: Path | None) -> Iterator:
    """The workspace's settings and app database only: the warehouse may be held by a
    running `revlens serve`, and users, sources and definitions live in the app database."""
    from revlens.appdb import AppDB
    from revlens.config import load_settings
    from revlens.errors import WorkspaceNotInitialised
    from revlens.workspace import MARKER

    settings = load_settings(workspace)
    if not (settings.workspace / MARKER).exists():
        raise WorkspaceNotInitialised(settings.workspace)
    db = AppDB(settings.app_db_url)
    try:
        yield settings, db
    finally:
        db.close()


def user_scope(ws, username: str | None):
    """The row-level scope of the RevLens user `username` (everything when None)."""
    from revlens.metrics.exceptions import UnknownUser
    from revlens.metrics.scope import Scope, scope_of_user

    if username is None:
        return Scope.everything()
    user = ws.appdb.user(username)
    if user is None:
        raise UnknownUser(username)
    return scope_of_user(ws.warehouse, user)


def day(moment: datetime | None) -> date | None:
    """A `--from`/`--to` option's value as a date."""
    return moment.date() if moment else None
