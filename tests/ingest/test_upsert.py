"""Natural-key upsert: re-imports update only what changed, twice is a no-op, the last row of a
key wins, partial files never blank data, null key parts match, stale rows are not applied.
"""

from __future__ import annotations

import json
from decimal import Decimal

from revlens.contract.entities import ENTITIES
from revlens.warehouse.schema import BATCHES_TABLE, REJECTS_TABLE
from tests.ingest.support import counts, issues, load, stored, utc, write

LEADS = ("lead_id,created_at,name,status,微信号\n"
         "L1,2026-01-05 10:00,张三,new,wx_1\n"
         "L2,2026-01-05 11:00,李四,new,wx_2\n"
         "L3,2026-01-05 12:00,王五,new,wx_3\n")


def test_reimport_with_one_changed_row_updates_only_that_row(workspace, tmp_path):
    first = load(workspace, "leads", write(tmp_path / "a.csv", LEADS))
    changed = LEADS.replace("李四,new", "李四,contacted")
    second = load(workspace, "leads", write(tmp_path / "b.csv", changed))
    assert counts(second) == {"rows_read": 3, "inserted": 0, "updated": 1, "unchanged": 2,
                              "rejected": 0, "warnings": 0}
    assert stored(workspace, "leads", "lead_id", "status", "_batch_id") == [
        {"lead_id": "L1", "status": "new", "_batch_id": first.batch_id},
        {"lead_id": "L2", "status": "contacted", "_batch_id": second.batch_id},
        {"lead_id": "L3", "status": "new", "_batch_id": first.batch_id},
    ]


def test_the_same_file_twice_changes_nothing(workspace, tmp_path):
    path = write(tmp_path / "leads.csv", LEADS)
    assert load(workspace, "leads", path).inserted == 3
    tables = [*ENTITIES, REJECTS_TABLE]
    before = {t: stored(workspace, t) for t in tables}

    again = load(workspace, "leads", path)

    assert counts(again) == {"rows_read": 3, "inserted": 0, "updated": 0, "unchanged": 3,
                             "rejected": 0, "warnings": 0}
    # every table as it was, _batch_id and _loaded_at included; only the batch is recorded
    assert {t: stored(workspace, t) for t in tables} == before
    assert [b["batch_id"] for b in stored(workspace, BATCHES_TABLE)] == sorted(
        [b.id for b in workspace.appdb.batches()])
    assert len(workspace.appdb.batches()) == 2


def test_duplicate_keys_in_one_file_last_row_wins(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "lead_id,created_at,status\n"
                  "L1,2026-01-05 10:00,new\n"
                  "L2,2026-01-05 10:00,new\n"
                  "L1,2026-01-05 10:00,contacted\n"
                  "L1,2026-01-05 10:00,mql\n")
    result = load(workspace, "leads", leads)
    # rows 2 and 4 are superseded by row 5: counted unchanged, reported as warnings
    assert counts(result) == {"rows_read": 4, "inserted": 2, "updated": 0, "unchanged": 2,
                              "rejected": 0, "warnings": 2}
    assert stored(workspace, "leads", "lead_id", "status", "_row") == [
        {"lead_id": "L1", "status": "mql", "_row": 5},
        {"lead_id": "L2", "status": "new", "_row": 3},
    ]
    superseded = "superseded by a later row with the same key in this file"
    assert issues(workspace, result.batch_id) == [
        (2, "", None, superseded, "warning"), (4, "", None, superseded, "warning")]


def test_a_partial_file_keeps_the_columns_it_does_not_have(workspace, tmp_path):
    load(workspace, "leads", write(tmp_path / "full.csv", LEADS))
    partial = write(tmp_path / "status.csv",
                    "lead_id,created_at,status\n"
                    "L1,2026-01-05 10:00,contacted\n"
                    "L4,2026-01-06 10:00,new\n")
    result = load(workspace, "leads", partial)
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    rows = stored(workspace, "leads", "lead_id", "name", "status", "extra")
    assert [(r["lead_id"], r["name"], r["status"], r["extra"] and json.loads(r["extra"]))
            for r in rows] == [
        ("L1", "张三", "contacted", {"微信号": "wx_1"}),   # name and extra kept
        ("L2", "李四", "new", {"微信号": "wx_2"}),
        ("L3", "王五", "new", {"微信号": "wx_3"}),
        ("L4", None, "new", None),
    ]


