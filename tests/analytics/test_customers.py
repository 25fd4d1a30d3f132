"""Customer cohorts of the hand-made story: A1 (first order 5 April, a contract to April 2027,
an upsell on 20 April) and A2 (one order on 25 April, no contract period)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from revlens.analytics.customers import CohortRequest, cohort_retention
from revlens.metrics.scope import resolve_scope


def test_april_cohort_month_by_month(story):
    report = cohort_retention(story.warehouse, CohortRequest(date_to=date(2026, 6, 30),
                                                             months=3))
    (april,) = report.cohorts
    assert (april.cohort, april.customers) == ("2026-04", 2)
    assert april.first_month_revenue == 160_000
    # A1's contract runs on, A2 is not seen again; July is after the last month seen
    assert april.retention == [1.0, 0.5, 0.5, None]
    assert april.revenue_retention == [1.0, 0.0, 0.0, None]


def test_cohorts_within_a_scope(story):
    mine = resolve_scope(story.warehouse, "U3", "own")           # A2's order, SO3
    (cohort,) = cohort_retention(story.warehouse, CohortRequest(months=1), mine).cohorts
    assert cohort.customers == 1 and cohort.first_month_revenue == 20_000


def test_cli_cohorts_json(story_dir, cli):
    got = cli("cohorts", "--to", "2026-06-30", "--months", "2", "--format", "json",
              "-w", str(story_dir))
    assert got.exit_code == 0, got.stderr
    (row,) = json.loads(got.stdout)
    assert row["m1"] == pytest.approx(0.5) and row["revenue_m0"] == pytest.approx(1.0)
