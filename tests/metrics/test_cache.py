"""The result cache: a result is computed once and kept until the warehouse changes, never
crosses from one scope to another, is computed once however many ask for it at the same time,
and the cache stays within its bounds.

The story (tests/metrics/story.py) has four opportunities: O1 ¥100,000 and O4 ¥40,000 of U1,
O3 ¥80,000 of U2, O2 ¥50,000 of U3 — so new pipeline is ¥140,000 for U1, ¥80,000 for U2,
¥220,000 for their manager M1 (team: M1, U1, U2) and ¥270,000 for everyone.
"""

from __future__ import annotations

import shutil
import threading
import time
from datetime import date

import pytest

from revlens.config import load_settings
from revlens.dashboards import GlobalFilters, run_tile, shipped_dashboards
from revlens.metrics import MetricQuery
from revlens.metrics.cache import RESULTS, ResultCache, cached, cached_query
from revlens.metrics.scope import Scope, resolve_scope
from revlens.warehouse.pool import reader
from revlens.workspace import Workspace
from tests.ingest.support import load

PIPELINE = MetricQuery(metrics=["new_pipeline"])
ALL = Scope.everything()


def _own(staff_id: str) -> Scope:
    return Scope(level="own", staff_id=staff_id, owner_ids=frozenset({staff_id}))


class Counter:
    """A computation that counts its runs and answers `value` (optionally waiting first)."""

    def __init__(self, value: object = "result", gate: threading.Event | None = None):
        self.value, self.gate, self.runs = value, gate, 0
        self._lock = threading.Lock()

    def __call__(self) -> tuple[str, object]:
        with self._lock:
            self.runs += 1
        if self.gate is not None:
            assert self.gate.wait(timeout=60), "the test never opened the gate"
        return "v1", self.value


# -- the cache on its own ----------------------------------------------------------------------
def test_a_result_is_computed_once_then_kept():
    cache, compute = ResultCache(), Counter()
    assert cache.get("wh", "q", "v1", compute) == "result"
    assert cache.get("wh", "q", "v1", compute) == "result"
    assert compute.runs == 1
    assert (cache.stats().misses, cache.stats().hits) == (1, 1)


def test_a_new_warehouse_version_computes_again_and_drops_what_was_kept():
    cache = ResultCache()
    cache.get("wh", "q", "v1", lambda: ("v1", "before the import"))
    cache.get("wh", "other", "v1", lambda: ("v1", "another result"))
    assert cache.get("wh", "q", "v2", lambda: ("v2", "after it")) == "after it"
    assert cache.stats().entries == 1                     # both v1 results went
    assert cache.get("other-wh", "q", "v9", lambda: ("v9", "elsewhere")) == "elsewhere"
    assert cache.get("wh", "q", "v2", Counter()) == "after it"     # not computed again


def test_a_result_is_kept_under_the_version_it_was_read_at():
    """Asked at v1 while a writer was committing v2, the computation read v2: kept for v2."""
    cache = ResultCache()
    cache.get("wh", "q", "v1", lambda: ("v2", "read at v2"))
    assert cache.get("wh", "q", "v2", Counter("not this")) == "read at v2"


def test_the_least_recently_used_result_goes_first():
    cache = ResultCache(max_entries=2)
    cache.get("wh", "a", "v", lambda: ("v", "A"))
    cache.get("wh", "b", "v", lambda: ("v", "B"))
    cache.get("wh", "a", "v", Counter())                    # a used again: b is the oldest
    cache.get("wh", "c", "v", lambda: ("v", "C"))
    assert cache.stats().entries == 2 and cache.stats().evicted == 1
    again = Counter("B again")
    assert cache.get("wh", "b", "v", again) == "B again" and again.runs == 1
    assert cache.get("wh", "c", "v", Counter()) == "C"


def test_the_cache_stays_within_its_bytes():
    """Each value's size is the value itself: 6 + 6 > 10, so the first goes; 11 is never
    kept."""
    cache = ResultCache(max_bytes=10, sizeof=lambda value: value)
    cache.get("wh", "a", "v", lambda: ("v", 6))
    cache.get("wh", "b", "v", lambda: ("v", 6))
    assert (cache.stats().entries, cache.stats().bytes, cache.stats().evicted) == (1, 6, 1)
    cache.get("wh", "big", "v", lambda: ("v", 11))
    assert cache.stats().entries == 1
    big = Counter(11)
    cache.get("wh", "big", "v", big)
    assert big.runs == 1                                    # computed again: it was not kept


def test_a_result_older_than_max_age_is_computed_again():
    now = [1000.0]
    cache = ResultCache(max_age=300, clock=lambda: now[0])
    cache.get("wh", "q", "v1", lambda: ("v1", "at 1000"))
    now[0] = 1299.0
    assert cache.get("wh", "q", "v1", Counter("at 1299")) == "at 1000"
    now[0] = 1300.0
    assert cache.get("wh", "q", "v1", Counter("at 1300")) == "at 1300"


def test_callers_asking_at_once_wait_for_one_computation():
    """Eight threads ask for the same result while the first computes it: one computation,
    seven callers joined, every caller gets the same object."""
    cache, gate = ResultCache(), threading.Event()
    compute = Counter(object(), gate)
    answers: list[object] = []

    def ask() -> None:
        answers.append(cache.get("wh", "tile", "v1", compute))

    _ask_together(cache, gate, ask, 8)
    assert compute.runs == 1
    assert len(answers) == 8 and all(a is compute.value for a in answers)
    assert (cache.stats().misses, cache.stats().joined) == (1, 7)


