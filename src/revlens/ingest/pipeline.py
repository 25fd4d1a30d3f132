"""The one import path: read -> match headers -> validate -> upsert, in one transaction.

`import_file` records a batch in the app database before it starts ("running") and settles it
after ("completed" with its counts, or "failed" with the error). The warehouse part — the
entity's rows, the rejects and the batch's committed record — is one transaction: a crash or a
kill at any point leaves the warehouse as it was before the import.

Files that are not in the contract's own layout (an ad platform's report export) come in through
the same path with a `FileShape`, which says how to read the file, how its headers map to the
entity's columns, and what to add to the validated rows (see revlens.connectors.ads).
Rows that are not a file at all (a CRM database's query result) come in chunks through
`import_chunks` (see revlens.connectors.sync).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from revlens.appdb.models import COUNT_FIELDS
from revlens.contract.entities import Entity
from revlens.contract.entities import entity as get_entity
from revlens.ingest.headers import HeaderMap, load_mapping, match_headers
from revlens.ingest.readers import RawTable, file_hash, read_file
from revlens.ingest.validate import Validated, validate
from revlens.warehouse.connection import Warehouse
from revlens.warehouse.schema import BATCHES_TABLE, REJECTS_TABLE
from revlens.warehouse.upsert import UpsertCounts, upsert
from revlens.workspace import Workspace

Progress = Callable[[str], None]


class FileShape(Protocol):
    """A kind of source file with its own layout. `read` runs before the batch is recorded
    (an unreadable file leaves no batch); `match` and `refine` run inside it, so their errors
    mark the batch failed."""

    name: str

    def read(self, path: Path, fmt: str | None) -> RawTable:
        """The file's data rows as text, with their file row numbers."""

    def match(self, raw: RawTable, ent: Entity, mapping: dict[str, str],
              source: Path) -> HeaderMap:
        """Headers -> columns (the user's `mapping` wins); ImportFileError naming what is
        missing."""

    def refine(self, ws: Workspace, checked: Validated) -> Validated:
        """The validated rows with what the shape derives (columns added, none removed)."""


@dataclass
class ImportResult:
    """What one import did. rows_read == inserted + updated + unchanged + rejected."""

    batch_id: str
    entity: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    source: str = ""
    seconds: float = 0.0

    def summary(self) -> dict[str, object]:
        """The `--format json` object."""
        return {"batch_id": self.batch_id, "entity": self.entity, **self.counts()}

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in COUNT_FIELDS}


def _fault(point: str) -> None:
    """Fault injection for the crash-atomicity tests: REVLENS_FAULT=<point> kills the process
    at that point as `kill -9` would."""
    if os.environ.get("REVLENS_FAULT") == point:
        os.kill(os.getpid(), 9)


def import_file(ws: Workspace, entity: str, path: str | Path, *, mapping: str | Path | None = None,
                fmt: str | None = None, user: str = "cli",
                progress: Progress | None = None, shape: FileShape | None = None
                ) -> ImportResult:
    """Import one file of `entity` into the workspace's warehouse; `shape` reads a file that
    is not in the contract's own layout."""
    ent = get_entity(entity)
    path = Path(path)
    started = datetime.now(UTC)
    batch_id = _batch_id(started)
    step = progress or (lambda _msg: None)
    step(f"reading {path.name}")
    raw = shape.read(path, fmt) if shape else read_file(path, fmt)
    digest = file_hash(path)
    options = {"mapping": str(mapping) if mapping else None}
    if shape:
        options["shape"] = shape.name
    ws.appdb.start_batch(batch_id, ent.name, path.name, digest, raw.source_format, user,
                         options)
    try:
        given = load_mapping(Path(mapping) if mapping else None)
        headers = (shape.match(raw, ent, given, path) if shape
                   else match_headers(raw.table.column_names, ent, given, source=path))
        step(f"validating {raw.table.num_rows:,} rows")
        checked = validate(raw, headers, ent, ws.settings, fx_rates=lambda: _fx_rates(ws))
        if shape:
            checked = shape.refine(ws, checked)
        step("writing")
        counts = _write(ws, ent.name, batch_id, path.name, digest, checked)
    except BaseException as exc:
        ws.appdb.finish_batch(batch_id, "failed", error=str(exc), rows_read=raw.table.num_rows)
        raise
    return _completed(ws, batch_id, ent, checked, counts, str(path), started)