def test_ad_spend_without_ad_group_and_keyword_columns(workspace, tmp_path):
    """Key (date, platform, campaign_name, ad_group, keyword): absent parts are null."""
    campaign_level = ("date,platform,campaign_name,cost\n"
                      "2026-01-05,百度,品牌词,100\n"
                      "2026-01-05,腾讯,品牌词,80\n")
    first = load(workspace, "ad_spend", write(tmp_path / "a.csv", campaign_level))
    assert first.inserted == 2
    keyword_level = write(tmp_path / "b.csv",
                          "date,platform,campaign_name,ad_group,keyword,cost\n"
                          "2026-01-05,百度,品牌词,,,120\n"          # the campaign-level row
                          "2026-01-05,百度,品牌词,核心,,30\n"
                          "2026-01-05,百度,品牌词,核心,crm软件,12.5\n")
    second = load(workspace, "ad_spend", keyword_level)
    assert (second.inserted, second.updated, second.unchanged) == (2, 1, 0)
    again = load(workspace, "ad_spend", keyword_level)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert load(workspace, "ad_spend", write(tmp_path / "c.csv", campaign_level)).updated == 1
    assert stored(workspace, "ad_spend", "platform", "ad_group", "keyword", "cost") == [
        {"platform": "baidu", "ad_group": None, "keyword": None, "cost": Decimal("100.00")},
        {"platform": "baidu", "ad_group": "核心", "keyword": None, "cost": Decimal("30.00")},
        {"platform": "baidu", "ad_group": "核心", "keyword": "crm软件", "cost": Decimal("12.50")},
        {"platform": "tencent", "ad_group": None, "keyword": None, "cost": Decimal("80.00")},
    ]


def test_targets_keyed_by_user_or_by_team(workspace, tmp_path):
    targets = ("period,metric,user_id,team,value\n"
               "2026-Q1,bookings,U1,,1000000\n"
               "2026-Q1,bookings,,华东,5000000\n"
               "2026-Q1,leads,,华东,300\n")
    assert load(workspace, "targets", write(tmp_path / "a.csv", targets)).inserted == 3
    raised = targets.replace("华东,5000000", "华东,5500000")
    result = load(workspace, "targets", write(tmp_path / "b.csv", raised))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    per_rep = write(tmp_path / "c.csv", "period,metric,user_id,value\n2026-Q1,bookings,U1,1200000\n"
                                        "2026-Q1,bookings,U2,800000\n")
    result = load(workspace, "targets", per_rep)                # no team column at all
    assert (result.inserted, result.updated) == (1, 1)
    assert stored(workspace, "targets", "metric", "user_id", "team", "value") == [
        {"metric": "bookings", "user_id": None, "team": "华东", "value": 5_500_000.0},
        {"metric": "bookings", "user_id": "U1", "team": None, "value": 1_200_000.0},
        {"metric": "bookings", "user_id": "U2", "team": None, "value": 800_000.0},
        {"metric": "leads", "user_id": None, "team": "华东", "value": 300.0},
    ]


def test_a_row_older_than_the_stored_one_is_not_applied(workspace, tmp_path):
    header = "lead_id,created_at,status,updated_at\n"
    load(workspace, "leads", write(tmp_path / "a.csv", header +
                                   "L1,2026-01-05,contacted,2026-01-10 09:00\n"
                                   "L2,2026-01-05,contacted,2026-01-10 09:00\n"))
    older = write(tmp_path / "b.csv", header +
                  "L1,2026-01-05,new,2026-01-08 09:00\n"        # stale: not applied
                  "L2,2026-01-05,mql,2026-01-12 09:00\n")       # newer: applied
    result = load(workspace, "leads", older)
    assert counts(result) == {"rows_read": 2, "inserted": 0, "updated": 1, "unchanged": 1,
                              "rejected": 0, "warnings": 1}
    assert stored(workspace, "leads", "lead_id", "status", "updated_at") == [
        {"lead_id": "L1", "status": "contacted", "updated_at": utc(2026, 1, 10, 1)},
        {"lead_id": "L2", "status": "mql", "updated_at": utc(2026, 1, 12, 1)},
    ]
    assert issues(workspace, result.batch_id) == [
        (2, "updated_at", None, "older than the stored row's updated_at; not applied",
         "warning")]


def test_within_a_file_the_latest_updated_at_wins_over_file_order(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "lead_id,created_at,status,updated_at\n"
                  "L1,2026-01-05,mql,2026-01-09 09:00\n"
                  "L1,2026-01-05,new,2026-01-06 09:00\n")
    result = load(workspace, "leads", leads)
    assert (result.inserted, result.unchanged, result.warnings) == (1, 1, 1)
    assert stored(workspace, "leads", "lead_id", "status") == [
        {"lead_id": "L1", "status": "mql"}]


def test_touchpoints_without_ids_get_stable_generated_ids(workspace, tmp_path):
    touches = ("occurred_at,type,anonymous_id,utm_source,utm_medium\n"
               "2026-01-05 10:00,page_view,a1,baidu,cpc\n"
               "2026-01-05 10:05,form_submit,a1,,\n")
    first = load(workspace, "touchpoints", write(tmp_path / "a.csv", touches))
    assert first.inserted == 2
    ids = stored(workspace, "touchpoints", "touchpoint_id", "type", "channel")
    assert all(r["touchpoint_id"].startswith("tp_") and len(r["touchpoint_id"]) == 19
               for r in ids)
    assert sorted((r["type"], r["channel"]) for r in ids) == [
        ("form_submit", "direct"), ("page_view", "paid_search")]
    more = touches + "2026-01-06 09:00,page_view,a2,,\n"
    again = load(workspace, "touchpoints", write(tmp_path / "b.csv", more))
    assert (again.inserted, again.updated, again.unchanged) == (1, 0, 2)
    assert {r["touchpoint_id"] for r in ids} < {
        r["touchpoint_id"] for r in stored(workspace, "touchpoints", "touchpoint_id")}
