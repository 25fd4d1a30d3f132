"""Journeys: who the touches belong to, the window, exclusions, ties, account-based B2B."""

from __future__ import annotations

import ibis
import pytest

from revlens.attribution.engine import Scope, touch_credits
from revlens.attribution.journeys import journeys
from revlens.attribution.persons import FallbackPersons, IdentityMapPersons, person_source
from revlens.attribution.specs import ModelSpec
from tests.attribution.conftest import write_csv


def touches_of(ws, conversion_type: str, **kw) -> dict[str, list[str]]:
    wh = ws.warehouse
    table = journeys(wh, conversion_type, **kw)
    rows = wh.to_arrow(table.order_by(["conversion_id", "pos"])).to_pylist()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["conversion_id"], []).append(r["touchpoint_id"])
    return out


def test_lead_journeys_by_id_email_and_phone(lead_story):
    assert isinstance(person_source(lead_story.warehouse), FallbackPersons)
    got = touches_of(lead_story, "lead_created")
    assert got["L1"] == ["T11"]                       # lead_id
    assert got["L2"] == ["T21", "T22"]                # e-mail, in any case
    assert got["L3"] == ["T31", "T32", "T33"]         # phone, however it was written
    # T34 at the conversion instant and T35 after it are excluded; T40 is 400 days old
    assert got["L4"] == ["T41", "T42", "T43", "T44", "T45"]
    assert "T90" not in sum(got.values(), [])         # anonymous visitor, no lead


def test_ties_are_ordered_by_type_then_id(workspace, tmp_path):
    write_csv(workspace, tmp_path, "leads", "lead_id,created_at\nL9,2026-03-31 10:00\n")
    write_csv(workspace, tmp_path, "touchpoints", """
touchpoint_id,occurred_at,type,lead_id,channel
TZ2,2026-03-01 10:00,form_submit,L9,direct
TZ1,2026-03-01 10:00,page_view,L9,paid_search
TZ0,2026-03-01 10:00,ad_click,L9,paid_search
TZ4,2026-03-01 10:00,page_view,L9,email
TZ3,2026-03-01 10:00,page_view,L9,content
""")
    order = ["TZ0", "TZ1", "TZ3", "TZ4", "TZ2"]   # ad_click, page_views by id, form_submit
    for _ in range(3):
        assert touches_of(workspace, "lead_created")["L9"] == order
    wh = workspace.warehouse
    first = touch_credits(wh, ModelSpec(model="first_touch"), Scope("lead_created"))
    assert wh.to_arrow(first.filter(first.credit == 1).select("touchpoint_id")
                       ).column(0).to_pylist() == ["TZ0"]


def test_opportunity_journeys_are_account_based_and_deduplicated(account_story):
    created = touches_of(account_story, "opportunity_created")
    assert created["O1"] == ["TA1", "TA2", "TA3", "TA4"]   # TA4 at 09:00 < created 10:00
    won = touches_of(account_story, "won")
    # contact e-mail, lead id, account id, lead phone, contact id; TA6 once; TA7 after close
    assert won["O1"] == ["TA1", "TA2", "TA3", "TA4", "TA5", "TA6"]
    assert "O3" not in won and "O2" not in won             # O3 has no touch, O2 is open


def test_identity_map_joins_touches_through_persons(lead_story, tmp_path):
    wh = lead_story.warehouse
    # OneID knows that anon_1 is the person of lead L1 (its identity map, as OneID writes it)
    assert isinstance(person_source(wh), FallbackPersons)      # the identity map is empty
    wh.append("identity_map", ibis.memtable({
        "identifier_type": ["lead_id", "anonymous_id"], "identifier_value": ["L1", "anon_1"],
        "person_id": ["P1", "P1"]}).mutate(first_seen=ibis.now().cast("timestamp('UTC', 6)")))
    assert isinstance(person_source(wh), IdentityMapPersons)
    got = touches_of(lead_story, "lead_created")
    assert got["L1"] == ["T90", "T91", "T11"]
    assert "L2" not in got                                 # no identifiers in the map
    fallback = touches_of(lead_story, "lead_created", persons=FallbackPersons())
    assert fallback["L1"] == ["T11"] and fallback["L2"] == ["T21", "T22"]


def test_oneid_gives_the_same_journeys_as_shared_identifiers(lead_story):
    """Built by OneID itself, the map joins each lead to the touches sharing its id, e-mail
    (any case) or phone (any format) — the fallback's journeys, now through persons."""
    from revlens.identity.graph import resolve

    resolve(lead_story.warehouse)
    assert isinstance(person_source(lead_story.warehouse), IdentityMapPersons)
    got = touches_of(lead_story, "lead_created")
    assert got["L1"] == ["T11"]
    assert got["L2"] == ["T21", "T22"]
    assert got["L3"] == ["T31", "T32", "T33"]
    assert got == touches_of(lead_story, "lead_created", persons=FallbackPersons())


W_SHAPED_WON = [0.3, 0.3, 0.1 / 3, 0.3, 0.1 / 3, 0.1 / 3]  # first, lead, -, opp, -, -


@pytest.mark.parametrize("model, conversion, expected", [
    ("w_shaped", "won", {"O1": W_SHAPED_WON}),
    ("w_shaped", "opportunity_created", {"O1": [0.3, 0.3, 0.1, 0.3],
                                         # TB1 is first touch and lead-creation touch: 30+30
                                         "O2": [0.6, 0.1, 0.3]}),
    ("full_path", "won", {"O1": [0.225, 0.225, 0.05, 0.225, 0.05, 0.225]}),
    # no closed-won touch before the opportunity exists: 22.5% x3 + 10% scaled to 1
    ("full_path", "opportunity_created", {"O1": [0.225 / 0.775] * 2 + [0.1 / 0.775,
                                                                       0.225 / 0.775]}),
])
def test_milestone_models_by_hand(account_story, model, conversion, expected):
    wh = account_story.warehouse
    table = touch_credits(wh, ModelSpec(model=model), Scope(conversion))
    rows = wh.to_arrow(table.order_by(["conversion_id", "pos"])).to_pylist()
    for opp, credits in expected.items():
        assert [r["credit"] for r in rows if r["conversion_id"] == opp] == pytest.approx(
            credits)


def test_won_amount_is_the_order_and_pipeline_the_opportunity(account_story):
    wh = account_story.warehouse
    for conversion, amount in (("won", 120_000), ("opportunity_created", 100_000)):
        table = touch_credits(wh, ModelSpec(model="linear"), Scope(conversion))
        table = table.filter(table.conversion_id == "O1")
        assert wh.execute(table.amount_credit.sum()) == pytest.approx(amount)
