"""The one import path: read -> match headers -> validate -> upsert, in one transaction.

`import_file` records a batch in the app database before it starts ("running") and settles it
after ("completed" with its counts, or "failed" with the error). The warehouse part — the
entity's rows, the rejects and the batch's committed record — is one transaction: a crash or a
kill at any point leaves the warehouse as it was before the import.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from revlens.appdb.models import COUNT_FIELDS
from revlens.contract.entities import entity as get_entity
from revlens.ingest.headers import load_mapping, match_headers
from revlens.ingest.readers import file_hash, read_file
from revlens.ingest.validate import Validated, validate
from revlens.warehouse.schema import BATCHES_TABLE, REJECTS_TABLE
from revlens.warehouse.upsert import UpsertCounts, upsert
from revlens.workspace import Workspace

Progress = Callable[[str], None]


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
                progress: Progress | None = None) -> ImportResult:
    """Import one file of `entity` into the workspace's warehouse."""
    ent = get_entity(entity)
    path = Path(path)
    started = datetime.now(UTC)
    batch_id = started.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:8]
    step = progress or (lambda _msg: None)
    step(f"reading {path.name}")
    raw = read_file(path, fmt)
    digest = file_hash(path)
    ws.appdb.start_batch(batch_id, ent.name, path.name, digest, raw.source_format, user,
                         {"mapping": str(mapping) if mapping else None})
    try:
        headers = match_headers(raw.table.column_names, ent, load_mapping(
            Path(mapping) if mapping else None), source=path)
        step(f"validating {raw.table.num_rows:,} rows")
        checked = validate(raw, headers, ent, ws.settings, fx_rates=lambda: _fx_rates(ws))
        step("writing")
        counts = _write(ws, ent.name, batch_id, path.name, digest, checked)
    except BaseException as exc:
        ws.appdb.finish_batch(batch_id, "failed", error=str(exc), rows_read=raw.table.num_rows)
        raise
    result = ImportResult(
        batch_id, ent.name, checked.rows_read, counts.inserted, counts.updated,
        counts.unchanged, checked.rejected,
        checked.warnings + len(counts.superseded_rows) + len(counts.stale_rows),
        source=str(path), seconds=(datetime.now(UTC) - started).total_seconds())
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
        wh.append(BATCHES_TABLE, pa.table({
            "batch_id": [batch_id], "entity": [entity], "source_name": [source],
            "source_hash": [digest], "rows_read": [checked.rows_read],
            "inserted": [counts.inserted], "updated": [counts.updated],
            "unchanged": [counts.unchanged], "rejected": [checked.rejected],
            "warnings": [warnings],
            "committed_at": pa.array([datetime.now(UTC)], pa.timestamp("us", tz="UTC")),
        }))
        _fault("before_commit")
    return counts


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
