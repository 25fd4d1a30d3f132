"""Results kept between requests: a dashboard tile, a metric query, a funnel or the lead pool
is computed once for everyone who asks the same question of the same data within the same
row-level scope, until the warehouse changes.

    result = cached(wh, "metrics.query", query, lambda: run_query(wh, query, scope),
                    scope=scope)

The key of a result is
- what is computed (`what`, e.g. "analytics.funnel") and its request (a pydantic model or a
  hashable value: the metric query with its filters, cross-filter selections, period and
  parameters, as the page's filters made it);
- the warehouse (its URL) and the catalog and settings it is measured with (their content);
- the caller's effective scope: the set of staff ids whose records it may see (None: all).
  Two reps never share a result; two people who see everything do, whoever they are. Personal
  data masking (`pii`) is part of the key where a result holds personal data;
- and never the language: a cached result is language-free; callers put the labels on.

A result is kept until the warehouse's version (`revlens.warehouse.version`) changes — any
import, sync, refresh or tracking flush — and at most `max_age` seconds, for what is measured
"as of now" (ages, idle days, the current quarter's forecast). The cache holds at most
`max_entries` results and `max_bytes` (their pickled size), dropping the least recently used.

When several callers ask for a result that is being computed, they wait for it instead of
computing it again (single flight); if it fails, each of them gets the same error.

Results are shared objects: callers must not change them (copy first).

Only read-only warehouses are cached: a writer's own connection may see what it has not
committed.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from revlens.config import Settings
from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import run_query
from revlens.metrics.query import MetricQuery, MetricResult
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse
from revlens.warehouse.pool import Reader
from revlens.warehouse.version import warehouse_version

T = TypeVar("T")

DEFAULT_MAX_ENTRIES = 5_000
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_AGE = 300.0


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0            # computed (by the caller that asked first)
    joined: int = 0            # waited for a computation under way instead of repeating it
    evicted: int = 0           # dropped for room
    outdated: int = 0          # dropped because the data changed or they grew too old
    entries: int = 0
    bytes: int = 0


@dataclass(eq=False)
class _Entry:
    value: Any
    size: int
    stored: float


class _LeaderGone(Exception):
    """The caller computing a result was interrupted (not by an error of the computation):
    those waiting for it compute it themselves."""


@dataclass(eq=False)
class _Flight:
    """A computation under way, which later callers of the same key wait for."""

    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None

    def result(self) -> Any:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value


def _sizeof(value: Any) -> int:
    """The pickled size of a result: a fair measure of the memory it holds."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return sys.getsizeof(value)


class ResultCache:
    """Results by (source, key) and the version of the source they were computed from; see
    the module docstring. Thread-safe."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int = DEFAULT_MAX_BYTES, max_age: float = DEFAULT_MAX_AGE,
                 clock: Callable[[], float] = time.monotonic,
                 sizeof: Callable[[Any], int] = _sizeof):
        self.max_entries, self.max_bytes, self.max_age = max_entries, max_bytes, max_age
        self.clock, self.sizeof = clock, sizeof
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._flights: dict[tuple, _Flight] = {}
        self._versions: dict[Hashable, Hashable] = {}     # source -> the newest version seen
        self._lock = threading.Lock()
        self._stats = CacheStats()
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0 and self.max_age > 0

    def configure(self, max_entries: int | None = None, max_bytes: int | None = None,
                  max_age: float | None = None) -> None:
        """Change the bounds (0 turns the cache off); what no longer fits is dropped."""
        with self._lock:
            if max_entries is not None:
                self.max_entries = max_entries
            if max_bytes is not None:
                self.max_bytes = max_bytes
            if max_age is not None:
                self.max_age = max_age
            self._make_room(0)

    def get(self, source: Hashable, key: Hashable, version: Hashable,
            compute: Callable[[], tuple[Hashable, T]]) -> T:
        """The value kept for `key` of `source` at `version`; else `compute()` gives the
        version it actually read and the value, kept under that version. Callers asking for
        the same key and version meanwhile wait for that computation."""
        wanted = (source, key, version)
        with self._lock:
            if self._versions.get(source) != version:
                self._forget_other_versions(source, version)
            entry = self._entries.get(wanted)
            if entry is not None and self.clock() - entry.stored < self.max_age:
                self._entries.move_to_end(wanted)
                self._stats.hits += 1
                return entry.value
            if entry is not None:
                self._drop(wanted)
                self._stats.outdated += 1
            flight = self._flights.get(wanted)
            leader = flight is None
            if leader:
                flight = self._flights[wanted] = _Flight()
                self._stats.misses += 1
            else:
                self._stats.joined += 1
        if not leader:
            try:
                return flight.result()
            except _LeaderGone:
                return self.get(source, key, version, compute)
        try:
            read, value = compute()
        except BaseException as exc:
            flight.error = exc if isinstance(exc, Exception) else _LeaderGone()
            with self._lock:
                del self._flights[wanted]
            flight.done.set()
            raise
        self._store((source, key, read), value)
        flight.value = value
        with self._lock:
            del self._flights[wanted]
        flight.done.set()
        return value

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(**{**self._stats.__dict__, "entries": len(self._entries),
                                 "bytes": self._bytes})

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._versions.clear()
            self._bytes = 0

    # -- inside the lock ---------------------------------------------------------------------
    def _store(self, full: tuple, value: Any) -> None:
        size = self.sizeof(value)
        if not self.enabled or size > self.max_bytes:
            return
        with self._lock:
            if full in self._entries:
                self._drop(full)
            self._make_room(size)
            self._entries[full] = _Entry(value, size, self.clock())
            self._bytes += size

    def _make_room(self, size: int) -> None:
        while self._entries and (len(self._entries) + (1 if size else 0) > self.max_entries
                                 or self._bytes + size > self.max_bytes):
            self._drop(next(iter(self._entries)))
            self._stats.evicted += 1

    def _forget_other_versions(self, source: Hashable, version: Hashable) -> None:
        """The data of `source` changed: what was computed from another version goes."""
        self._versions[source] = version
        for full in [k for k in self._entries if k[0] == source and k[2] != version]:
            self._drop(full)
            self._stats.outdated += 1

    def _drop(self, full: tuple) -> None:
        entry = self._entries.pop(full)
        self._bytes -= entry.size


RESULTS = ResultCache()
"""The process's cache (configured by `revlens serve` from the settings)."""


