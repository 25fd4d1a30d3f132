"""A 百度营销 keyword report as it is downloaded: GBK, a title line, a date-range line and a
blank line above the header, `--` for zero, CTR and CPC columns, a 合计 row.

The real rows cost 1,234.50 + 0 (`--`) + 987.65 + 45.05 + 10.00 = 2,277.20 yuan; the 合计 row
(line 11) sums the file and must not be counted. The row on line 10 has a day that does not
exist and is rejected with that row number; 百度搜索-旧计划 (10.00) is no campaign of the
workspace.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from revlens.ingest.pipeline import rejects
from tests.connectors.ads.support import ads, spend, with_campaigns
from tests.ingest.support import write

REPORT = """百度营销-关键词报告
时间范围：2026-09-01 至 2026-09-02

日期,推广计划,推广单元,关键词,展现,点击,消费,点击率,平均点击价格,转化
2026-09-01,百度搜索-品牌词,品牌词,星图云,1200,36,"1,234.50",3.00%,34.29,2
2026-09-01,百度搜索－产品词,产品词,CRM系统,800,--,--,--,--,--
2026-09-02,百度搜索-品牌词,品牌词,星图云,1000,30,987.65,3.00%,32.92,1
2026-09-02,百度搜索 - 产品词,产品词,--,500,5,45.05,1.00%,9.01,--
2026-09-02,百度搜索-旧计划,旧单元,营销软件,100,2,10.00,2.00%,5.00,0
2026-09-31,百度搜索-品牌词,品牌词,星图云,10,1,5.00,10.00%,5.00,0
合计,--,--,--,3610,74,"2,282.20",2.05%,30.84,3
"""


def _report(tmp_path):
    return write(tmp_path / "baidu_keywords.csv", REPORT, encoding="gbk")


def test_baidu_report_imports_the_real_rows_only(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    done = ads(workspace, "baidu", _report(tmp_path))

    r = done.result
    assert (r.rows_read, r.inserted, r.updated, r.unchanged, r.rejected) == (6, 5, 0, 0, 1)
    assert done.cost == Decimal("2277.20")
    assert done.totals_rows == [11]
    assert done.derived_columns == ["点击率", "平均点击价格"]
    d1, d2 = date(2026, 9, 1), date(2026, 9, 2)
    assert spend(workspace) == [
        (d1, "百度搜索-品牌词", "品牌词", "星图云", 1200, 36, Decimal("1234.50"), 2, "CNY",
         "C-BD1"),
        (d1, "百度搜索－产品词", "产品词", "CRM系统", 800, 0, Decimal("0.00"), 0, "CNY", "C-BD2"),
        (d2, "百度搜索 - 产品词", "产品词", None, 500, 5, Decimal("45.05"), 0, "CNY", "C-BD2"),
        (d2, "百度搜索-品牌词", "品牌词", "星图云", 1000, 30, Decimal("987.65"), 1, "CNY",
         "C-BD1"),
        (d2, "百度搜索-旧计划", "旧单元", "营销软件", 100, 2, Decimal("10.00"), 0, "CNY", None),
    ]
    assert sum(row[6] for row in spend(workspace)) == Decimal("2277.20")
    assert rejects(workspace, r.batch_id).to_pylist() == [
        {"row_number": 10, "column": "日期", "value": "2026-09-31",
         "reason": "'2026-09-31' is not a date (expected e.g. 2026-01-05, 2026/1/5 or "
                   "2026年1月5日)", "severity": "error"}]


def test_unmatched_spend_is_kept_and_reported(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    done = ads(workspace, "baidu", _report(tmp_path))
    assert (done.unmatched.rows, done.unmatched.cost) == (1, Decimal("10.00"))
    assert done.unmatched.campaigns == [
        {"name": "百度搜索-旧计划", "rows": 1, "cost": Decimal("10.00")}]
    assert done.summary()["unmatched"] == {
        "rows": 1, "cost": 10.0, "campaigns": [{"name": "百度搜索-旧计划", "rows": 1,
                                                 "cost": 10.0}], "ambiguous": []}


def test_the_same_report_twice_changes_nothing(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    path = _report(tmp_path)
    ads(workspace, "baidu", path)
    before = spend(workspace, "date", "campaign_name", "ad_group", "keyword", "cost", "_batch_id")
    again = ads(workspace, "baidu", path).result
    assert (again.rows_read, again.inserted, again.updated, again.unchanged,
            again.rejected) == (6, 0, 0, 5, 1)
    after = spend(workspace, "date", "campaign_name", "ad_group", "keyword", "cost", "_batch_id")
    assert after == before


def test_campaigns_imported_later_link_on_the_next_import(workspace, tmp_path):
    path = _report(tmp_path)
    first = ads(workspace, "baidu", path)
    assert (first.unmatched.rows, first.unmatched.cost) == (5, Decimal("2277.20"))
    with_campaigns(workspace, tmp_path)
    second = ads(workspace, "baidu", path)
    assert (second.result.inserted, second.result.updated, second.result.unchanged) == (0, 4, 1)
    assert second.unmatched.rows == 1
