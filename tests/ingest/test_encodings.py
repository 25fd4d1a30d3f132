"""Files as Chinese CRMs export them: GBK with Chinese headers and a totals row, UTF-8 with BOM."""

from __future__ import annotations

from revlens.ingest.readers import read_file
from tests.ingest.support import counts, issues, load, stored, utc, write

HEADER = "线索ID,创建时间,姓名,手机,公司,线索来源,状态\n"
ROWS = ("L001,2026/1/5 10:00,张三,138 1234 5678,北京甲科技有限公司,搜索广告,已联系\n"
        "L002,2026/1/6 09:30,李四,13900001111,上海乙制造有限公司,线下活动,新线索\n"
        "L003,2026/1/7 14:00,王五,,深圳丙物流有限公司,推荐,无效\n")
EXPECTED = [
    {"lead_id": "L001", "created_at": utc(2026, 1, 5, 2), "name": "张三",
     "phone": "+8613812345678", "company": "北京甲科技有限公司",
     "source_channel": "paid_search", "status": "contacted"},
    {"lead_id": "L002", "created_at": utc(2026, 1, 6, 1, 30), "name": "李四",
     "phone": "+8613900001111", "company": "上海乙制造有限公司",
     "source_channel": "event", "status": "new"},
    {"lead_id": "L003", "created_at": utc(2026, 1, 7, 6), "name": "王五", "phone": None,
     "company": "深圳丙物流有限公司", "source_channel": "referral", "status": "disqualified"},
]
COLUMNS = list(EXPECTED[0])


def test_gbk_export_with_a_totals_row(workspace, tmp_path):
    path = write(tmp_path / "线索导出.csv", HEADER + ROWS + "合计,,,,,,\n", encoding="gbk")
    assert read_file(path).encoding == "gb18030"

    result = load(workspace, "leads", path)

    assert counts(result) == {"rows_read": 4, "inserted": 3, "updated": 0, "unchanged": 0,
                              "rejected": 1, "warnings": 0}
    assert stored(workspace, "leads", *COLUMNS) == EXPECTED
    assert issues(workspace, result.batch_id) == [
        (5, "创建时间", None, "created_at is required but empty", "error"),
        (5, "线索ID", "合计", "'合计': a totals row, not data; it was not imported", "error"),
    ]


def test_totals_row_with_numbers_is_still_rejected(workspace, tmp_path):
    """Exports often repeat the date in the totals row; it is not a lead called 合计."""
    path = write(tmp_path / "leads.csv",
                 HEADER + ROWS + "合计：3条,2026/1/7 23:59,,,,,\n", encoding="gb18030")
    result = load(workspace, "leads", path)
    assert (result.rows_read, result.inserted, result.rejected) == (4, 3, 1)
    assert [r["lead_id"] for r in stored(workspace, "leads", "lead_id")] == [
        "L001", "L002", "L003"]


def test_utf8_with_bom_reads_the_first_header(workspace, tmp_path):
    path = write(tmp_path / "leads.csv", "\ufeff" + HEADER + ROWS, encoding="utf-8")
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    result = load(workspace, "leads", path)
    assert (result.inserted, result.rejected) == (3, 0)
    assert stored(workspace, "leads", *COLUMNS) == EXPECTED
    assert stored(workspace, "leads", "extra") == [{"extra": None}] * 3  # no stray BOM column


def test_the_same_rows_in_gbk_and_utf8_store_the_same(workspace, tmp_path):
    load(workspace, "leads", write(tmp_path / "gbk.csv", HEADER + ROWS, encoding="gbk"))
    before = stored(workspace, "leads")
    again = load(workspace, "leads", write(tmp_path / "utf8.csv", HEADER + ROWS))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert stored(workspace, "leads") == before


def test_gbk_json_lines_are_decoded(workspace, tmp_path):
    lines = ('{"lead_id": "L001", "created_at": "2026/1/5 10:00", "name": "张三", '
             '"company": "北京甲科技有限公司"}\n')
    result = load(workspace, "leads", write(tmp_path / "leads.jsonl", lines, "gb18030"))
    assert counts(result)["inserted"] == 1
    assert stored(workspace, "leads", "name", "company", "created_at") == [
        {"name": "张三", "company": "北京甲科技有限公司", "created_at": utc(2026, 1, 5, 2)}]