def cached(wh: Warehouse, what: str, request: Any, compute: Callable[[], T], *,
           scope: Scope | None = None, pii: bool = False,
           catalog: Catalog | None = None,
           cache: ResultCache | None = None) -> T:
    """`compute()`, or what it gave for the same question (`what` and `request`) on the same
    data, within the same scope (see the module docstring). `catalog`: the catalog `compute`
    measures with (none for what does not read the catalog). Computed as is, and not kept, on
    a warehouse opened for writing or one without a version."""
    cache = RESULTS if cache is None else cache
    if not cache.enabled or not wh.read_only:
        return compute()
    version = warehouse_version(wh.url)
    if version is None:
        return compute()
    scope = scope or Scope.everything()
    key = (what, identity(request), scope.owner_ids, pii,
           None if catalog is None else catalog.fingerprint, settings_fingerprint(wh.settings))

    def run() -> tuple[Hashable, T]:
        if isinstance(wh, Reader):
            wh.connection()          # connected first: the version read is then the data's
        return warehouse_version(wh.url), compute()

    return cache.get(wh.url, key, version, run)


def identity(request: Any) -> Hashable:
    """A hashable key of a request: a pydantic model by its class and JSON, a tuple by its
    items' identities, anything else (hashable) as it is."""
    if isinstance(request, BaseModel):
        return type(request).__qualname__, request.model_dump_json()
    if isinstance(request, tuple | list):
        return tuple(identity(r) for r in request)
    if isinstance(request, dict):
        return tuple(sorted((k, identity(v)) for k, v in request.items()))
    return request


_FINGERPRINTS: dict[int, tuple[weakref.ref, str]] = {}


def settings_fingerprint(settings: Settings) -> str:
    """The settings results are measured with (time zone, stages ...), as one digest (kept per
    settings object: the web app shares one while the settings file is unchanged)."""
    known = _FINGERPRINTS.get(id(settings))
    if known is not None and known[0]() is settings:
        return known[1]
    digest = hashlib.sha256(settings.model_dump_json().encode()).hexdigest()
    if len(_FINGERPRINTS) >= 64:
        _FINGERPRINTS.clear()
    _FINGERPRINTS[id(settings)] = (weakref.ref(settings), digest)
    return digest


def cached_query(wh: Warehouse, query: MetricQuery, scope: Scope | None = None,
                 catalog: Catalog | None = None, locale: str = "en", *,
                 cache: ResultCache | None = None) -> MetricResult:
    """`run_query`, kept: one result per query, data and scope, labelled in `locale` for
    each caller (a copy; the rows are shared and must not be changed)."""
    catalog = catalog or Catalog.load(wh.settings.workspace)
    scope = scope or Scope.everything()
    result = cached(wh, "metrics.query", query,
                    lambda: run_query(wh, query, scope, catalog, locale="en"),
                    scope=scope, catalog=catalog, cache=cache)
    labelled = [info.model_copy(update={"label": catalog.get(info.id).label.get(locale)})
                for info in result.metrics]
    return result.model_copy(update={"metrics": labelled, "scope": scope.describe()})
