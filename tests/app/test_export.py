"""Exporting the records behind a number: CSV that Excel opens in Chinese, XLSX, the user's
scope, personal data masked without the permission, formulas kept as text, a clear refusal
beyond 100,000 records, and an audit entry for each export (on the story's served copy)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx
import pytest
from openpyxl import load_workbook

from revlens.appdb import AppDB
from revlens.config import load_settings
from revlens.metrics.export import Export, ExportTooLarge, export_records, to_csv, to_xlsx
from revlens.metrics.query import DrillRequest
from tests.app.conftest import log_in
from tests.metrics.story import PASSWORD

REGISTRATIONS = {"metric": "event_registrations"}      # touchpoints T6 (l3@), T7 (l4@)


@contextmanager
def _client(url: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=60) as c:
        assert log_in(c, username, PASSWORD).status_code == 200
        yield c


def _csv(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")             # the BOM Excel needs
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_is_utf8_with_a_bom_and_a_file_name(served_story):
    with _client(served_story[0], "zhao") as manager:
        got = manager.post("/api/v1/metrics/export", params={"format": "csv"},
                           json={"metric": "leads"})
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"].startswith('attachment; filename="leads-')
    rows = _csv(got)
    # zhao manages 华东销售 (U1, U2): leads L1, L2, L4 — names in Chinese survive the trip
    assert sorted((r["lead_id"], r["name"]) for r in rows) == [("L1", "甲"), ("L2", "乙"),
                                                                ("L4", "丁")]
    # times in the workspace zone (Asia/Shanghai) as Excel shows them
    assert next(r for r in rows if r["lead_id"] == "L1")["created_at"] == "2026-03-02 10:00:00"


def test_personal_data_is_masked_without_the_permission(served_story):
    with _client(served_story[0], "analyst") as analyst, \
            _client(served_story[0], "boss") as admin:
        masked = _csv(analyst.post("/api/v1/metrics/export", json=REGISTRATIONS))
        plain = _csv(admin.post("/api/v1/metrics/export", json=REGISTRATIONS))
    assert sorted(r["email"] for r in masked) == ["l***@example.cn", "l***@example.cn"]
    assert sorted(r["email"] for r in plain) == ["l3@example.cn", "l4@example.cn"]


def test_xlsx_holds_the_same_records(served_story):
    with _client(served_story[0], "zhangsan") as rep:
        got = rep.post("/api/v1/metrics/export", params={"format": "xlsx"},
                       json={"metric": "bookings"})
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(got.content)).active
    header, *rows = list(sheet.values)
    records = [dict(zip(header, r, strict=True)) for r in rows]
    # the rep's bookings: SO1 ¥100,000 (O1) and SO2 ¥40,000 (O4); SO3 is U3's account's
    assert sorted((r["order_id"], r["amount"]) for r in records) == [("SO1", 100_000),
                                                                     ("SO2", 40_000)]
    assert isinstance(records[0]["signed_at"], datetime)


def test_each_export_is_audited(served_story, story_copy):
    with _client(served_story[0], "zhangsan") as rep:
        rep.post("/api/v1/metrics/export", params={"format": "csv"},
                 json={"metric": "new_pipeline", "where": {"month": "2026-03"}})
        unknown = rep.post("/api/v1/metrics/export", json={"metric": "nope"})
        assert unknown.status_code == 400
        bad_format = rep.post("/api/v1/metrics/export", params={"format": "pdf"},
                              json={"metric": "leads"})
        assert bad_format.status_code == 422
    db = AppDB(load_settings(story_copy[0]).app_db_url)
    try:
        entry = db.audit_log(action="export", actor="zhangsan")[0]
    finally:
        db.close()
    assert (entry.target, entry.ip) == ("new_pipeline", "127.0.0.1")
    assert entry.detail["format"] == "csv" and entry.detail["rows"] == 1       # O1, March
    assert entry.detail["request"]["where"] == {"month": "2026-03"}
    assert entry.detail["scope"].startswith("own records of U1")


def test_more_records_than_an_export_holds_are_refused(story):
    with pytest.raises(ExportTooLarge, match="leads has 5 records here, more than the 4 one "
                                             "export holds; narrow the period"):
        export_records(story.warehouse, DrillRequest(metric="leads"), limit=4)
    assert len(export_records(story.warehouse, DrillRequest(metric="leads"), limit=5).rows) == 5


def test_text_a_spreadsheet_would_run_stays_text():
    export = Export(metric="leads", model="leads", columns=["name", "phone", "note"],
                    rows=[["=HYPERLINK(\"http://x\")", "+86 138 0013 8000", "-1+2"],
                          ["@SUM(A1)", "-", "普通"]], scope="all records")
    rows = list(csv.reader(io.StringIO(to_csv(export).decode("utf-8-sig"))))
    assert rows[1:] == [["'=HYPERLINK(\"http://x\")", "+86 138 0013 8000", "'-1+2"],
                        ["'@SUM(A1)", "-", "普通"]]
    sheet = load_workbook(io.BytesIO(to_xlsx(export))).active
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
