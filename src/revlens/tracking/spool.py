"""The durable spool: accepted events wait here, on disk, until the flusher moves them into
the warehouse.

A SQLite file in the workspace (`tracking-spool.db`), WAL journal with synchronous=FULL: when
`append` returns, the request's events are on disk (one transaction and one fsync per request,
or per group of requests spooled together by the ingest thread), so a 200 is only sent for
events that survive a kill or a power cut. The server's connection leaves WAL checkpoints to
the flusher's, so that no request waits for one.

De-duplication: `message_id` is unique. A message whose id is already spooled (pending, or
flushed within the retention window, default 7 days) is counted as a duplicate and not stored
again. Flushed events keep only their id and times (the payload is dropped), so the window
costs little. Older duplicates reach the warehouse, where the touchpoint's natural key
(`touchpoint_id` = messageId) makes the upsert a no-op.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SPOOL_FILE = "tracking-spool.db"
RETENTION = timedelta(days=7)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS spool (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT,
        received_at TEXT NOT NULL,
        flushed_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS spool_pending ON spool (seq) WHERE flushed_at IS NULL",
    "CREATE INDEX IF NOT EXISTS spool_flushed ON spool (flushed_at) WHERE flushed_at IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS received (
        source TEXT PRIMARY KEY,
        events INTEGER NOT NULL DEFAULT 0,
        last_at TEXT
    )""",
)
_INSERT = ("INSERT INTO spool (message_id, source, kind, payload, received_at) "
           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING")
_COUNT = ("INSERT INTO received (source, events, last_at) VALUES (?, ?, ?) "
          "ON CONFLICT (source) DO UPDATE SET events = events + excluded.events, "
          "last_at = excluded.last_at")
_PENDING = ("SELECT seq, message_id, source, kind, payload, received_at FROM spool "
            "WHERE flushed_at IS NULL ORDER BY seq LIMIT ?")
_DONE = ("UPDATE spool SET flushed_at = ?, payload = NULL "
         "WHERE seq BETWEEN ? AND ? AND flushed_at IS NULL")
_PURGE = "DELETE FROM spool WHERE flushed_at IS NOT NULL AND flushed_at < ?"


@dataclass(frozen=True)
class Spooled:
    seq: int
    message_id: str
    source: str
    kind: str
    payload: dict
    received_at: str


@dataclass(frozen=True)
class SpoolStats:
    pending: int
    flushed: int


def spool_path(workspace: Path) -> Path:
    return Path(workspace) / SPOOL_FILE


class Spool:
    """One connection, shared by the request threads (a lock serialises writes)."""

    def __init__(self, path: Path, checkpoints: bool = True):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(self.path, check_same_thread=False, timeout=30,
                                    isolation_level=None)
        self._con.execute("PRAGMA journal_mode=WAL")
        if not checkpoints:  # the flusher checkpoints; a request's commit never waits for it
            self._con.execute("PRAGMA wal_autocheckpoint=0")
        # Appends are acknowledged, so their commits reach the disk (FULL). The flusher's
        # connection only marks events as flushed: losing such a mark in a power cut re-imports
        # events the warehouse already has, which its natural-key upsert leaves unchanged. So it
        # commits without an fsync (NORMAL) and holds the write lock that appends wait on for
        # as short a time as it can.
        self._con.execute(f"PRAGMA synchronous={'NORMAL' if checkpoints else 'FULL'}")
        with self._lock:
            for statement in _SCHEMA:
                self._con.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def append(self, source: str, events: Iterable[tuple[str, str, dict]],
               received_at: datetime) -> list[bool]:
        """Store (message_id, kind, payload) events durably in one transaction; returns, per
        event, whether it was new (False: a duplicate messageId, not stored again)."""
        return self.append_many([(source, events, received_at)])[0]

    def append_many(self, requests: Sequence[tuple[str, Iterable[tuple[str, str, dict]],
                                                   datetime]]) -> list[list[bool]]:
        """`append` for several requests in ONE transaction (one fsync for all of them);
        per request, per event, whether it was new."""
        fresh_all: list[list[bool]] = []
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for source, events, received_at in requests:
                    stamp = received_at.astimezone(UTC).isoformat()
                    fresh = []
                    for mid, kind, payload in events:
                        cur.execute(_INSERT, (mid, source, kind,
                                              json.dumps(payload, ensure_ascii=False), stamp))
                        fresh.append(cur.rowcount == 1)
                    if any(fresh):
                        cur.execute(_COUNT, (source, sum(fresh), stamp))
                    fresh_all.append(fresh)
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return fresh_all

    def pending(self, limit: int) -> list[Spooled]:
        with self._lock:
            rows = self._con.execute(_PENDING, (limit,)).fetchall()
        return [Spooled(seq, mid, source, kind, json.loads(payload), received)
                for seq, mid, source, kind, payload, received in rows]

    def mark_flushed(self, batch: list[Spooled]) -> None:
        """The events of `batch` are in the warehouse: drop their payloads, keep their ids
        (for de-duplication) until the retention window has passed."""
        if not batch:
            return
        now = datetime.now(UTC)
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            self._con.execute(_DONE, (now.isoformat(), batch[0].seq, batch[-1].seq))
            self._con.execute(_PURGE, ((now - RETENTION).isoformat(),))
            self._con.execute("COMMIT")

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, as far as no reader needs it."""
        with self._lock:
            self._con.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def stats(self) -> SpoolStats:
        with self._lock:
            pending, = self._con.execute(
                "SELECT count(*) FROM spool WHERE flushed_at IS NULL").fetchone()
            flushed, = self._con.execute(
                "SELECT count(*) FROM spool WHERE flushed_at IS NOT NULL").fetchone()
        return SpoolStats(pending, flushed)

    def received(self) -> dict[str, tuple[int, str | None]]:
        """Events accepted per source name: (count, last received at)."""
        with self._lock:
            rows = self._con.execute("SELECT source, events, last_at FROM received").fetchall()
        return {source: (events, last) for source, events, last in rows}
