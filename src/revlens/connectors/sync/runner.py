"""`revlens sync SOURCE`: each entity's query, incremental by its updated_at column, through the
one import path (`revlens.ingest.pipeline.import_chunks`).

Two steps, so that nothing is written (and the warehouse is not held) until the source is
known to work:
- `prepare` resolves the URL from the environment, connects, and runs every entity's query
  with LIMIT 0: a missing variable, an unreachable server, a failing query or a query without
  the updated_at column each stop here with a one-line error;
- `SyncPlan.run` imports each entity in its own transaction, one batch each, and writes the
  entity's new high-water mark in that same transaction.

Invariants:
- per entity, rows_read == inserted + updated + unchanged + rejected (as for `revlens import`);
- the stored mark is the greatest updated_at of the rows read (rejected rows included: a
  record fixed in the CRM changes its updated_at and is read again); it never moves without
  the rows it covers;
- an entity whose query returns nothing records no batch (its last_run_at still moves).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy.engine import Engine

from revlens.connectors.sync import state as sync_state
from revlens.connectors.sync.config import DatabaseSource, SourcesFile
from revlens.connectors.sync.database import (
    ChunkReader,
    Mark,
    connect,
    decode_mark,
    encode_mark,
    open_engine,
    probe,
)
from revlens.connectors.sync.exceptions import MissingUpdatedAt
from revlens.contract.entities import Entity
from revlens.contract.entities import entity as get_entity
from revlens.ingest.headers import match_headers
from revlens.ingest.pipeline import ImportResult, Progress, import_chunks
from revlens.ingest.readers import RawTable
from revlens.ingest.validate import Validated
from revlens.warehouse import Warehouse
from revlens.workspace import Workspace


@dataclass
class SyncResult:
    """What syncing one entity did: the import's counts plus the marks before and after."""

    source: str
    result: ImportResult          # batch_id "" when the query returned no rows
    previous_mark: str | None
    high_water_mark: str | None
    full: bool = False

    @property
    def entity(self) -> str:
        return self.result.entity

    def summary(self) -> dict[str, object]:
        """The `--format json` object: `revlens import`'s, plus the source and the marks."""
        return {"source": self.source, **self.result.summary(),
                "batch_id": self.result.batch_id or None, "full": self.full,
                "previous_mark": self.previous_mark, "high_water_mark": self.high_water_mark}


@dataclass
class SyncPlan:
    """A source checked and connected, ready to run. Close it (or use `with`)."""

    source: DatabaseSource
    entities: list[str]
    engine: Engine

    def __enter__(self) -> SyncPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def run(self, ws: Workspace, *, full: bool = False, user: str = "cli",
            progress: Progress | None = None) -> Iterator[SyncResult]:
        """Sync each entity in turn (each its own transaction), yielding its result."""
        sync_state.require_table(ws.warehouse)
        for name in self.entities:
            yield self._entity(ws, name, full, user, progress)

    def _entity(self, ws: Workspace, name: str, full: bool, user: str,
                progress: Progress | None) -> SyncResult:
        source, wh = self.source, ws.warehouse
        previous = sync_state.state(wh, source.name, name)
        before = None if full else previous
        stored = decode_mark(before.high_water_mark) if before else None
        zone = source.timezone or ws.settings.timezone
        with connect(self.engine, source) as conn:
            reader = ChunkReader(conn, source, name, zone,
                                 since=_looking_back(stored, source.lookback_seconds),
                                 mark=stored,
                                 keys_at_mark=before.seen_at_mark() if before else set())
            chunks = reader.chunks()
            first = next(chunks, None)
            if first is None:  # nothing changed: no batch; only last_run_at moves
                with wh.transaction():
                    sync_state.save(wh, self._state(name, reader, previous, None, 0))
                return SyncResult(source.name, ImportResult("", name, 0, 0, 0, 0, 0, 0,
                                                            source=f"{source.name}.{name}"),
                                  _mark_of(previous), encode_mark(reader.mark), full)
            result = import_chunks(
                ws, name, itertools.chain([first], chunks),
                source_name=f"{source.name}.{name}", source_hash=_query_hash(source, name),
                source_format=conn.dialect.name, user=user,
                options={"sync": source.name, "since": encode_mark(reader.since),
                         "full": full},
                refine=_KeyedReasons(get_entity(name)),
                on_commit=lambda wh, done: sync_state.save(
                    wh, self._state(name, reader, previous, done.batch_id, done.rows_read)),
                progress=progress)
        return SyncResult(source.name, result, _mark_of(previous), encode_mark(reader.mark),
                          full)

    def _state(self, entity: str, reader: ChunkReader, previous: sync_state.SyncState | None,
               batch_id: str | None, rows: int) -> sync_state.SyncState:
        """The entity's state after a read: the reader's mark and keys at it."""
        return sync_state.SyncState(
            self.source.name, entity, encode_mark(reader.mark),
            batch_id or (previous.last_batch_id if previous else None), sync_state.now(), rows,
            sync_state.SyncState.keys_text(reader.keys_at_mark))


