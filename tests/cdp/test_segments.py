"""Segments of the hand-made story (tests/metrics/story.py) and their comparison with the rest.

A1 (专精特新) won O1 (100,000 after 30 days) and O4 (40,000 after 10 days); the rest lost O2
and has O3 open. The event registrants are L3 (whose O2 was lost) and L4."""

from __future__ import annotations

import json

import pytest

from revlens.cdp.profiles import person_profile
from revlens.cdp.segments import compare_segment, members, save_segment, segments
from revlens.cdp.tags import parse_condition
from revlens.metrics.scope import resolve_scope
from revlens.refresh import refresh
from tests.metrics.story import load_story

SPECIALISED = parse_condition({"kind": "attribute", "field": "specialized", "op": "eq",
                               "value": True})
REGISTERED = parse_condition({"kind": "behaviour", "touch_type": "event_registration"})


def test_an_account_segment_against_the_rest(story):
    c = compare_segment(story.warehouse, "专精特新", "account", SPECIALISED)
    seg, rest = c.segment_figures, c.rest
    assert (seg.members, rest.members) == (1, 2)
    assert (seg.won_deals, seg.closed_deals, seg.win_rate) == (2, 2, 1.0)
    assert seg.cycle_median_days == pytest.approx(20.0) and seg.average_deal == 70_000
    # two cycles, 30 and 10 days: mean 20, sd 14.14, t(0.975, 1) = 12.706
    low, high = seg.cycle_mean_ci
    assert (low, high) == pytest.approx((20 - 12.706 * 10, 20 + 12.706 * 10), abs=0.01)
    assert (rest.closed_deals, rest.won_deals, rest.win_rate) == (1, 0, 0.0)
    assert rest.cycle_median_days is None and c.cycle_median_ratio is None
    assert (seg.leads, seg.won_leads, rest.leads) == (1, 1, 4)


def test_a_person_segment_and_the_scope(story):
    wh = story.warehouse
    c = compare_segment(wh, "报名者", "person", REGISTERED)
    assert c.segment_figures.members == 2 and c.segment_figures.leads == 2      # L3, L4
    assert c.segment_figures.closed_deals == 1 and c.segment_figures.won_deals == 0   # O2
    assert c.rest.won_deals == 2 and c.rest.cycle_median_days == pytest.approx(20.0)
    mine = compare_segment(wh, "报名者", "person", REGISTERED, resolve_scope(wh, "U3", "own"))
    assert mine.rest.won_deals == 0 and mine.segment_figures.closed_deals == 1   # only O2
    assert set(members(wh, "person", REGISTERED)) == {person_profile(wh, "L3").id,
                                                        person_profile(wh, "L4").id}


def test_saved_segments_get_their_members_on_refresh(workspace, tmp_path, cli, ws_env):
    load_story(workspace, tmp_path)
    save_segment(workspace.appdb, "专精特新客户", "account", SPECIALISED, "专精特新")
    save_segment(workspace.appdb, "专精特新客户", "account", SPECIALISED, "replaced")
    assert [(s.name, s.description) for s in segments(workspace.appdb)] == [
        ("专精特新客户", "replaced")]
    refresh(workspace)
    t = workspace.warehouse.table("segment_members")
    assert workspace.warehouse.to_arrow(t).to_pylist() == [
        {"segment": "专精特新客户", "level": "account", "subject": "A1"}]
    workspace.close()
    got = cli("segments", "compare", "专精特新客户", "--format", "json", env=ws_env)
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout)["segment_figures"]["won_deals"] == 2
    listed = cli("segments", "members", "专精特新客户", "--format", "csv", env=ws_env)
    assert listed.stdout.split() == ["account_id", "A1"]
    missing = cli("segments", "compare", "nope", env=ws_env)
    assert missing.exit_code == 1 and "no segment 'nope'" in missing.stderr


def test_rest_api_of_tags_and_segments(story_dir):
    import httpx
    from fastapi import FastAPI

    from revlens.cdp.api import customers_router
    from revlens.config import load_settings
    from tests.http_server import served
    from tests.metrics.story import PASSWORD

    app = FastAPI()
    app.include_router(customers_router(lambda: load_settings(story_dir)))
    body = {"level": "account", "condition": {"kind": "attribute", "field": "specialized",
                                              "op": "eq", "value": True}}
    with served(app) as url:
        analyst, rep = ("analyst", PASSWORD), ("zhangsan", PASSWORD)
        assert httpx.put(f"{url}/api/v1/segments/api-spec", json=body,
                         auth=rep).status_code == 403
        saved = httpx.put(f"{url}/api/v1/segments/api-spec", json=body, auth=analyst)
        assert saved.status_code == 200 and saved.json()["level"] == "account"
        preview = httpx.post(f"{url}/api/v1/segments/preview", json=body, auth=rep)
        assert preview.json() == {"level": "account", "count": 1}
        compared = httpx.get(f"{url}/api/v1/segments/api-spec/compare", auth=analyst).json()
        assert compared["segment_figures"]["won_deals"] == 2
        bad = httpx.post(f"{url}/api/v1/segments/preview", auth=analyst,
                         json={"condition": {"kind": "sometimes"}})
        assert bad.status_code == 422 and "not a valid condition" in bad.text
        rules = httpx.get(f"{url}/api/v1/tags", auth=rep).json()
        assert {"高意向", "专精特新"} <= {r["name"] for r in rules}
        tagged = httpx.get(f"{url}/api/v1/tags/专精特新/members", params={"level": "account"},
                           auth=analyst).json()
        assert [r["account_id"] for r in tagged] == ["A1"]
        assert httpx.get(f"{url}/api/v1/segments/nope/compare", auth=analyst).status_code == 400
        assert httpx.get(f"{url}/api/v1/tags").status_code == 401
