"""Scheduled syncs inside `revlens serve`: a thread that, every `tick` seconds, runs the sources
of `<workspace>/sources.toml` whose cron `schedule` has come due.

- The sources file is read again when it changes; a broken edit is logged and the last good
  version stays in force.
- A source's first run is its first cron time after the scheduler saw it (missed runs while
  the server was down are not caught up: the next run reads everything changed since anyway).
- The warehouse is opened for writing only while a sync runs. When another process (a CLI
  import) or connection holds it, the sync waits: it is logged and tried again at the next
  tick, until it runs.
- A failing sync (server down, query error, ...) is logged; the source's next run is at its
  next cron time, and the other sources run as usual. Nothing a sync raises stops the thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from revlens.config import Settings
from revlens.connectors.sync import state as sync_state
from revlens.connectors.sync.config import SOURCES_FILE, SourcesFile, load_sources
from revlens.connectors.sync.exceptions import SourcesFileError
from revlens.connectors.sync.runner import SyncResult, next_run, prepare
from revlens.errors import RevLensError, WorkspaceBusy
from revlens.warehouse.connection import in_process_writer, writer_key
from revlens.workspace import Workspace

log = logging.getLogger(__name__)
DEFAULT_TICK_SECONDS = 10.0
Clock = Callable[[], datetime]


@dataclass
class ScheduledRun:
    """One attempt of a scheduled sync. status: completed, failed, or busy (to be retried)."""

    source: str
    due_at: datetime
    started_at: datetime
    status: str
    message: str
    results: list[SyncResult] = field(default_factory=list)


class SyncScheduler:
    """Runs due syncs; `run_due(now)` is one tick, `start()` ticks in a thread until `stop()`.
    `clock` and `tick` are injectable so that tests need not wait for the wall clock."""

    def __init__(self, settings: Settings, *, sources_file: str | Path | None = None,
                 clock: Clock | None = None, tick: float = DEFAULT_TICK_SECONDS):
        self.settings = settings
        self.path = Path(sources_file) if sources_file else settings.workspace / SOURCES_FILE
        self.clock = clock or sync_state.now
        self.tick = tick
        self.runs: deque[ScheduledRun] = deque(maxlen=100)  # newest last
        self.due: dict[str, datetime] = {}
        self._schedules: dict[str, str] = {}
        self._sources: SourcesFile | None = None
        self._seen: int | None = None      # mtime of the file last read
        self._waiting: set[str] = set()    # sources whose last attempt found the warehouse busy
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one tick --------------------------------------------------------------------------
    def run_due(self, now: datetime | None = None) -> list[ScheduledRun]:
        """Run every source whose time has come; never raises."""
        now = now or self.clock()
        sources = self._reload()
        done = []
        for name, source in (sources.sources.items() if sources else ()):
            if not source.schedule:
                continue
            if self._schedules.get(name) != source.schedule:   # new, or its schedule changed
                self._schedules[name] = source.schedule
                self.due[name] = next_run(source.schedule, now, self.settings.timezone)
                log.info("sync %s scheduled (%s): next run at %s", name, source.schedule,
                         self.due[name].isoformat())
                continue
            if now < self.due[name]:
                continue
            run = self._run(sources, name, self.due[name])
            self.runs.append(run)
            done.append(run)
            if run.status != "busy":
                self.due[name] = next_run(source.schedule, now, self.settings.timezone)
                log.info("sync %s: next run at %s", name, self.due[name].isoformat())
        for name in set(self.due) - {n for n, s in (sources.sources.items() if sources else ())
                                     if s.schedule}:
            del self.due[name], self._schedules[name]
        return done

    def _reload(self) -> SourcesFile | None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            self._sources = self._seen = None
            return None
        if mtime != self._seen:
            self._seen = mtime
            try:
                self._sources = load_sources(self.path)
            except SourcesFileError as exc:
                log.error("%s; scheduled syncs keep the last version that was valid", exc)
        return self._sources

    def _run(self, sources: SourcesFile, name: str, due: datetime) -> ScheduledRun:
        started = self.clock()
        try:
            with prepare(sources, name) as plan, self._workspace() as ws:
                results = list(plan.run(ws, user="scheduler"))
        except WorkspaceBusy as exc:
            (log.info if name in self._waiting else log.warning)(
                "scheduled sync %s waits: %s; trying again in %.0f s", name, exc, self.tick)
            self._waiting.add(name)
            return ScheduledRun(name, due, started, "busy", str(exc))
        except RevLensError as exc:
            self._waiting.discard(name)
            log.error("scheduled sync %s failed: %s", name, exc)
            return ScheduledRun(name, due, started, "failed", str(exc))
        except Exception as exc:  # a bug must not stop the other sources' syncs: log it whole
            self._waiting.discard(name)
            log.exception("scheduled sync %s failed unexpectedly", name)
            return ScheduledRun(name, due, started, "failed", f"{type(exc).__name__}: {exc}")
        self._waiting.discard(name)
        message = "; ".join(_line(r) for r in results)
        log.info("scheduled sync %s: %s", name, message)
        return ScheduledRun(name, due, started, "completed", message, results)

    @contextlib.contextmanager
    def _workspace(self) -> Iterator[Workspace]:
        """The workspace, open for writing for the duration of one sync only."""
        with in_process_writer(writer_key(self.settings.warehouse_url)), \
                Workspace(self.settings) as ws:
            yield ws

    # -- the thread ------------------------------------------------------------------------
    def start(self) -> SyncScheduler:
        self._thread = threading.Thread(target=self._loop, name="revlens-sync-scheduler",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop ticking; a sync under way finishes first (up to `timeout` seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        log.info("sync scheduler started (sources file %s, tick %.0f s)", self.path, self.tick)
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # run_due logs its own failures; this is the last net
                log.exception("sync scheduler tick failed")
            self._stop.wait(self.tick)


def _line(result: SyncResult) -> str:
    r = result.result
    return (f"{r.entity} {r.rows_read} read, {r.inserted} inserted, {r.updated} updated, "
            f"{r.unchanged} unchanged, {r.rejected} rejected; mark {result.high_water_mark}")


def start(settings: Settings, *, sources_file: str | Path | None = None,
          clock: Clock | None = None, tick: float = DEFAULT_TICK_SECONDS) -> SyncScheduler:
    """Start the scheduler thread for `revlens serve`; call `.stop()` on the result at
    shutdown."""
    _show_logs()
    return SyncScheduler(settings, sources_file=sources_file, clock=clock, tick=tick).start()


def _show_logs() -> None:
    """The scheduler's INFO lines reach stderr unless the application configured logging."""
    if logging.getLogger().handlers or log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s revlens.sync: "
                                           "%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