def _mark_of(state: sync_state.SyncState | None) -> str | None:
    return state.high_water_mark if state else None


def _looking_back(mark: Mark | None, seconds: int) -> Mark | None:
    """Where the next read starts: the mark, less the lookback for date/time marks."""
    if mark is None or not seconds or isinstance(mark, int):
        return mark
    if not isinstance(mark, datetime):  # a date: whole days back
        return mark - timedelta(days=-(-seconds // 86_400))
    return mark - timedelta(seconds=seconds)


def _query_hash(source: DatabaseSource, entity: str) -> str:
    """The batch's source hash: what was asked (the query and its updated_at column)."""
    query = source.query_of(entity)
    text = f"{query.query}\n-- updated_at: {source.updated_at_of(entity)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class _KeyedReasons:
    """Adds the record's key to each reason: a query's row number alone does not find the
    record in the CRM, its key does ("... (record contact_id=C2)")."""

    ent: Entity

    def __call__(self, raw: RawTable, checked: Validated) -> Validated:
        issues = checked.issues
        if not issues.num_rows:
            return checked
        headers = match_headers(raw.table.column_names, self.ent)
        keys = [(k, headers.header_of(k)) for k in self.ent.key]
        keys = [(k, h) for k, h in keys if h in raw.table.column_names]
        if not keys:
            return checked
        first = raw.row_numbers[0].as_py()
        index = [n - first for n in issues["row_number"].to_pylist()]
        values = {k: raw.table[h].take(index).to_pylist() for k, h in keys}
        reasons = [f"{reason} (record " + ", ".join(f"{k}={values[k][i]}" for k, _ in keys) + ")"
                   for i, reason in enumerate(issues["reason"].to_pylist())]
        issues = issues.set_column(issues.schema.get_field_index("reason"), "reason",
                                   [reasons])
        return Validated(checked.rows, issues, checked.rows_read, checked.rejected,
                         checked.columns)


def prepare(sources: SourcesFile, name: str, entity: str | None = None) -> SyncPlan:
    """Check the source before anything is written: its variable, its server, each query."""
    source = sources.source(name)
    if entity:
        source.query_of(entity)  # raises UnknownSourceEntity
    entities = [entity] if entity else list(source.entities)
    engine = open_engine(source)
    try:
        with connect(engine, source) as conn:
            for ent in entities:
                columns = probe(conn, source, ent)
                column = source.updated_at_of(ent)
                if column not in columns:
                    raise MissingUpdatedAt(source.name, ent, column, columns)
    except BaseException:
        engine.dispose()
        raise
    return SyncPlan(source, entities, engine)


@dataclass
class SourceStatus:
    """One line of `revlens sync --list`."""

    source: str
    entity: str
    url_env: str
    url_env_set: bool
    schedule: str | None
    next_run: datetime | None
    high_water_mark: str | None = None
    last_run_at: datetime | None = None
    rows: int | None = None
    last_batch_id: str | None = None


def next_run(schedule: str, after: datetime, timezone: str) -> datetime:
    """The first time the cron `schedule` fires after `after`, in the workspace time zone."""
    return croniter(schedule, after.astimezone(ZoneInfo(timezone))).get_next(datetime)


def source_status(wh: Warehouse, sources: SourcesFile, timezone: str,
                  now: datetime | None = None) -> list[SourceStatus]:
    """Every configured (source, entity) with its schedule and stored mark."""
    now = now or sync_state.now()
    stored = sync_state.states(wh)
    lines = []
    for source in sources.sources.values():
        upcoming = next_run(source.schedule, now, timezone) if source.schedule else None
        for name in source.entities:
            line = SourceStatus(source.name, name, source.url_env,
                                bool(os.environ.get(source.url_env)), source.schedule,
                                upcoming)
            if (found := stored.get((source.name, name))) is not None:
                line.high_water_mark, line.last_run_at = (found.high_water_mark,
                                                          found.last_run_at)
                line.rows, line.last_batch_id = found.rows, found.last_batch_id
            lines.append(line)
    return lines