def _ask_together(cache: ResultCache, gate: threading.Event, ask, callers: int) -> None:
    """`callers` threads ask at once; the computation may go on (`gate`) once all but the
    first wait for it."""
    threads = [threading.Thread(target=ask) for _ in range(callers)]
    for thread in threads:
        thread.start()
    _until(lambda: cache.stats().joined == callers - 1)
    gate.set()
    for thread in threads:
        thread.join(timeout=60)


def test_a_failed_computation_fails_for_everyone_waiting_and_is_not_kept():
    cache, gate = ResultCache(), threading.Event()
    errors: list[BaseException] = []

    def broken() -> tuple[str, object]:
        assert gate.wait(timeout=60)
        raise ValueError("the warehouse said no")

    def ask() -> None:
        try:
            cache.get("wh", "tile", "v1", broken)
        except ValueError as exc:
            errors.append(exc)

    _ask_together(cache, gate, ask, 3)
    assert [str(e) for e in errors] == ["the warehouse said no"] * 3
    assert cache.get("wh", "tile", "v1", lambda: ("v1", "fine now")) == "fine now"


def _until(condition, seconds: float = 60.0) -> None:
    """Wait for another thread to get somewhere (a guard against hanging, not a timing)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the other threads never got there"
        time.sleep(0.01)


# -- on the story's warehouse ------------------------------------------------------------------
@pytest.fixture
def story_settings(story_dir, tmp_path):
    """A copy of the story of this test's own (its own warehouse URL, so nothing kept by
    another test answers here)."""
    root = tmp_path / "ws"
    shutil.copytree(story_dir, root)
    return load_settings(root)


def _pipeline(settings, scope: Scope, cache: ResultCache) -> float:
    wh = reader(settings)
    try:
        return cached_query(wh, PIPELINE, scope, cache=cache).rows[0]["new_pipeline"]
    finally:
        wh.close()


def test_a_reps_result_is_never_served_to_another_rep_or_to_an_analyst(story_settings):
    cache = ResultCache()
    with Workspace.open(story_settings.workspace, read_only=True) as ws:
        manager = resolve_scope(ws.warehouse, "M1", "team")
    assert _pipeline(story_settings, _own("U1"), cache) == 140_000
    assert _pipeline(story_settings, _own("U2"), cache) == 80_000
    assert _pipeline(story_settings, manager, cache) == 220_000
    assert _pipeline(story_settings, ALL, cache) == 270_000
    assert cache.stats().hits == 0 and cache.stats().entries == 4
    # asked again, each gets their own figure back from the cache
    assert _pipeline(story_settings, _own("U1"), cache) == 140_000
    assert _pipeline(story_settings, _own("U2"), cache) == 80_000
    assert cache.stats().hits == 2


def test_two_people_who_see_everything_share_one_result(story_settings):
    cache = ResultCache()
    assert _pipeline(story_settings, ALL, cache) == 270_000
    another = Scope(level="all", staff_id="MK")             # the marketer, scope all
    assert _pipeline(story_settings, another, cache) == 270_000
    assert (cache.stats().misses, cache.stats().hits) == (1, 1)


def test_an_import_is_seen_at_once(story_settings, tmp_path):
    """O5 (U2, ¥30,000) imported: the next read measures ¥300,000, not the kept ¥270,000."""
    cache = ResultCache()
    assert _pipeline(story_settings, ALL, cache) == 270_000
    assert _pipeline(story_settings, ALL, cache) == 270_000
    csv = tmp_path / "o5.csv"
    csv.write_text("opportunity_id,account_id,name,owner_id,created_at,stage,amount\n"
                   "O5,A3,前海-二期,U2,2026-03-20 10:00,qualification,30000\n",
                   encoding="utf-8")
    with Workspace.open(story_settings.workspace) as ws:
        assert load(ws, "opportunities", csv).inserted == 1
    assert _pipeline(story_settings, ALL, cache) == 300_000
    assert _pipeline(story_settings, _own("U2"), cache) == 110_000
    assert cache.stats().misses == 3


def test_labels_follow_each_callers_language(story_settings):
    cache = ResultCache()
    wh = reader(story_settings)
    try:
        zh = cached_query(wh, PIPELINE, ALL, locale="zh-CN", cache=cache)
        en = cached_query(wh, PIPELINE, ALL, locale="en", cache=cache)
    finally:
        wh.close()
    assert cache.stats().hits == 1                          # one result for both languages
    assert zh.metrics[0].label != en.metrics[0].label
    assert zh.rows == en.rows


def test_nothing_is_kept_from_a_warehouse_open_for_writing(story_settings):
    cache, compute = ResultCache(), Counter()
    with Workspace.open(story_settings.workspace) as ws:
        cached(ws.warehouse, "q", "r", compute, cache=cache)
        cached(ws.warehouse, "q", "r", compute, cache=cache)
    assert compute.runs == 2 and cache.stats().entries == 0


def test_a_dashboard_tile_in_each_scope(story_settings):
    """The cockpit's new-pipeline KPI for March-April through the process's cache: the rep,
    the other rep and the analyst each get their own figure, also when asked again."""
    cockpit = shipped_dashboards()["cockpit"]
    filters = GlobalFilters(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    before = RESULTS.stats()

    def kpi(scope: Scope) -> float:
        wh = reader(story_settings)
        try:
            return run_tile(wh, cockpit, "new_pipeline", filters, scope).kpis[0].value
        finally:
            wh.close()

    for _ in range(2):
        assert (kpi(_own("U1")), kpi(_own("U2")), kpi(ALL)) == (140_000, 80_000, 270_000)
    assert RESULTS.stats().hits - before.hits >= 3