def import_rows(ws: Workspace, entity: str, raw: RawTable, *, source_name: str,
                source_hash: str = "", user: str = "api",
                refine: Callable[[Validated], Validated] | None = None) -> ImportResult:
    """Import rows that arrived in memory (the tracking API's spooled events, form webhooks)
    through the same validate -> upsert -> rejects -> batch log as a file: `raw`'s columns are
    the entity's canonical names; `refine` may add columns (e.g. `extra`) to the valid rows."""
    ent = get_entity(entity)
    started = datetime.now(UTC)
    batch_id = _batch_id(started)
    ws.appdb.start_batch(batch_id, ent.name, source_name, source_hash, raw.source_format, user)
    try:
        headers = HeaderMap({c: c for c in raw.table.column_names})
        checked = validate(raw, headers, ent, ws.settings, fx_rates=lambda: _fx_rates(ws))
        if refine:
            checked = refine(checked)
        counts = _write(ws, ent.name, batch_id, source_name, source_hash, checked)
    except BaseException as exc:
        ws.appdb.finish_batch(batch_id, "failed", error=str(exc), rows_read=raw.table.num_rows)
        raise
    return _completed(ws, batch_id, ent, checked, counts, source_name, started)


def _batch_id(started: datetime) -> str:
    return started.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:8]


def _completed(ws: Workspace, batch_id: str, ent: Entity, checked: Validated,
               counts: UpsertCounts, source: str, started: datetime) -> ImportResult:
    """The result of a one-part import, recorded as its batch's completion."""
    result = ImportResult(
        batch_id, ent.name, checked.rows_read, counts.inserted, counts.updated,
        counts.unchanged, checked.rejected,
        checked.warnings + len(counts.superseded_rows) + len(counts.stale_rows),
        source=source, seconds=(datetime.now(UTC) - started).total_seconds())
    ws.appdb.finish_batch(batch_id, "completed", **result.counts())
    return result


def _fx_rates(ws: Workspace) -> pa.Table:
    rates = ws.warehouse.table("fx_rates")
    return ws.warehouse.to_arrow(rates.select("date", "currency", "rate_to_workspace_currency"))


def _write(ws: Workspace, entity: str, batch_id: str, source: str, digest: str,
           checked: Validated) -> UpsertCounts:
    wh = ws.warehouse
    with wh.transaction():
        counts = upsert(wh, get_entity(entity), checked.rows, batch_id)
        _fault("after_upsert")
        issues = _issue_rows(checked, counts, batch_id, entity)
        if issues.num_rows:
            wh.append(REJECTS_TABLE, issues)
        warnings = checked.warnings + len(counts.superseded_rows) + len(counts.stale_rows)
        _record_batch(wh, batch_id, entity, source, digest, checked.rows_read, counts,
                      checked.rejected, warnings)
        _fault("before_commit")
    return counts


def _record_batch(wh: Warehouse, batch_id: str, entity: str, source: str, digest: str,
                  rows_read: int, counts: UpsertCounts, rejected: int, warnings: int) -> None:
    """The batch's committed record in the warehouse (inside the import's transaction)."""
    wh.append(BATCHES_TABLE, pa.table({
        "batch_id": [batch_id], "entity": [entity], "source_name": [source],
        "source_hash": [digest], "rows_read": [rows_read],
        "inserted": [counts.inserted], "updated": [counts.updated],
        "unchanged": [counts.unchanged], "rejected": [rejected], "warnings": [warnings],
        "committed_at": pa.array([datetime.now(UTC)], pa.timestamp("us", tz="UTC")),
    }))


Refine = Callable[[RawTable, Validated], Validated]
OnCommit = Callable[[Warehouse, ImportResult], None]


