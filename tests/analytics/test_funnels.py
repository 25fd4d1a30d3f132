"""Funnels of the hand-made story (tests/metrics/story.py) and the planted slow rep of the demo."""

from __future__ import annotations

import json
from datetime import date

import pytest

from revlens.analytics.funnels import FunnelRequest, funnel, funnel_records
from revlens.metrics.scope import resolve_scope

MARCH_APRIL = {"date_from": date(2026, 3, 1), "date_to": date(2026, 4, 30)}


def steps(result) -> dict:
    return {s.stage: s for s in result.steps}


def test_the_lead_funnel_counts_each_lead_up_to_its_furthest_step(story):
    got = steps(funnel(story.warehouse, FunnelRequest(kind="leads", date_from=date(2026, 3, 1),
                                                      date_to=date(2026, 3, 31))))
    # L1-L4; L1-L3 followed up; L1-L3 MQL; L1, L3 SQL and converted; O1 (L1) won
    assert [got[s].count for s in ("new", "contacted", "mql", "sql", "opportunity", "won")] \
        == [4, 3, 3, 2, 2, 1]
    assert got["mql"].conversion_from_previous == pytest.approx(1.0)
    assert got["sql"].conversion_from_previous == pytest.approx(2 / 3)
    assert got["won"].conversion_from_first == pytest.approx(1 / 4)
    assert got["contacted"].drop_off == 1


def test_the_pipeline_funnel_with_days_in_stage_and_win_probability(story):
    got = steps(funnel(story.warehouse, FunnelRequest(kind="pipeline", **MARCH_APRIL)))
    # all four start and pass needs analysis (O4 skipped to negotiation: it counts at every
    # stage up to it); O1, O3, O4 reach solution; O1, O4 negotiation; O1, O4 won
    assert [got[s].count for s in ("qualification", "needs_analysis", "solution",
                                   "negotiation", "won")] == [4, 4, 3, 2, 2]
    assert got["qualification"].median_days == pytest.approx(4.5)   # 4, 10, 5, 2 days
    assert got["qualification"].mean_days == pytest.approx(21 / 4)
    assert got["needs_analysis"].median_days == pytest.approx(5.0)  # 5, 10, 2 days
    assert got["negotiation"].mean_days == pytest.approx((11 + 8) / 2)
    # closed deals O1, O2, O4: all reached qualification, 2 of 3 won; O2 never negotiated
    assert got["qualification"].win_probability == pytest.approx(2 / 3)
    assert got["negotiation"].win_probability == pytest.approx(1.0)


def test_stalls_are_stays_past_the_75th_percentile(story):
    # measured on 30 April: O3 has been in solution since 22 March (39 days); the only
    # completed solution stay is O1's 10 days
    got = steps(funnel(story.warehouse, FunnelRequest(kind="pipeline", **MARCH_APRIL)))
    assert got["solution"].stalled == 1 and got["qualification"].stalled == 0


def test_funnels_by_owner_within_a_scope(story):
    mine = resolve_scope(story.warehouse, "U1", "own")
    result = funnel(story.warehouse, FunnelRequest(kind="pipeline", by="owner", **MARCH_APRIL),
                    mine)
    assert {s.group for s in result.steps} == {"U1"}
    assert steps(result)["won"].count == 2
    records = [s.as_record("owner") for s in result.steps]
    assert records[0]["owner"] == "U1" and records[0]["stage"] == "qualification"


def test_cli_funnel_json(story_dir, cli):
    got = cli("funnel", "pipeline", "--by", "team", "--from", "2026-03-01", "--to", "2026-04-30",
              "--format", "json", "-w", str(story_dir))
    assert got.exit_code == 0, got.stderr
    rows = json.loads(got.stdout)
    assert {"team", "stage", "count", "conversion_from_previous", "median_days",
            "mean_days"} <= set(rows[0])
    east = {r["stage"]: r["count"] for r in rows if r["team"] == "华东销售"}
    assert east["qualification"] == 3 and east["won"] == 2          # O1, O3, O4
    leads = json.loads(cli("funnel", "leads", "--format", "json", "-w", str(story_dir)).stdout)
    assert [r["stage"] for r in leads] == ["new", "contacted", "mql", "sql", "opportunity",
                                          "won"]
    assert "median_days" not in leads[0]


def test_a_snapshot_shows_where_deals_and_leads_stood(story):
    # on 31 March: O1 in negotiation (since 25 March), O3 in solution; O2 was lost
    pipeline = steps(funnel(story.warehouse, FunnelRequest(kind="pipeline", mode="snapshot",
                                                           date_to=date(2026, 3, 31))))
    assert {s: (p.count, p.amount) for s, p in pipeline.items() if p.count} == {
        "solution": (1, 80_000), "negotiation": (1, 100_000)}
    leads = steps(funnel(story.warehouse, FunnelRequest(kind="leads", mode="snapshot",
                                                        date_to=date(2026, 3, 3))))
    # by the end of 3 March: L1 became MQL that morning; L2 was created; L5's disqualification
    # carries no date, so what is known of it then is its creation
    assert {s: p.count for s, p in leads.items() if p.count} == {"new": 2, "mql": 1}


def test_the_records_behind_a_step(story):
    request = FunnelRequest(kind="pipeline", by="owner", **MARCH_APRIL)
    solution = funnel_records(story.warehouse, request, "solution", group="U1")
    assert sorted(r["opportunity_id"] for r in solution.rows) == ["O1", "O4"]
    won = funnel_records(story.warehouse, FunnelRequest(kind="leads"), "won")
    assert [r["lead_id"] for r in won.rows] == ["L1"] and won.total == 1
    mine = resolve_scope(story.warehouse, "U3", "own")
    assert funnel_records(story.warehouse, request, "qualification", group="U1",
                          scope=mine).total == 0
