"""The same three leads as CSV (UTF-8 with BOM), TSV, Parquet, a JSON array and JSON Lines store
exactly the same rows: importing one after another changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from revlens.errors import ImportFileError
from tests.ingest.support import counts, issues, load, stored, utc, write

ROWS = [
    {"线索ID": "L1", "创建时间": "2026年1月5日 10:00", "手机": "138 1234 5678",
     "线索来源": "搜索广告", "状态": "已联系", "微信号": "wx_1",
     "mql_at": "2026-01-05T12:00:00+08:00"},
    {"线索ID": "L2", "创建时间": "2026-01-06T09:30:00+08:00", "手机": None,
     "线索来源": "信息流", "状态": "新线索", "微信号": None, "mql_at": None},
    {"线索ID": "L3", "创建时间": "2026-01-07 23:00:00Z", "手机": "+86 139-0000-1111",
     "线索来源": "paid_search", "状态": "mql", "微信号": "wx \"3\", 备注",
     "mql_at": "2026-01-08T08:00:00+08:00"},   # JSON readers must not drop written offsets
]
EXPECTED = [
    {"lead_id": "L1", "created_at": utc(2026, 1, 5, 2), "phone": "+8613812345678",
     "source_channel": "paid_search", "status": "contacted", "mql_at": utc(2026, 1, 5, 4),
     "extra": {"微信号": "wx_1"}},
    {"lead_id": "L2", "created_at": utc(2026, 1, 6, 1, 30), "phone": None,
     "source_channel": "paid_social", "status": "new", "mql_at": None,
     "extra": {"微信号": None}},
    {"lead_id": "L3", "created_at": utc(2026, 1, 7, 23), "phone": "+8613900001111",
     "source_channel": "paid_search", "status": "mql", "mql_at": utc(2026, 1, 8),
     "extra": {"微信号": 'wx "3", 备注'}},
]


def _quote(value: str | None) -> str:
    if value is None:
        return ""
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"') else value


def write_csv(path, rows=ROWS):
    lines = [",".join(rows[0])] + [",".join(_quote(v) for v in r.values()) for r in rows]
    return write(path.with_suffix(".csv"), "\ufeff" + "\n".join(lines) + "\n")


def write_tsv(path, rows=ROWS):
    lines = ["\t".join(rows[0])] + ["\t".join(_quote(v) for v in r.values()) for r in rows]
    return write(path.with_suffix(".tsv"), "\n".join(lines) + "\n")


def write_parquet(path, rows=ROWS):
    pq.write_table(pa.Table.from_pylist(rows), path.with_suffix(".parquet"))
    return path.with_suffix(".parquet")


def write_json(path, rows=ROWS):
    return write(path.with_suffix(".json"), json.dumps(rows, ensure_ascii=False, indent=1))


def write_jsonl(path, rows=ROWS):
    return write(path.with_suffix(".jsonl"),
                 "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


WRITERS = [write_tsv, write_parquet, write_json, write_jsonl]


def _contract_view(ws):
    rows = stored(ws, "leads", "lead_id", "created_at", "phone", "source_channel", "status",
                  "mql_at", "extra")
    return [{**r, "extra": json.loads(r["extra"])} for r in rows]


def test_csv_with_bom_stores_the_expected_rows(workspace, tmp_path):
    result = load(workspace, "leads", write_csv(tmp_path / "leads"))
    assert counts(result) == {"rows_read": 3, "inserted": 3, "updated": 0, "unchanged": 0,
                              "rejected": 0, "warnings": 0}
    assert _contract_view(workspace) == EXPECTED


@pytest.mark.parametrize("writer", WRITERS, ids=lambda w: w.__name__.removeprefix("write_"))
def test_every_format_stores_what_the_csv_stored(workspace, tmp_path, writer):
    load(workspace, "leads", write_csv(tmp_path / "leads"))
    before = stored(workspace, "leads")

    result = load(workspace, "leads", writer(tmp_path / "leads"))

    assert (result.inserted, result.updated, result.unchanged) == (0, 0, 3)
    assert stored(workspace, "leads") == before
    assert _contract_view(workspace) == EXPECTED


@pytest.mark.parametrize(("writer", "bad_row"), [
    (write_csv, 3), (write_tsv, 3), (write_parquet, 2), (write_json, 2), (write_jsonl, 2)],
    ids=["csv", "tsv", "parquet", "json", "jsonl"])
def test_rejects_cite_the_row_as_the_format_counts_it(workspace, tmp_path, writer, bad_row):
    """CSV/TSV: the spreadsheet row (header = 1); JSON Lines: the line; JSON array and
    Parquet: the record, from 1."""
    rows = [dict(ROWS[0]), {**ROWS[1], "创建时间": "someday"}, dict(ROWS[2])]
    result = load(workspace, "leads", writer(tmp_path / "leads", rows))
    assert (result.inserted, result.rejected) == (2, 1)
    [(row, column, value, _reason, _severity)] = issues(workspace, result.batch_id)
    assert (row, column, value) == (bad_row, "创建时间", "someday")


def test_typed_parquet_columns_are_read_as_their_values(workspace, tmp_path):
    """Parquet written by a program: real timestamps (with and without zone) and numbers."""
    shanghai_ten = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    table = pa.table({
        "account_id": ["A1", "A2"],
        "name": ["甲科技", "乙制造"],
        "created_at": pa.array([shanghai_ten, shanghai_ten], pa.timestamp("us", tz="UTC")),
        "employee_count": pa.array([120, 3500], pa.int64()),
        "annual_revenue": pa.array([1234.5, 2_000_000.0], pa.float64()),
        "is_listed": [False, True],
    })
    local = table.set_column(2, "created_at", table["created_at"].cast(
        pa.timestamp("us", tz="Asia/Shanghai")))
    pq.write_table(table, tmp_path / "utc.parquet")
    pq.write_table(local, tmp_path / "local.parquet")

    assert load(workspace, "accounts", tmp_path / "utc.parquet").inserted == 2
    again = load(workspace, "accounts", tmp_path / "local.parquet")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    rows = stored(workspace, "accounts", "account_id", "created_at", "employee_count",
                  "annual_revenue", "is_listed")
    assert [(r["account_id"], r["created_at"], r["employee_count"], str(r["annual_revenue"]),
             r["is_listed"]) for r in rows] == [
        ("A1", utc(2026, 1, 5, 2), 120, "1234.50", False),
        ("A2", utc(2026, 1, 5, 2), 3500, "2000000.00", True),
    ]


def test_json_values_of_mixed_types_are_read_as_text(workspace, tmp_path):
    """Exports often give a phone as a number in one row and as text in the next."""
    rows = [{"lead_id": "L1", "created_at": "2026-01-05", "phone": 13812345678,
             "is_vip": True, "tags": ["展会", "vip"]},
            {"lead_id": "L2", "created_at": "2026-01-05", "phone": "139 0000 1111",
             "is_vip": "否", "tags": None}]
    as_array = write(tmp_path / "leads.json", json.dumps(rows, ensure_ascii=False))
    as_lines = write(tmp_path / "leads.jsonl",
                     "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    assert load(workspace, "leads", as_array).inserted == 2
    again = load(workspace, "leads", as_lines)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    stored_rows = stored(workspace, "leads", "lead_id", "phone", "extra")
    assert [(r["lead_id"], r["phone"], json.loads(r["extra"])) for r in stored_rows] == [
        ("L1", "+8613812345678", {"is_vip": "true", "tags": '["展会", "vip"]'}),
        ("L2", "+8613900001111", {"is_vip": "否", "tags": None}),
    ]


def test_a_broken_json_lines_file_names_the_line(workspace, tmp_path):
    path = write(tmp_path / "leads.jsonl",
                 '{"lead_id": "L1", "created_at": "2026-01-05", "phone": 1}\n'
                 '{"lead_id": "L2", "created_at": "2026-01-05", "phone": "x"}\n'
                 '{"lead_id": "L3", "created_at": \n')
    with pytest.raises(ImportFileError, match="not valid JSON Lines: line 3: "):
        load(workspace, "leads", path)
    assert stored(workspace, "leads") == []
