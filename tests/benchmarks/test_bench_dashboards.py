"""The dashboard-load benchmark on the hand-made story: a served workspace, three simulated
users at once and the cockpit in Chromium; the figures are well-formed. No timing is
asserted."""

from __future__ import annotations

import pytest
from benchmarks.bench_dashboards import NAME, measure_dashboards
from benchmarks.registry import BENCHMARKS

from tests.metrics.story import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_dashboard_loads_are_measured_alone_and_together(story_dir):
    assert NAME in BENCHMARKS
    logins = [("analyst", PASSWORD), ("zhao", PASSWORD), ("zhangsan", PASSWORD)]
    figures = measure_dashboards(story_dir, users=3, rounds=1, browser=True, logins=logins,
                                 dashboards=("cockpit", "content"))
    assert len(figures) == 2 * 3 + 1          # first load, p50, p95 each; Chromium
    assert all(f.value > 0 and f.peer_value > 0 and f.ratio > 0 for f in figures)
    assert figures[-1].figure == "cockpit rendered in Chromium: p50"