def import_chunks(ws: Workspace, entity: str, chunks: Iterable[RawTable], *, source_name: str,
                  source_hash: str, source_format: str, user: str = "cli",
                  options: dict | None = None, refine: Refine | None = None,
                  on_commit: OnCommit | None = None,
                  progress: Progress | None = None) -> ImportResult:
    """Import rows that are not a file (a database query's result) through the same path as
    `import_file`: one batch in the app database, the same validation, rejects and natural-key
    upsert, and ONE warehouse transaction over all `chunks`, so memory holds one chunk at a
    time. Row numbers are the chunks' own. `refine` may amend each validated chunk (add to
    the reasons, say); `on_commit` writes more inside the transaction (a sync's high-water
    mark), so it commits with the rows or not at all.

    Across chunks a key read twice is written twice (inserted, then updated), not superseded.
    """
    ent = get_entity(entity)
    started = datetime.now(UTC)
    batch_id = _batch_id(started)
    step = progress or (lambda _msg: None)
    ws.appdb.start_batch(batch_id, ent.name, source_name, source_hash, source_format, user,
                         options)
    total = UpsertCounts()
    read = rejected = warnings = 0
    try:
        with ws.warehouse.transaction() as wh:
            headers = None
            for raw in chunks:
                headers = headers or match_headers(raw.table.column_names, ent,
                                                   source=source_name)
                checked = validate(raw, headers, ent, ws.settings,
                                   fx_rates=lambda: _fx_rates(ws))
                if refine:
                    checked = refine(raw, checked)
                counts = upsert(wh, ent, checked.rows, batch_id)
                issues = _issue_rows(checked, counts, batch_id, ent.name)
                if issues.num_rows:
                    wh.append(REJECTS_TABLE, issues)
                total.inserted += counts.inserted
                total.updated += counts.updated
                total.unchanged += counts.unchanged
                read += checked.rows_read
                rejected += checked.rejected
                warnings += (checked.warnings + len(counts.superseded_rows)
                             + len(counts.stale_rows))
                step(f"{ent.name}: {read:,} rows")
            _fault("after_upsert")
            _record_batch(wh, batch_id, ent.name, source_name, source_hash, read, total,
                          rejected, warnings)
            result = ImportResult(batch_id, ent.name, read, total.inserted, total.updated,
                                  total.unchanged, rejected, warnings, source=source_name,
                                  seconds=(datetime.now(UTC) - started).total_seconds())
            if on_commit:
                on_commit(wh, result)
            _fault("before_commit")
    except BaseException as exc:
        ws.appdb.finish_batch(batch_id, "failed", error=str(exc), rows_read=read)
        raise
    ws.appdb.finish_batch(batch_id, "completed", **result.counts())
    return result


def _issue_rows(checked: Validated, counts: UpsertCounts, batch_id: str,
                entity: str) -> pa.Table:
    issues = checked.issues
    extra = [(row, "", None, "superseded by a later row with the same key in this file",
              "warning") for row in counts.superseded_rows]
    extra += [(row, "updated_at", None, "older than the stored row's updated_at; not applied",
               "warning") for row in counts.stale_rows]
    if extra:
        more = pa.table(list(zip(*extra, strict=True)), schema=issues.schema)
        issues = pa.concat_tables([issues, more])
    n = issues.num_rows
    return pa.table({
        "batch_id": pa.repeat(batch_id, n), "entity": pa.repeat(entity, n),
        "row_number": issues["row_number"], "column": issues["column"],
        "value": issues["value"], "reason": issues["reason"], "severity": issues["severity"],
    })


def rejects(ws: Workspace, batch_id: str) -> pa.Table:
    """The issues of a batch (errors and warnings), by row number."""
    ws.appdb.batch(batch_id)  # raises UnknownBatch
    table = ws.warehouse.table(REJECTS_TABLE)
    expr = table.filter(table.batch_id == batch_id).order_by(["row_number", "column"])
    return ws.warehouse.to_arrow(expr.select("row_number", "column", "value", "reason",
                                             "severity"))
