"""巨量引擎 reports: an older CSV (UTF-8 with BOM) whose levels are 广告组 (the campaign) and
计划 (the ad), and a current XLSX with 项目 / 广告 under two title rows.

CSV: 360.40 + 0 (an empty clicks cell is 0 clicks) + 99.60 = 460.00 yuan; the 总计 row is
not counted. `ＴＯＵＴＩＡＯ　ＦＥＥＤ` (full-width letters and space) is the campaign
`Toutiao Feed`. XLSX: 88.88 + 11.12 = 100.00 yuan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import openpyxl

from tests.connectors.ads.support import ads, spend, with_campaigns
from tests.ingest.support import write

OLD_CSV = """\ufeff日期,广告组,计划,展示数,点击数,消耗(元),点击率,平均点击单价,转化数
2026-09-01,巨量引擎-头条信息流,定向-IT决策者,"10,000",120,360.40,1.20%,3.00,3
2026-09-01,巨量引擎-头条信息流,定向-制造业,5000,,0,0.00%,0.00,0
2026-09-02,ＴＯＵＴＩＡＯ　ＦＥＥＤ,再营销,3000,40,99.60,1.33%,2.49,1
总计,,,"18,000",160,460.00,0.89%,2.88,4
"""


def test_old_style_csv_maps_the_group_level_to_campaigns(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    done = ads(workspace, "oceanengine", write(tmp_path / "oe.csv", OLD_CSV))

    r = done.result
    assert (r.rows_read, r.inserted, r.rejected) == (3, 3, 0)
    assert done.cost == Decimal("460.00")
    assert done.totals_rows == [5]
    assert done.unmatched.rows == 0
    d1, d2 = date(2026, 9, 1), date(2026, 9, 2)
    assert spend(workspace) == [
        (d1, "巨量引擎-头条信息流", "定向-IT决策者", None, 10000, 120, Decimal("360.40"), 3,
         "CNY", "C-OE1"),
        (d1, "巨量引擎-头条信息流", "定向-制造业", None, 5000, 0, Decimal("0.00"), 0, "CNY",
         "C-OE1"),
        (d2, "ＴＯＵＴＩＡＯ　ＦＥＥＤ", "再营销", None, 3000, 40, Decimal("99.60"), 1, "CNY",
         "C-OE2"),
    ]


def test_current_xlsx_with_title_rows(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["巨量引擎 广告数据"], ["数据时间：2026-09-01 ~ 2026-09-01"],
                ["日期", "项目", "广告", "展示数", "点击数", "消耗(元)", "平均千次展现费用",
                 "转化数"],
                ["2026-09-01", "巨量引擎-头条信息流", "广告1", 4000, 30, 88.88, 22.22, 1],
                ["2026-09-01", "巨量引擎-头条信息流", "广告2", 1000, 5, 11.12, 11.12, 0],
                ["总计", "-", "-", 5000, 35, 100.00, 20.00, 1]):
        sheet.append(row)
    path = tmp_path / "oe.xlsx"
    book.save(path)

    done = ads(workspace, "oceanengine", path)
    assert (done.result.rows_read, done.result.inserted, done.result.rejected) == (2, 2, 0)
    assert done.cost == Decimal("100.00")
    assert done.totals_rows == [6]
    assert done.derived_columns == ["平均千次展现费用"]
    assert spend(workspace, "ad_group", "cost", "campaign_id") == [
        ("广告1", Decimal("88.88"), "C-OE1"), ("广告2", Decimal("11.12"), "C-OE1")]
