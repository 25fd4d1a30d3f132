"""Erasing a person of the hand-made story (tests/metrics/story.py) and recording consent."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select

from revlens.appdb.models import PrivacyRequest
from revlens.cdp.erasure import consent_of, erase_person, record_consent
from revlens.cdp.profiles import ProfileNotFound, person_profile
from revlens.metrics import MetricQuery, run_query
from revlens.metrics.materialize import fresh_models

TOTALS = MetricQuery(metrics=["leads", "bookings", "won_deals", "opportunities_created"],
                     date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def test_erasure_removes_the_person_and_keeps_the_aggregates(refreshed_story):
    workspace = refreshed_story
    wh = workspace.warehouse
    before = run_query(wh, TOTALS).rows
    person = person_profile(wh, "email:l1@example.cn").id
    result = erase_person(wh, workspace.appdb, "email:l1@example.cn", user="dpo")
    # L1's person: visitor a1's page views and form (T1, T2, T4, T5); lead L1
    assert (result.touchpoints_deleted, result.leads_anonymised) == (4, 1)
    touches = wh.to_arrow(wh.table("touchpoints").select("touchpoint_id")).to_pylist()
    assert {"T1", "T2", "T4", "T5"}.isdisjoint({t["touchpoint_id"] for t in touches})
    lead = wh.to_arrow(wh.table("leads").filter(wh.table("leads").lead_id == "L1")).to_pylist()
    assert [(r["email"], r["name"], r["phone"]) for r in lead] == [(None, None, None)]
    with pytest.raises(ProfileNotFound):
        person_profile(wh, "email:l1@example.cn")
    ids = wh.table("identity_map")
    assert wh.execute(ids.filter(ids.person_id == person).count()) == 0
    assert fresh_models(wh) == set()               # stored copies of lead fields are gone
    assert run_query(wh, TOTALS).rows == before    # leads, deals and revenue still count
    with workspace.appdb.session() as s:
        (logged,) = s.scalars(select(PrivacyRequest)).all()
    assert logged.subject_hash == hashlib.sha256(person.encode()).hexdigest()
    assert logged.counts["touchpoints_deleted"] == 4 and "l1@" not in str(logged.counts)


def test_consent_per_channel(story, tmp_path):
    from revlens.appdb import AppDB

    appdb = AppDB(f"sqlite:///{tmp_path / 'app.db'}")
    appdb.migrate()
    person = record_consent(story.warehouse, appdb, "L3", "email", "granted", "event form")
    record_consent(story.warehouse, appdb, "email:l3@example.cn", "email", "unsubscribed")
    record_consent(story.warehouse, appdb, "L3", "sms", "granted")
    states = {c.channel: c.status for c in consent_of(appdb, person)}
    assert states == {"email": "unsubscribed", "sms": "granted"}
    appdb.close()


def test_cli_erase_asks_for_confirmation(refreshed_story, cli, ws_env):
    refreshed_story.close()
    unconfirmed = cli("privacy", "erase", "L4", env=ws_env)
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.stderr
    done = cli("privacy", "erase", "L4", "--yes", env=ws_env)
    assert done.exit_code == 0, done.stderr
    assert "1 touchpoints deleted" in done.stdout and "1 leads" in done.stdout
