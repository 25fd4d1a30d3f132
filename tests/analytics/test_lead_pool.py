"""The lead pool and stalled deals of the hand-made story (tests/metrics/story.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from revlens.analytics.funnels import FunnelRequest, stalled_deals
from revlens.analytics.lead_pool import LeadPoolRequest, lead_pool
from revlens.metrics import Filter
from revlens.metrics.scope import resolve_scope

APRIL_1 = datetime(2026, 3, 31, 16, tzinfo=UTC)          # 1 April 00:00 in Shanghai


def test_the_pool_most_idle_first_with_age_and_last_touch(story):
    pool = lead_pool(story.warehouse, LeadPoolRequest(as_of=APRIL_1))
    assert [lead.lead_id for lead in pool.leads] == ["L2", "L4"]
    l2, l4 = pool.leads
    assert l2.last_touch_at == datetime(2026, 3, 3, 4, tzinfo=UTC)   # F3, 12:00 in Shanghai
    assert l2.idle_days == pytest.approx(28.5) and l2.follow_ups == 1
    assert l4.last_touch_at == l4.created_at and l4.idle_days == pytest.approx(11 + 14 / 24)
    assert l2.owner_name == "李四" and l4.source_channel == "event"
    assert (pool.total, pool.idle, pool.by_status) == (2, 2, {"mql": 1, "new": 1})


def test_filters_paging_scope_and_masking(story):
    wh = story.warehouse
    assert lead_pool(wh, LeadPoolRequest(as_of=APRIL_1, owner=["U2"])).total == 1
    assert lead_pool(wh, LeadPoolRequest(as_of=APRIL_1, channel=["event"])).leads[0].lead_id \
        == "L4"
    recent = datetime(2026, 3, 21, 16, tzinfo=UTC)              # L4 is a day and a half old
    assert [lead.lead_age for lead in lead_pool(wh, LeadPoolRequest(
        as_of=recent, age=["1-3d"])).leads] == ["1-3d"]
    by_age = lead_pool(wh, LeadPoolRequest(as_of=APRIL_1, sort="age_days", descending=False,
                                           limit=1))
    assert [lead.lead_id for lead in by_age.leads] == ["L4"] and by_age.total == 2
    extra = lead_pool(wh, LeadPoolRequest(as_of=APRIL_1, filters=[
        Filter(dimension="team", values=("华北销售",))]))
    assert extra.total == 0
    mine = lead_pool(wh, LeadPoolRequest(as_of=APRIL_1), resolve_scope(wh, "U1", "own"),
                     pii=False)
    assert [(lead.lead_id, lead.email) for lead in mine.leads] == [("L4", "l***@example.cn")]


def test_stalled_deals_are_open_deals_past_the_usual_stay(story):
    # on 30 April O3 has been in solution since 22 March (39 days and 14 hours); the only
    # completed solution stay is O1's 10 days
    (o3,) = stalled_deals(story.warehouse, FunnelRequest(date_to=date(2026, 4, 30)))
    assert (o3.opportunity_id, o3.stage, o3.owner_id, o3.amount) == \
        ("O3", "solution", "U2", 80_000)
    assert o3.days_in_stage == pytest.approx(39 + 14 / 24) and o3.typical_days == 10
    # on 31 March it had waited 9 days, less than 10
    assert stalled_deals(story.warehouse, FunnelRequest(date_to=date(2026, 3, 31))) == []
    assert stalled_deals(story.warehouse, FunnelRequest(date_to=date(2026, 4, 30)),
                         resolve_scope(story.warehouse, "U1", "own")) == []
