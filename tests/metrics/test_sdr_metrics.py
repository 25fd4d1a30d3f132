"""The lead pool, hand-off and follow-up metrics on the hand-made story (tests/metrics/story.py),
each worked out in the test; and a stored model of an older version is not read."""

from __future__ import annotations

import shutil
from datetime import date

import ibis
import pytest

from revlens.metrics import MetricQuery, run_query
from revlens.metrics.materialize import STATE_TABLE, fresh_models
from revlens.workspace import Workspace

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def one(story, *metrics, **query):
    rows = run_query(story.warehouse, MetricQuery(metrics=list(metrics), **query)).rows
    assert len(rows) == 1, rows
    return rows[0]


def test_the_pool_and_its_idle_leads_at_the_end_of_a_period(story):
    # at the end of March: L2 (MQL, last follow-up 3 March 12:00) and L4 (new, created 20
    # March, never followed up) are open; L1, L3 converted, L5 disqualified
    got = one(story, "open_leads", "idle_leads", "idle_lead_share", **MARCH)
    assert got == {"open_leads": 2, "idle_leads": 2, "idle_lead_share": 1.0}
    # at the end of 5 March only L2 was open (L4 did not exist), followed up 2.5 days before;
    # a day later it had waited 3.5 days
    assert one(story, "open_leads", "idle_leads", date_to=date(2026, 3, 5)) == \
        {"open_leads": 1, "idle_leads": 0}
    assert one(story, "idle_leads", date_to=date(2026, 3, 6))["idle_leads"] == 1


def test_the_pool_by_age_bucket(story):
    rows = run_query(story.warehouse, MetricQuery(
        metrics=["open_leads"], dimensions=["lead_age"], date_to=date(2026, 3, 21))).rows
    # on 22 March 00:00: L4 is 1 day 14 hours old, L2 18 days 14 hours
    assert {r["lead_age"]: r["open_leads"] for r in rows} == {"1-3d": 1, "7-30d": 1}


def test_conversion_after_hand_off(story):
    # SQLs of March: L1 (5 March) and L3 (8 March), both converted (O1, O2); O1 was won
    got = one(story, "sqls", "handoff_opportunities", "handoff_conversion_rate",
              "handoff_won", "handoff_win_rate", **MARCH)
    assert got == {"sqls": 2, "handoff_opportunities": 2, "handoff_conversion_rate": 1.0,
                   "handoff_won": 1, "handoff_win_rate": 0.5}


def test_follow_ups_per_person(story):
    # F1-F4 in March: U1 twice, U2 and U3 once; F5 is February's
    got = one(story, "follow_ups", "follow_up_people", "follow_ups_per_person", **MARCH)
    assert (got["follow_ups"], got["follow_up_people"]) == (4, 3)
    assert got["follow_ups_per_person"] == pytest.approx(4 / 3)
    rows = run_query(story.warehouse, MetricQuery(
        metrics=["follow_ups"], dimensions=["follow_up_on"])).rows
    assert rows == [{"follow_up_on": "lead", "follow_ups": 5}]


def test_a_stored_model_of_another_version_is_built_live(story_dir, tmp_path):
    copy = tmp_path / "ws"
    shutil.copytree(story_dir, copy)
    with Workspace.open(copy) as ws:
        wh = ws.warehouse
        assert "leads" in fresh_models(wh)
        state = wh.to_arrow(wh.table(STATE_TABLE)).to_pandas()
        state.loc[state["model"] == "leads", "version"] = 1      # built before lead ages
        wh.con.create_table(STATE_TABLE, ibis.memtable(state), overwrite=True)
        assert "leads" not in fresh_models(wh) and "opportunities" in fresh_models(wh)
        assert one(ws, "idle_leads", **MARCH)["idle_leads"] == 2
