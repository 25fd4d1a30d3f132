"""A 腾讯广告 ad report saved as XLSX: a title row and a blank row above the header, the 总计
row first (as the platform puts it), numbers and dates as real cells, `花费(元)`, CTR both as a
number cell and as text, 点击均价, and an empty row at the end.

The ads cost 150.25 + 70.50 + 100.34 = 321.09 yuan; 总计 says the same and is not counted.
` 腾讯广告-公众号` is no campaign: its 100.34 is kept and reported.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl

from tests.connectors.ads.support import ads, spend, with_campaigns


def _workbook(path, *rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "广告数据"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _report(tmp_path):
    return _workbook(
        tmp_path / "tencent_ads.xlsx",
        ["腾讯广告 广告报表 2026-09-01 至 2026-09-02"],
        [],
        ["日期", "推广计划", "广告", "曝光量", "点击量", "花费(元)", "点击率", "点击均价",
         "转化数"],
        ["总计", None, None, 5000, 60, 321.09, "1.20%", 5.35, 4],
        [date(2026, 9, 1), "腾讯广告-朋友圈", "创意-白皮书", 2000, 25, 150.25, 0.0125, 6.01, 2],
        [date(2026, 9, 1), "腾讯广告-朋友圈", "创意-视频", 1000, 10, 70.5, "1.00%", 7.05, "--"],
        ["2026-09-02", " 腾讯广告-公众号", "图文-案例", 2000, 25, 100.34, "1.25%", 4.01, 2],
        [None] * 9,
    )


def test_tencent_xlsx_imports_the_real_rows_only(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    done = ads(workspace, "tencent", _report(tmp_path))

    r = done.result
    assert (r.rows_read, r.inserted, r.rejected, r.warnings) == (3, 3, 0, 0)
    assert done.cost == Decimal("321.09")
    assert done.totals_rows == [4]
    assert done.derived_columns == ["点击率", "点击均价"]
    d1, d2 = date(2026, 9, 1), date(2026, 9, 2)
    assert spend(workspace) == [
        (d1, "腾讯广告-朋友圈", "创意-白皮书", None, 2000, 25, Decimal("150.25"), 2, "CNY",
         "C-TX1"),
        (d1, "腾讯广告-朋友圈", "创意-视频", None, 1000, 10, Decimal("70.50"), 0, "CNY", "C-TX1"),
        (d2, "腾讯广告-公众号", "图文-案例", None, 2000, 25, Decimal("100.34"), 2, "CNY", None),
    ]
    assert (done.unmatched.rows, done.unmatched.cost) == (1, Decimal("100.34"))
    assert [c["name"] for c in done.unmatched.campaigns] == ["腾讯广告-公众号"]


def test_tencent_xlsx_twice_is_a_no_op(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    path = _report(tmp_path)
    ads(workspace, "tencent", path)
    again = ads(workspace, "tencent", path).result
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)


def test_a_tencent_name_is_matched_within_tencent_only(workspace, tmp_path):
    """百度搜索-产品词 is a campaign on Baidu (C-BD2) and on Tencent (C-TX9). A report without
    an impressions column leaves impressions unknown (empty), not 0."""
    with_campaigns(workspace, tmp_path)
    path = _workbook(tmp_path / "t.xlsx", ["日期", "广告计划", "广告", "花费"],
                     ["2026-09-01", "百度搜索-产品词", "广告A", 12.3])
    done = ads(workspace, "tencent", path)
    assert done.unmatched.rows == 0
    assert spend(workspace, "campaign_id", "cost", "impressions") == [
        ("C-TX9", Decimal("12.30"), None)]
