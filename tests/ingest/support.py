"""Small helpers the import stories share: write a fixture file, read back what was stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from revlens.ingest.pipeline import ImportResult, import_file, rejects
from revlens.workspace import Workspace


def utc(*parts: int) -> datetime:
    """datetime(..., tzinfo=UTC): how the warehouse hands timestamps back."""
    return datetime(*parts, tzinfo=UTC)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write a fixture file exactly as `text`, in `encoding` (newline = LF)."""
    path.write_bytes(text.encode(encoding))
    return path


def load(ws: Workspace, entity: str, path: Path, **options) -> ImportResult:
    """Import and check the invariant every import keeps."""
    result = import_file(ws, entity, path, **options)
    assert result.rows_read == (result.inserted + result.updated + result.unchanged
                                + result.rejected), result
    return result


def stored(ws: Workspace, entity: str, *columns: str) -> list[dict]:
    """Rows of `entity` (all columns when none are named), sorted by the columns shown in
    order, nulls first."""
    table = ws.warehouse.to_arrow(ws.warehouse.table(entity))
    if columns:
        table = table.select(list(columns))
    return sorted(table.to_pylist(),
                  key=lambda row: [(v is not None, str(v)) for v in row.values()])


def issues(ws: Workspace, batch_id: str) -> list[tuple]:
    """(row, column, value, reason, severity) of each reject or warning of a batch."""
    return [tuple(r.values()) for r in rejects(ws, batch_id).to_pylist()]


def counts(result: ImportResult) -> dict[str, int]:
    keys = ("rows_read", "inserted", "updated", "unchanged", "rejected", "warnings")
    return {k: getattr(result, k) for k in keys}
