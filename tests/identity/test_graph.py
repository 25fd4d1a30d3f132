"""The person identity graph on hand-made records: chains merge, blocked values and limits
keep people apart (with the reason recorded), ids stay stable, merges and splits are logged.
Every story runs twice: with the graph solved in memory and inside the warehouse
(`identity_engine`)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from revlens.identity.graph import resolve
from revlens.identity.guards import IdentityConfig, blocked_reason
from revlens.warehouse.schema import (
    IDENTITY_LOG_TABLE,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_TABLE,
)
from tests.attribution.conftest import write_csv


@pytest.fixture
def app_db_url():
    return None


@pytest.fixture(params=["memory", "warehouse"])
def identity_engine(request) -> str:
    return request.param


@pytest.fixture
def ws_overrides(ws_overrides, identity_engine) -> dict[str, str]:
    return {**ws_overrides, "identity_engine": identity_engine}


@pytest.fixture
def ws_env(ws_env, identity_engine) -> dict[str, str]:
    return {**ws_env, "REVLENS_IDENTITY_ENGINE": identity_engine}


def persons(ws) -> dict[tuple[str, str], str]:
    wh = ws.warehouse
    rows = wh.to_arrow(wh.table(IDENTITY_MAP_TABLE)).to_pylist()
    return {(r["identifier_type"], r["identifier_value"]): r["person_id"] for r in rows}


def table(ws, name: str) -> list[dict]:
    return ws.warehouse.to_arrow(ws.warehouse.table(name)).to_pylist()


CHAIN_TOUCHES = """
touchpoint_id,occurred_at,type,anonymous_id,email,phone,channel
T1,2026-03-01 10:00,page_view,cookie-1,,,paid_search
T2,2026-03-01 10:05,form_submit,cookie-1,Li.Lei@Corp.cn,13912345678,paid_search
"""
CHAIN_CONTACTS = """
contact_id,account_id,name,phone,wechat_unionid,created_at
C1,A1,李雷,+86 139 1234 5678,union-1,2026-03-02
"""


def test_cookie_form_and_crm_contact_become_one_person(workspace, tmp_path):
    write_csv(workspace, tmp_path, "touchpoints", CHAIN_TOUCHES)
    write_csv(workspace, tmp_path, "contacts", CHAIN_CONTACTS)
    run = resolve(workspace.warehouse)
    ids = persons(workspace)
    assert set(ids) == {("anonymous_id", "cookie-1"), ("email", "li.lei@corp.cn"),
                        ("phone", "+8613912345678"), ("contact_id", "C1"),
                        ("wechat_unionid", "union-1")}
    assert len(set(ids.values())) == 1
    assert (run.persons, run.identifiers, run.new, run.merges) == (1, 5, 1, 0)


OFFICE = """
contact_id,account_id,name,email,phone,created_at
C2,A1,张三,zhang.san@x.cn,13800000000,2026-03-01
C3,A1,李四,li.si@x.cn,13800000000,2026-03-01
"""


def test_a_blocked_office_phone_does_not_merge_two_people(workspace, tmp_path):
    write_csv(workspace, tmp_path, "contacts", OFFICE)
    resolve(workspace.warehouse)
    ids = persons(workspace)
    assert ids[("contact_id", "C2")] != ids[("contact_id", "C3")]
    assert ("phone", "+8613800000000") not in ids
    (rejected,) = table(workspace, IDENTITY_REJECTIONS_TABLE)
    assert (rejected["identifier_value"], rejected["reason"]) == (
        "+8613800000000", "blocked phone (a placeholder value)")


@pytest.mark.parametrize(("kind", "value", "reason"), [
    ("phone", "+8613333333333", "blocked phone (repeated or sequential digits)"),
    ("phone", "+8613123456789", "blocked phone (repeated or sequential digits)"),
    ("email", "sales@corp.cn", "blocked e-mail (the shared mailbox sales@)"),
    ("email", "test@test.com", "blocked email (a placeholder value)"),
    ("phone", "+8613912345678", None),
    ("email", "li.lei@corp.cn", None),
])
def test_blocked_values(kind, value, reason):
    assert blocked_reason(kind, value, IdentityConfig()) == reason


LIMIT_TOUCHES = """
touchpoint_id,occurred_at,type,anonymous_id,email,channel
T1,2026-03-01 10:00,form_submit,kiosk-1,a@corp.cn,event
T2,2026-03-02 10:00,form_submit,kiosk-1,b@corp.cn,event
T3,2026-03-03 10:00,form_submit,kiosk-1,c@corp.cn,event
"""


def test_an_edge_over_the_limit_is_dropped_with_its_reason(workspace, tmp_path):
    write_csv(workspace, tmp_path, "touchpoints", LIMIT_TOUCHES)
    run = resolve(workspace.warehouse, IdentityConfig(limits={"email": 2}))
    ids = persons(workspace)
    kiosk = ids[("anonymous_id", "kiosk-1")]
    # in time order: a@ and b@ join the kiosk cookie; c@ (the third e-mail) is refused
    assert ids[("email", "a@corp.cn")] == ids[("email", "b@corp.cn")] == kiosk
    assert ids[("email", "c@corp.cn")] != kiosk
    assert run.dropped_edges == 1
    (rejected,) = table(workspace, IDENTITY_REJECTIONS_TABLE)
    assert rejected["record_id"] == "T3"
    assert rejected["reason"] == "would give one person 3 email values (limit 2)"


FIRST = """
touchpoint_id,occurred_at,type,anonymous_id,email,phone,channel
T1,2026-03-01 10:00,page_view,cookie-a,,,direct
T2,2026-03-01 11:00,form_submit,cookie-b,wang@corp.cn,,direct
"""
LATER = """
touchpoint_id,occurred_at,type,anonymous_id,email,phone,channel
T3,2026-03-05 10:00,page_view,cookie-c,,,direct
T4,2026-03-06 10:00,form_submit,cookie-a,wang@corp.cn,,direct
"""


def test_ids_stay_stable_and_a_merge_keeps_the_oldest(workspace, tmp_path):
    write_csv(workspace, tmp_path, "touchpoints", FIRST)
    resolve(workspace.warehouse)
    before = persons(workspace)
    a, b = before[("anonymous_id", "cookie-a")], before[("anonymous_id", "cookie-b")]
    assert a != b
    (tmp_path / "later").mkdir()
    write_csv(workspace, tmp_path / "later", "touchpoints", LATER)
    run = resolve(workspace.warehouse)
    after = persons(workspace)
    oldest = min(a, b)
    assert after[("anonymous_id", "cookie-a")] == after[("anonymous_id", "cookie-b")] == oldest
    assert after[("anonymous_id", "cookie-c")] not in (a, b)        # a new person, a new id
    assert (run.merges, run.new) == (1, 1)
    merges = [r for r in table(workspace, IDENTITY_LOG_TABLE) if r["event"] == "merge"]
    assert [(m["person_id"], m["other_person_id"]) for m in merges] == [(oldest, max(a, b))]


SHARED = """
contact_id,account_id,name,email,phone,created_at
C5,A1,王五,wang.wu@x.cn,13912340001,2026-03-01
C6,A1,赵六,zhao.liu@x.cn,13912340001,2026-03-01
"""


def test_a_split_keeps_the_id_with_the_larger_part_and_is_logged(workspace, tmp_path):
    write_csv(workspace, tmp_path, "contacts", SHARED)
    resolve(workspace.warehouse)
    merged = persons(workspace)
    assert merged[("contact_id", "C5")] == merged[("contact_id", "C6")]
    original = merged[("contact_id", "C5")]
    run = resolve(workspace.warehouse, IdentityConfig(blocked={"phone": ("13912340001",)}))
    split = persons(workspace)
    # equal parts (contact id + e-mail each): the part with the smallest identifier keeps it
    assert split[("contact_id", "C5")] == original
    assert split[("contact_id", "C6")] != original
    assert run.splits == 1
    (event,) = [r for r in table(workspace, IDENTITY_LOG_TABLE) if r["event"] == "split"]
    assert (event["person_id"], event["other_person_id"]) == (split[("contact_id", "C6")],
                                                              original)
    # and running again changes nothing
    assert resolve(workspace.warehouse, IdentityConfig(
        blocked={"phone": ("13912340001",)})).splits == 0
    assert persons(workspace) == split


def test_explain_export_and_the_account_by_the_command_line(workspace, tmp_path, cli, ws_env):
    write_csv(workspace, tmp_path, "touchpoints", CHAIN_TOUCHES)
    write_csv(workspace, tmp_path, "contacts", CHAIN_CONTACTS)
    workspace.close()
    run = cli("identity", "run", env=ws_env)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("1 persons from 5 identifiers and 4 edges")
    explained = cli("identity", "explain", "union-1", "--format", "json", env=ws_env)
    assert explained.exit_code == 0, explained.stderr
    body = json.loads(explained.stdout)
    assert (body["identifier_type"], body["identifiers"]) == ("wechat_unionid", 5)
    # a record's identifiers hang off its first (anchor) one: the contact's phone, the
    # form's cookie. union-1 -> phone (contact C1) -> contact id (C1) and cookie (form T2)
    # -> e-mail (T2)
    chain = {(s["identifier_type"], s["via_type"], s["record_id"]) for s in body["steps"]}
    assert chain == {("phone", "wechat_unionid", "C1"), ("contact_id", "phone", "C1"),
                     ("anonymous_id", "phone", "T2"), ("email", "anonymous_id", "T2")}
    exported = cli("identity", "export", "--format", "csv", env=ws_env)
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert list(rows[0]) == ["identifier_type", "identifier_value", "person_id", "account_id"]
    assert {r["account_id"] for r in rows} == {"A1"}           # the contact names account A1
    assert len(rows) == 5 and len({r["person_id"] for r in rows}) == 1
    missing = cli("identity", "explain", "email:nobody@corp.cn", env=ws_env)
    assert missing.exit_code == 1 and "no person has the identifier" in missing.stderr


def test_the_vectorised_check_agrees_with_the_single_one():
    import pandas as pd

    from revlens.identity.guards import blocked_reasons

    pairs = [("phone", "+8613333333333"), ("phone", "+8613123456789"),
             ("email", "sales@corp.cn"), ("email", "test@test.com"), ("phone", "+8613912345678"),
             ("email", "li.lei@corp.cn"), ("anonymous_id", "cookie-1"), ("email", "")]
    config = IdentityConfig(blocked={"email": ("Li.Lei@Corp.cn",)})
    frame = pd.DataFrame(pairs)
    got = blocked_reasons(frame[0].to_numpy(), frame[1].to_numpy(), config)
    assert list(got) == [blocked_reason(k, v, config) for k, v in pairs]
    assert got[5] == "blocked email (a placeholder value)"      # listed by the workspace
