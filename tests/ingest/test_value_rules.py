"""The value rules of the data contract, through real files: dates, yes/no, phones, enums and
unknown columns. The workspace time zone is Asia/Shanghai (UTC+8, no DST): 10:00 there is
02:00 UTC.
"""

from __future__ import annotations

import json
from datetime import date

from tests.ingest.support import counts, issues, load, stored, utc, write

PHONE_WARNING = ("'{}' is not a phone number that can be normalised to E.164 "
                 "(e.g. +8613812345678); the column was left empty")


def test_chinese_date_forms_are_shanghai_time_stored_as_utc(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "lead_id,created_at,mql_at\n"
                  "L1,2026年1月5日 10:00,2026-01-05T10:00:00+00:00\n"
                  "L2,2026/1/5 10:00,2026-01-05 10:00:00\n"
                  "L3,2026-01-05T10:00+08:00,2026年1月5日\n")
    result = load(workspace, "leads", leads)
    assert (result.inserted, result.rejected) == (3, 0)
    assert stored(workspace, "leads", "lead_id", "created_at", "mql_at") == [
        {"lead_id": "L1", "created_at": utc(2026, 1, 5, 2), "mql_at": utc(2026, 1, 5, 10)},
        {"lead_id": "L2", "created_at": utc(2026, 1, 5, 2), "mql_at": utc(2026, 1, 5, 2)},
        # midnight in Shanghai is 16:00 UTC the day before
        {"lead_id": "L3", "created_at": utc(2026, 1, 5, 2), "mql_at": utc(2026, 1, 4, 16)},
    ]


def test_dates_keep_the_calendar_day_and_bad_dates_reject_the_row(workspace, tmp_path):
    campaigns = write(tmp_path / "campaigns.csv",
                      "活动ID,活动名称,渠道,start_date,end_date\n"
                      "C1,春季展会,线下活动,2026年1月5日,2026/1/31\n"
                      "C2,白皮书,内容营销,2026-02-30,\n")        # no 30 February
    result = load(workspace, "campaigns", campaigns)
    assert (result.inserted, result.rejected) == (1, 1)
    assert stored(workspace, "campaigns", "campaign_id", "channel", "start_date",
                  "end_date") == [{"campaign_id": "C1", "channel": "event",
                                   "start_date": date(2026, 1, 5),
                                   "end_date": date(2026, 1, 31)}]
    assert issues(workspace, result.batch_id) == [
        (3, "start_date", "2026-02-30",
         "'2026-02-30' is not a date (expected e.g. 2026-01-05, 2026/1/5 or 2026年1月5日)",
         "error")]


def test_yes_no_in_chinese_and_english(workspace, tmp_path):
    accounts = write(tmp_path / "accounts.csv",
                     "客户ID,客户名称,创建时间,上市公司,专精特新,目标客户\n"
                     "A1,甲科技,2026-01-05,是,否,y\n"
                     "A2,乙制造,2026-01-05,否,真,false\n"
                     "A3,丙物流,2026-01-05,也许,,\n")
    result = load(workspace, "accounts", accounts)
    assert (result.inserted, result.rejected) == (2, 1)
    assert stored(workspace, "accounts", "account_id", "is_listed", "is_specialized",
                  "is_target") == [
        {"account_id": "A1", "is_listed": True, "is_specialized": False, "is_target": True},
        {"account_id": "A2", "is_listed": False, "is_specialized": True, "is_target": False},
    ]
    assert issues(workspace, result.batch_id) == [
        (4, "上市公司", "也许", "'也许' is not a yes/no value (expected true/false, 1/0, "
                            "yes/no, y/n, t/f, 是/否 or 真/假)", "error")]


def test_phones_become_e164_and_an_unreadable_one_is_a_warning(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "线索ID,创建时间,手机\n"
                  "L1,2026-01-05 10:00,138 1234 5678\n"
                  "L2,2026-01-05 10:00,+86 139-0000-1111\n"
                  "L3,2026-01-05 10:00,0086 13700001111\n"
                  "L4,2026-01-05 10:00,12345\n")
    result = load(workspace, "leads", leads)
    assert counts(result) == {"rows_read": 4, "inserted": 4, "updated": 0, "unchanged": 0,
                              "rejected": 0, "warnings": 1}
    assert stored(workspace, "leads", "lead_id", "phone") == [
        {"lead_id": "L1", "phone": "+8613812345678"},
        {"lead_id": "L2", "phone": "+8613900001111"},
        {"lead_id": "L3", "phone": "+8613700001111"},
        {"lead_id": "L4", "phone": None},            # kept, phone left empty, never guessed
    ]
    assert issues(workspace, result.batch_id) == [
        (5, "手机", "12345", PHONE_WARNING.format("12345"), "warning")]


def test_chinese_enum_labels_map_to_canonical_values(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "线索ID,创建时间,线索来源,状态\n"
                  "L1,2026-01-05 10:00,搜索广告,已联系\n"
                  "L2,2026-01-05 10:00,信息流,新线索\n"
                  "L3,2026-01-05 10:00,Organic_Search,MQL\n"   # canonical, any case
                  "L4,2026-01-05 10:00,电销,退回公海\n")
    result = load(workspace, "leads", leads)
    assert (result.inserted, result.rejected) == (4, 0)
    assert stored(workspace, "leads", "lead_id", "source_channel", "status") == [
        {"lead_id": "L1", "source_channel": "paid_search", "status": "contacted"},
        {"lead_id": "L2", "source_channel": "paid_social", "status": "new"},
        {"lead_id": "L3", "source_channel": "organic_search", "status": "mql"},
        {"lead_id": "L4", "source_channel": "sdr_outbound", "status": "recycled"},
    ]


def test_unknown_enum_value_is_rejected_listing_the_allowed_values(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "线索ID,创建时间,状态\n"
                  "L1,2026-01-05 10:00,已联系\n"
                  "L2,2026-01-05 10:00,潜在客户\n")
    result = load(workspace, "leads", leads)
    assert (result.inserted, result.rejected) == (1, 1)
    [(row, column, value, reason, severity)] = issues(workspace, result.batch_id)
    assert (row, column, value, severity) == (3, "状态", "潜在客户", "error")
    assert reason == ("'潜在客户' is not one of: new (新线索), contacted (已联系), mql, sql, "
                      "converted (已转化), disqualified (无效), recycled (退回公海)")
    assert stored(workspace, "leads", "lead_id") == [{"lead_id": "L1"}]


def test_unknown_columns_are_kept_in_extra_as_json(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "线索ID,创建时间,微信号,展会名称\n"
                  "L1,2026-01-05 10:00,wx_zhang, 进博会 \n"
                  "L2,2026-01-05 10:00,,\n")
    load(workspace, "leads", leads)
    rows = stored(workspace, "leads", "lead_id", "extra")
    assert [(r["lead_id"], json.loads(r["extra"])) for r in rows] == [
        ("L1", {"微信号": "wx_zhang", "展会名称": "进博会"}),
        ("L2", {"微信号": None, "展会名称": None}),
    ]


def test_a_required_value_that_is_empty_rejects_the_row(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "lead_id,created_at,name\n"
                  "L1,,张三\n"
                  ",2026-01-05,李四\n"
                  "L3,2026-01-05,王五\n")
    result = load(workspace, "leads", leads)
    assert (result.inserted, result.rejected) == (1, 2)
    assert issues(workspace, result.batch_id) == [
        (2, "created_at", None, "created_at is required but empty", "error"),
        (3, "lead_id", None, "lead_id is required but empty", "error"),
    ]
