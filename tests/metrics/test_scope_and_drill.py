"""Row-level scope and drill-down: a rep sees only their own records through every metric and
every drill-down; a group's number is made of the records its drill-down lists."""

from __future__ import annotations

from datetime import date

import pytest

from revlens.metrics import Catalog, DrillRequest, Filter, MetricQuery, drill, run_query
from revlens.metrics.scope import Scope, resolve_scope, scope_of_user

APRIL = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}


def test_scope_levels_follow_teams_and_managers(story):
    wh = story.warehouse
    assert resolve_scope(wh, "U1", "own").owner_ids == {"U1"}
    assert resolve_scope(wh, "M1", "team").owner_ids == {"M1", "U1", "U2"}
    assert resolve_scope(wh, "U3", "team").owner_ids == {"U3", "M2"}
    assert not resolve_scope(wh, "U1", "all").restricted
    assert resolve_scope(wh, None, "own").owner_ids == frozenset()   # not linked: nothing
    rep = story.appdb.user("zhangsan")
    assert scope_of_user(wh, rep).owner_ids == {"U1"}                 # a rep's default: own


def _all_metrics(story) -> list[str]:
    return [m.id for m in Catalog.load(story.settings.workspace)]


def test_a_reps_scope_equals_filtering_every_metric_to_their_records(story):
    """For every metric of the catalog: measured in U1's scope, the number is the one an
    unrestricted user gets for owner U1 — nothing of U2's or U3's leaks in."""
    wh, mine = story.warehouse, resolve_scope(story.warehouse, "U1", "own")
    metrics = _all_metrics(story)
    scoped = run_query(wh, MetricQuery(metrics=metrics), mine).rows
    filtered = run_query(wh, MetricQuery(
        metrics=metrics, filters=[Filter(dimension="owner", values=("U1",))])).rows
    everything = run_query(wh, MetricQuery(metrics=metrics)).rows
    assert scoped == filtered
    differs = [m for m in metrics if scoped[0][m] != everything[0][m]]
    assert {"leads", "bookings", "collections", "nps", "influenced_pipeline"} <= set(differs)


def test_a_rep_sees_their_own_numbers(story):
    mine = resolve_scope(story.warehouse, "U1", "own")
    got = run_query(story.warehouse, MetricQuery(
        metrics=["leads", "bookings", "spend", "nps"], **APRIL), mine).rows[0]
    assert got["bookings"] == 140_000          # SO1 and SO2, through U1's opportunities
    assert got["spend"] == 0                   # marketing's campaigns are not U1's
    assert got["nps"] == pytest.approx(100.0)  # A1's responses: 10 and 9
    march = run_query(story.warehouse, MetricQuery(
        metrics=["leads"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)), mine)
    assert march.rows[0]["leads"] == 2         # L1, L4
    assert "U1" in march.scope


def test_every_drill_down_stays_in_scope(story):
    wh, mine = story.warehouse, resolve_scope(story.warehouse, "U1", "own")
    catalog = Catalog.load(story.settings.workspace)
    owners_seen = set()
    leaves = {leaf.id: (metric.id, leaf.id) for metric in catalog
              for leaf in catalog.leaves(metric.id)}
    for metric, leaf in leaves.values():
        result = drill(wh, DrillRequest(metric=metric, component=leaf, limit=1000), mine,
                       catalog)
        assert result.total == len(result.rows)
        if "owner_id" in result.columns:
            owners_seen |= {r["owner_id"] for r in result.rows}
    assert owners_seen == {"U1"}


def test_a_groups_records_add_up_to_its_number(story):
    wh = story.warehouse
    rows = run_query(wh, MetricQuery(metrics=["bookings", "orders_signed"],
                                     dimensions=["month", "owner"], **APRIL)).rows
    for row in rows:
        listed = drill(wh, DrillRequest(metric="bookings",
                                        where={"month": row["month"], "owner": row["owner"]},
                                        **APRIL))
        assert listed.total == row["orders_signed"]
        assert sum(r["amount"] for r in listed.rows) == pytest.approx(row["bookings"])
    assert "SELECT" in listed.sql and "orders" in listed.sql


def test_drilling_a_ratio_lists_its_parts(story):
    wh = story.warehouse
    won = drill(wh, DrillRequest(metric="win_rate", **APRIL))
    closed = drill(wh, DrillRequest(metric="win_rate", component="closed_deals",
                                    date_from=date(2026, 3, 1), date_to=date(2026, 4, 30)))
    assert sorted(r["opportunity_id"] for r in won.rows) == ["O1", "O4"]
    assert sorted(r["opportunity_id"] for r in closed.rows) == ["O1", "O2", "O4"]


def test_team_scope_of_a_manager(story):
    team = scope_of_user(story.warehouse, story.appdb.user("zhao"))
    got = run_query(story.warehouse, MetricQuery(metrics=["opportunities_created"],
                                                 dimensions=["owner"]), team).rows
    assert {r["owner"]: r["opportunities_created"] for r in got} == {"U1": 2, "U2": 1}
    assert Scope.everything().describe() == "all records"
