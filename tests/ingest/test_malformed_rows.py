"""Rows that do not fit the header, and blank lines: the file still loads, row numbers hold."""

from __future__ import annotations

import pytest

from tests.ingest.support import counts, issues, load, stored, write

FILE = ("lead_id,created_at,name\n"            # line 1
        "L1,2026-01-05 10:00,A\n"               # 2
        "\n"                                     # 3 blank: not a row
        "L2,2026-01-05 11:00,B,oops\n"          # 4 one field too many
        "Total Energies,2026-01-05 12:00,C\n"   # 5 a company, not a totals row
        "合计,3\n"                              # 6 a short totals row
        'L3,2026-01-05 13:00,"two\nlines"\n'    # 7-8 one record
        "L4,2026-01-05 14:00,D\n")              # 9


@pytest.fixture
def app_db_url():
    return None


def test_odd_rows_are_rejected_with_their_line_numbers(workspace, tmp_path):
    result = load(workspace, "leads", write(tmp_path / "leads.csv", FILE))
    assert counts(result) == {"rows_read": 6, "inserted": 4, "updated": 0, "unchanged": 0,
                              "rejected": 2, "warnings": 0}
    found = issues(workspace, result.batch_id)
    assert [(row, column) for row, column, *_ in found] == [
        (4, ""), (6, ""), (6, "created_at"), (6, "lead_id")]
    assert "4 fields but the header has 3" in found[0][3]
    assert "totals row" in found[3][3]
    assert [r["lead_id"] for r in stored(workspace, "leads", "lead_id")] == [
        "L1", "L3", "L4", "Total Energies"]
    rows = {r["lead_id"]: r["_row"] for r in stored(workspace, "leads", "lead_id", "_row")}
    assert rows == {"L1": 2, "Total Energies": 5, "L3": 7, "L4": 9}


def test_a_well_formed_file_is_numbered_by_record(workspace, tmp_path):
    text = "lead_id,created_at\nL1,2026-01-05 10:00\nL2,not a date\n"
    result = load(workspace, "leads", write(tmp_path / "ok.csv", text))
    assert [(row, column) for row, column, *_ in issues(workspace, result.batch_id)] == [
        (3, "created_at")]
