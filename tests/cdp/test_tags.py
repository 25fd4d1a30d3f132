"""Conditions and tags on the hand-made story (tests/metrics/story.py), evaluated as of
15 March 2026: visitor a1 (later lead L1) viewed pages three times on 1-2 March; L3 registered
for the event and checked in, L4 registered only; L3 and L4 came from the event channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from revlens.cdp import tags as tagging
from revlens.cdp.conditions import Evaluator, UnknownField
from revlens.cdp.profiles import person_profile
from revlens.cdp.tags import TagError, parse_condition
from revlens.refresh import refresh
from tests.metrics.story import load_story

MARCH_15 = datetime(2026, 3, 15, tzinfo=UTC)


def person_of(wh, lead_id: str) -> str:
    return person_profile(wh, lead_id).id


def matching(story, level: str, condition: dict, as_of=MARCH_15) -> set[str]:
    wh = story.warehouse
    with wh.scratch_scope():
        t = Evaluator(wh, level, as_of).compile(parse_condition(condition))
        return {r["subject"] for r in wh.to_arrow(t).to_pylist()}


def test_behaviour_with_counts_and_windows(story):
    l1 = person_of(story.warehouse, "L1")
    twice = {"kind": "behaviour", "touch_type": "page_view", "min_count": 2, "within_days": 30}
    assert matching(story, "person", twice) == {l1}
    assert matching(story, "person", {**twice, "within_days": 7}) == set()   # 1-2 March
    assert matching(story, "person", {**twice, "min_count": 4}) == set()


def test_and_or_not(story):
    wh = story.warehouse
    l3, l4 = person_of(wh, "L3"), person_of(wh, "L4")
    registered = {"kind": "behaviour", "touch_type": "event_registration"}
    checked_in = {"kind": "behaviour", "touch_type": "event_checkin"}
    assert matching(story, "person", {"kind": "all", "conditions": [
        registered, {"kind": "not", "condition": checked_in}]}) == {l4}
    assert matching(story, "person", {"kind": "any", "conditions": [
        checked_in, {"kind": "attribute", "field": "source_channel", "op": "eq",
                     "value": "event"}]}) == {l3, l4}


def test_account_level_attributes_and_behaviour(story):
    assert matching(story, "account", {"kind": "attribute", "field": "specialized",
                                       "op": "eq", "value": True}) == {"A1"}
    # A2's people (L3) registered and checked in; A1's (L1) only browsed
    assert matching(story, "account", {"kind": "behaviour", "touch_type": "event_checkin"}) \
        == {"A2"}
    with pytest.raises(UnknownField, match="colour"):
        matching(story, "account", {"kind": "attribute", "field": "colour", "value": 1})


def test_bad_conditions_are_refused_with_the_reason():
    with pytest.raises(TagError, match="kind"):
        parse_condition({"kind": "sometimes"})
    with pytest.raises(TagError, match="min_count"):
        parse_condition({"kind": "behaviour", "min_count": 0})


def test_rules_and_manual_tags_are_written_by_refresh(workspace, tmp_path):
    load_story(workspace, tmp_path)
    tagging.define(workspace.appdb, "看过价格页", "person", parse_condition(
        {"kind": "behaviour", "url_contains": "/pricing"}))
    tagging.define(workspace.appdb, "活动来源", "person", parse_condition(
        {"kind": "attribute", "field": "source_channel", "op": "eq", "value": "event"}))
    tagging.set_active(workspace.appdb, "活动参与者", False)       # a shipped rule, off
    tagging.tag_by_hand(workspace.appdb, "重点客户", "account", "A2")
    refresh(workspace)
    wh = workspace.warehouse
    l3 = person_of(wh, "L3")
    events = {r["person_id"] for r in tagging.members(wh, "活动来源", "person")}
    assert events == {l3, person_of(wh, "L4")}
    assert tagging.members(wh, "活动参与者", "person") == []
    assert tagging.members(wh, "看过价格页", "person") == []          # no pricing URL here
    assert [(r["account_id"], r["source"]) for r in tagging.members(wh, "重点客户", "account")] \
        == [("A2", "manual")]
    assert person_profile(wh, "L3").tags == ["活动来源"]
    assert tagging.untag(workspace.appdb, "重点客户", "account", "A2") == 1
    names = {d.name: d for d in tagging.definitions(workspace.appdb)}
    assert names["活动参与者"].active is False and names["高意向"].source == "revlens"


def test_cli_preview_define_members(refreshed_story, tmp_path, cli, ws_env):
    refreshed_story.close()
    rule = tmp_path / "rule.yaml"
    rule.write_text("kind: behaviour\ntouch_type: event_registration\n", encoding="utf-8")
    got = cli("tags", "preview", "--condition", str(rule), env=ws_env)
    assert got.exit_code == 0, got.stderr
    assert got.stdout.strip() == "2 persons"
    saved = cli("tags", "define", "报名者", "--condition", str(rule), env=ws_env)
    assert "2 persons match" in saved.stdout
    assert cli("refresh", env=ws_env).exit_code == 0
    listed = cli("tags", "members", "报名者", "--format", "json", env=ws_env)
    assert listed.stdout.count('"rule"') == 2
    bad = cli("tags", "preview", "--condition", "{kind: nope}", env=ws_env)
    assert bad.exit_code == 1 and "not a valid condition" in bad.stderr


def test_tag_members_within_a_scope(story):
    from revlens.metrics.scope import resolve_scope

    wh = story.warehouse
    every = tagging.members(wh, "专精特新", "account")
    assert [r["account_id"] for r in every] == ["A1"]
    assert tagging.members(wh, "专精特新", "account", resolve_scope(wh, "U1", "own")) == every
    assert tagging.members(wh, "专精特新", "account", resolve_scope(wh, "U3", "own")) == []
