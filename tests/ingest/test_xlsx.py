"""XLSX as people save it: real date cells, dates typed as plain serial numbers, numbers where
text was meant (a phone), and text dates.

Excel serial 46027 is 2026-01-05 (serial 0 = 1899-12-30); its fraction is the time of day, so
46027 + 10/24 is 10:00 that day, in the workspace zone (Shanghai, UTC+8).
"""

from __future__ import annotations

from datetime import date, datetime

import openpyxl

from tests.ingest.support import counts, issues, load, stored, utc

SERIAL_2026_01_05 = 46027


def _workbook(path, header, *rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "线索"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_serial_numbers_and_date_cells_are_stored_as_utc(workspace, tmp_path):
    assert (date(2026, 1, 5) - date(1899, 12, 30)).days == SERIAL_2026_01_05
    path = _workbook(
        tmp_path / "leads.xlsx",
        ["线索ID", "创建时间", "mql_at", "手机"],
        ["L1", SERIAL_2026_01_05 + 10 / 24, datetime(2026, 1, 5, 10, 0), 13812345678],
        ["L2", SERIAL_2026_01_05, date(2026, 1, 6), "139 0000 1111"],
        ["L3", "2026/1/7 14:30", None, None],
        ["L4", SERIAL_2026_01_05 + 0.5, "2026年1月8日 08:00", None],
    )
    result = load(workspace, "leads", path)
    assert counts(result) == {"rows_read": 4, "inserted": 4, "updated": 0, "unchanged": 0,
                              "rejected": 0, "warnings": 0}
    assert stored(workspace, "leads", "lead_id", "created_at", "mql_at", "phone") == [
        {"lead_id": "L1", "created_at": utc(2026, 1, 5, 2), "mql_at": utc(2026, 1, 5, 2),
         "phone": "+8613812345678"},
        {"lead_id": "L2", "created_at": utc(2026, 1, 4, 16), "mql_at": utc(2026, 1, 5, 16),
         "phone": "+8613900001111"},
        {"lead_id": "L3", "created_at": utc(2026, 1, 7, 6, 30), "mql_at": None, "phone": None},
        {"lead_id": "L4", "created_at": utc(2026, 1, 5, 4), "mql_at": utc(2026, 1, 8),
         "phone": None},
    ]


def test_serial_numbers_in_a_date_column(workspace, tmp_path):
    path = _workbook(tmp_path / "campaigns.xlsx",
                     ["campaign_id", "name", "channel", "start_date", "end_date", "budget"],
                     ["C1", "春季展会", "线下活动", SERIAL_2026_01_05, SERIAL_2026_01_05 + 26,
                      50000],
                     ["C2", "白皮书", "content", date(2026, 2, 1), "2026/2/28", "¥1,500.50"])
    result = load(workspace, "campaigns", path)
    assert (result.inserted, result.rejected) == (2, 0)
    rows = stored(workspace, "campaigns", "campaign_id", "start_date", "end_date", "budget")
    assert [(r["campaign_id"], r["start_date"], r["end_date"], str(r["budget"]))
            for r in rows] == [
        ("C1", date(2026, 1, 5), date(2026, 1, 31), "50000.00"),
        ("C2", date(2026, 2, 1), date(2026, 2, 28), "1500.50"),
    ]


def test_a_number_is_a_serial_only_in_xlsx_and_bad_cells_cite_the_sheet_row(workspace,
                                                                            tmp_path):
    path = _workbook(tmp_path / "leads.xlsx", ["lead_id", "created_at"],
                     ["L1", SERIAL_2026_01_05], ["L2", "昨天"], ["L3", -3])
    result = load(workspace, "leads", path)
    assert (result.inserted, result.rejected) == (1, 2)
    reason = ("'{}' is not a date/time "
              "(expected e.g. 2026-01-05 10:00, 2026/1/5 10:00 or 2026年1月5日 10:00)")
    assert issues(workspace, result.batch_id) == [
        (3, "created_at", "昨天", reason.format("昨天"), "error"),
        (4, "created_at", "-3", reason.format("-3"), "error"),
    ]
    csv = tmp_path / "leads.csv"
    csv.write_text(f"lead_id,created_at\nL9,{SERIAL_2026_01_05}\n", encoding="utf-8")
    assert load(workspace, "leads", csv).rejected == 1
