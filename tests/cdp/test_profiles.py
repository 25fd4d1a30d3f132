"""Customer 360 of the hand-made story (tests/metrics/story.py): the person behind lead L1
(l1@example.cn, who browsed as anonymous visitor a1 before submitting a form) and account A1."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI

from revlens.cdp.api import profiles_router
from revlens.cdp.privacy import mask_email, mask_phone
from revlens.cdp.profiles import ProfileNotFound, account_profile, person_profile
from revlens.config import load_settings
from revlens.metrics.scope import resolve_scope
from tests.http_server import served
from tests.metrics.story import PASSWORD


def test_a_person_found_by_any_identifier(story):
    by_email = person_profile(story.warehouse, "email:L1@Example.cn")
    by_lead = person_profile(story.warehouse, "L1")
    assert by_email.id == by_lead.id and by_email.account_id == "A1"
    kinds = {(i.identifier_type, i.identifier_value) for i in by_email.identifiers}
    assert {("lead_id", "L1"), ("email", "l1@example.cn"), ("anonymous_id", "a1")} <= kinds


def test_attributes_are_the_latest_values_with_their_source(story):
    p = person_profile(story.warehouse, "L1")
    attributes = {a.name: (a.value, a.source) for a in p.attributes}
    assert attributes["name"] == ("甲", "leads:L1")
    assert attributes["province"] == ("上海", "accounts:A1")
    assert p.scores == {"lead_score": None, "fit_score": None, "engagement_score": None}


def test_the_timeline_joins_web_visits_to_deals_and_service(story):
    p = person_profile(story.warehouse, "L1")
    assert [o["opportunity_id"] for o in p.opportunities] == ["O1", "O4"]
    assert sorted(o["order_id"] for o in p.orders) == ["SO1", "SO2"]
    assert sorted(x["payment_id"] for x in p.payments) == ["P1", "P2", "P3"]
    kinds = [e.kind for e in p.timeline]
    # newest first: the payment of 5 May ... the page views of 1 March as visitor a1
    assert p.timeline[0].record_id == "P2" and p.timeline[-1].record_id in ("T1", "T2")
    assert {"touchpoint", "lead_status", "activity", "opportunity_created",
            "opportunity_closed", "order", "payment", "ticket", "nps"} <= set(kinds)
    touches = [e.record_id for e in p.timeline if e.kind == "touchpoint"]
    assert sorted(touches) == ["T1", "T2", "T4", "T5"]
    assert p.timeline_total == len(p.timeline)
    assert len(person_profile(story.warehouse, "L1", timeline_limit=3).timeline) == 3


def test_an_account_profile(story):
    a = account_profile(story.warehouse, "A1")
    assert a.account_id == "A1" and [x["lead_id"] for x in a.leads] == ["L1"]
    assert sorted(x["ticket_id"] for x in a.tickets) == ["K1", "K3"]
    assert sorted(x["score"] for x in a.nps) == [9, 10]
    assert a.people == [person_profile(story.warehouse, "L1").id]


def test_scope_and_masking(story):
    wh = story.warehouse
    with pytest.raises(ProfileNotFound):
        person_profile(wh, "L1", resolve_scope(wh, "U3", "own"))     # U3 owns nothing of it
    mine = person_profile(wh, "L1", resolve_scope(wh, "U1", "own"), pii=False)
    identifiers = {i.identifier_type: i.identifier_value for i in mine.identifiers}
    assert identifiers["email"] == "l***@example.cn"
    assert all(r["email"] == "l***@example.cn" for r in mine.leads)
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_email("zhang.wei@example.cn") == "z***@example.cn"
    with pytest.raises(ProfileNotFound):
        account_profile(wh, "A9")


def test_cli_and_rest(story_dir, cli):
    got = cli("profile", "person", "L1", "--format", "json", "-w", str(story_dir))
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout)["account_id"] == "A1"
    app = FastAPI()
    app.include_router(profiles_router(lambda: load_settings(story_dir)))
    with served(app) as url:
        rep = httpx.get(f"{url}/api/v1/profiles/person/L1", auth=("zhangsan", PASSWORD))
        assert rep.status_code == 200, rep.text
        assert rep.json()["leads"][0]["email"] == "l***@example.cn"     # no PII permission
        admin = httpx.get(f"{url}/api/v1/profiles/account/A1", auth=("analyst", PASSWORD))
        assert admin.status_code == 200 and admin.json()["id"] == "A1"
        hidden = httpx.get(f"{url}/api/v1/profiles/person/L3", auth=("zhangsan", PASSWORD))
        assert hidden.status_code == 404
        assert httpx.get(f"{url}/api/v1/profiles/account/A1").status_code == 401
