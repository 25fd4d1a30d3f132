"""The flusher: spooled events -> the warehouse, in batches, through the import path.

Touchpoints and leads go through `ingest.pipeline.import_rows` (validation, natural-key upsert,
rejects, the batch log), identity links through an insert of the edges not stored yet. The
spool marks events flushed only after the warehouse committed them; a crash in between makes
the next flush write them again, which changes nothing (the upsert and the link insert are
idempotent). While another process holds the warehouse the events stay in the spool and the
next round retries: the flusher never fails with a lock error.

`Flusher` runs this in a child process of `revlens serve`; `revlens tracking flush` runs it
once from the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field

import ibis
import pyarrow as pa

from revlens.config import Settings
from revlens.errors import WorkspaceBusy
from revlens.ingest.pipeline import ImportResult, import_rows
from revlens.ingest.readers import RawTable
from revlens.ingest.validate import Validated
from revlens.tracking.segment import LINKS, TOUCHPOINT, touchpoint_table
from revlens.tracking.spool import Spool, Spooled, spool_path
from revlens.warehouse.connection import in_process_writer, writer_key
from revlens.warehouse.schema import IDENTITY_LINKS_SCHEMA, IDENTITY_LINKS_TABLE
from revlens.workspace import Workspace

log = logging.getLogger(__name__)
FORM = "form"
BATCH_EVENTS = 50_000
LINK_KEY = ("from_kind", "from_value", "to_kind", "to_value")


@dataclass
class FlushResult:
    """One round: how many spooled events it moved, and what the imports did with them."""

    events: int = 0
    imports: list[ImportResult] = field(default_factory=list)
    links_added: int = 0
    busy: bool = False          # the warehouse was held by another process; retried later

    def summary(self) -> dict[str, object]:
        return {"events": self.events, "links_added": self.links_added, "busy": self.busy,
                "imports": [r.summary() for r in self.imports]}


def flush_once(settings: Settings, spool: Spool, limit: int = BATCH_EVENTS) -> FlushResult:
    """Move up to `limit` pending events into the warehouse."""
    batch = spool.pending(limit)
    if not batch:
        return FlushResult()
    with in_process_writer(writer_key(settings.warehouse_url)):
        try:
            ws = Workspace(settings)
        except WorkspaceBusy:
            return FlushResult(busy=True)
        with ws:
            ws.settle_interrupted_batches()
            result = write(ws, batch)
    spool.mark_flushed(batch)
    return result


def flush_all(settings: Settings, spool: Spool, limit: int = BATCH_EVENTS) -> FlushResult:
    """Drain the spool (rounds of `limit` events) unless the warehouse is busy."""
    total = FlushResult()
    while True:
        done = flush_once(settings, spool, limit)
        total.events += done.events
        total.imports += done.imports
        total.links_added += done.links_added
        if done.busy:
            total.busy = True
            return total
        if done.events < limit:
            return total


def write(ws: Workspace, batch: list[Spooled]) -> FlushResult:
    result = FlushResult(events=len(batch))
    digest = hashlib.sha256("\n".join(e.message_id for e in batch).encode()).hexdigest()
    touches = [(e.seq, e.payload) for e in batch if e.kind == TOUCHPOINT]
    touches += [(e.seq, e.payload["touchpoint"]) for e in batch if e.kind == FORM]
    leads = [(e.seq, e.payload["lead"]) for e in batch if e.kind == FORM]
    if leads:  # leads first: a form's touchpoint names its lead
        result.imports.append(_import(ws, "leads", leads, "form webhooks", digest))
    if touches:
        result.imports.append(_import(ws, "touchpoints", touches, "tracking API", digest))
    links = [e for e in batch if e.kind == LINKS]
    if links:
        result.links_added = _add_links(ws, links)
    return result


def _import(ws: Workspace, entity: str, rows: list[tuple[int, dict]], source: str,
            digest: str) -> ImportResult:
    numbers = [seq for seq, _ in rows]
    if entity == "touchpoints":
        raw = touchpoint_table([r for _, r in rows], numbers)
    else:
        raw = _lead_table([r for _, r in rows], numbers)
    extras = {seq: row.get("extra") for seq, row in rows}

    def with_extra(checked: Validated) -> Validated:
        values = [extras.get(n) for n in checked.rows["_row"].to_pylist()]
        checked.rows = checked.rows.append_column("extra", pa.array(values, pa.string()))
        return checked

    return import_rows(ws, entity, raw, source_name=source, source_hash=digest,
                       user="tracking", refine=with_extra)


def _lead_table(rows: list[dict], numbers: list[int]) -> RawTable:
    from revlens.contract.entities import entity

    names = [c for c in entity("leads").column_names if any(c in r for r in rows)]
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in names})
    return RawTable(table, pa.array(numbers, pa.int64()), "json")


def _add_links(ws: Workspace, events: list[Spooled]) -> int:
    """Insert the edges not stored yet (the first observation of an edge is kept)."""
    seen: dict[tuple[str, ...], dict] = {}
    for event in events:
        for edge in event.payload["links"]:
            key = tuple(edge[k] for k in LINK_KEY)
            seen.setdefault(key, {**edge, "source": event.source, "message_id": event.message_id,
                                  "observed_at": event.payload["observed_at"],
                                  "traits": event.payload.get("traits")})
    if not seen:
        return 0
    schema = IDENTITY_LINKS_SCHEMA.to_pyarrow()
    rows = list(seen.values())
    columns = {name: [r.get(name) for r in rows] for name in schema.names if name != "_loaded_at"}
    columns["observed_at"] = pa.array(columns["observed_at"], pa.string()).cast(
        pa.timestamp("us", tz="UTC"))
    staged = ibis.memtable(pa.table({k: pa.array(v) if not isinstance(v, pa.Array) else v
                                     for k, v in columns.items()}))
    wh = ws.warehouse
    stored = wh.table(IDENTITY_LINKS_TABLE)
    fresh = staged.anti_join(stored, list(LINK_KEY))
    fresh = fresh.mutate(_loaded_at=ibis.now()).select(
        **{name: fresh[name].cast(dtype) if name != "_loaded_at" else ibis.now().cast(dtype)
           for name, dtype in IDENTITY_LINKS_SCHEMA.items()})
    with wh.transaction():
        new = wh.create_temp("_links_new", fresh)
        added = int(new.count().execute())
        if added:
            wh.append(IDENTITY_LINKS_TABLE, new)
        wh.drop_temp("_links_new")
    return added


class Flusher:
    """Moves the spool into the warehouse every `interval` seconds while `revlens serve` runs
    (sooner when `nudge()`d), in a child process: its validation and upserts then never hold
    the server's interpreter while requests wait to be answered.

    The child (`python -m revlens.tracking.flush`) takes the settings as JSON in its
    environment; a line on its stdin wakes it, the end of its stdin stops it after a last
    round. So it also stops when the server dies, however it dies: a killed server's pipe
    closes. It ignores SIGINT and SIGTERM, which reach the whole process group at Ctrl+C, so
    that the server's own shutdown, not the signal, ends it.
    """

    def __init__(self, settings: Settings, spool: Spool, interval: float = 1.0):
        self.settings, self.interval = settings, interval
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        # background work: one DuckDB thread, and a lower CPU priority than the requests
        settings = self.settings.model_copy(update={"duckdb_threads": 1})
        env = {**os.environ, SETTINGS_ENV: settings.model_dump_json()}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "revlens.tracking.flush", "--interval", str(self.interval)],
            stdin=subprocess.PIPE, env=env)

    def nudge(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self._process.stdin.write(b"\n")
            self._process.stdin.flush()

    def stop(self, timeout: float = 60) -> None:
        if self._process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            self._process.stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:  # a last round that cannot finish: stays spooled
            self._process.kill()
            self._process.wait()


SETTINGS_ENV = "REVLENS_FLUSHER_SETTINGS"


def run_flusher(settings: Settings, interval: float, wake_source=None) -> None:
    """The child's loop: a round every `interval` seconds or when a line arrives on
    `wake_source` (stdin); at its end, a last round."""
    wake, stop = threading.Event(), threading.Event()
    source = wake_source or sys.stdin.buffer

    def listen() -> None:
        for _line in source:
            wake.set()
        stop.set()
        wake.set()

    threading.Thread(target=listen, name="revlens-flusher-stdin", daemon=True).start()
    with Spool(spool_path(settings.workspace)) as spool:
        while not stop.is_set():
            wake.wait(interval)
            wake.clear()
            _round(settings, spool)
        _round(settings, spool)  # what arrived before the stop


def _round(settings: Settings, spool: Spool) -> None:
    try:
        done = flush_all(settings, spool)
        spool.checkpoint()  # the server's spool connection leaves checkpoints to this one
    except Exception:  # keep the events spooled; the next round retries
        log.exception("tracking flush failed; the events stay in the spool")
        return
    if done.events:
        log.info("tracking flush: %s", json.dumps(done.summary(), default=str))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m revlens.tracking.flush")
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(5)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s revlens.flush: %(message)s")
    settings = Settings.model_validate_json(os.environ[SETTINGS_ENV])
    run_flusher(settings, args.interval)


if __name__ == "__main__":
    main()
