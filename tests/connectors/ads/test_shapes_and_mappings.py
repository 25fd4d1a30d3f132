"""Exports RevLens does not recognise fail with the missing columns and how to map them; a
mapping file makes them importable; unknown platforms list the known ones; a name two
campaigns share is not guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from revlens.connectors.ads import UnknownAdPlatform, import_ads
from revlens.errors import ImportFileError
from revlens.ingest.readers import read_file
from tests.connectors.ads.support import ads, spend, with_campaigns
from tests.ingest.support import load, write

ODD = """推广数据导出
时间段,计划,投放金额,点击
2026-09-01,百度搜索-品牌词,12.34,3
2026-09-02,百度搜索-品牌词,"1,000.00",40
"""


def test_an_unknown_shape_names_the_missing_columns_and_the_mapping(workspace, tmp_path):
    path = write(tmp_path / "odd.csv", ODD, encoding="gbk")
    with pytest.raises(ImportFileError) as failure:
        import_ads(workspace, "baidu", path)
    message = str(failure.value)
    assert message == (
        f"{path}: not a 百度营销 report RevLens can read: it needs the column(s) "
        "date (日期, 时间); campaign_name (推广计划, 推广计划名称, 计划名称); cost (消费, 花费), "
        "but the file has: 时间段, 计划, 投放金额, 点击. To get one, in 百度营销 open 数据报告 → "
        "推广报告 (关键词报告 or 计划报告), set 时间单位 to 分日 and download it as CSV; or give a "
        "mapping file with --mapping (lines like `your header: date`)")
    assert "\n" not in message
    failed = workspace.appdb.batches()[0]
    assert (failed.entity, failed.status, failed.error) == ("ad_spend", "failed", message)
    assert spend(workspace) == []


def test_a_mapping_file_makes_it_importable(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    path = write(tmp_path / "odd.csv", ODD, encoding="gbk")
    mapping = write(tmp_path / "mapping.yaml",
                    "时间段: date\n计划: campaign_name\n投放金额: cost\n")
    done = ads(workspace, "baidu", path, mapping=mapping)
    assert (done.result.inserted, done.result.rejected) == (2, 0)
    assert done.cost == Decimal("1012.34")
    assert spend(workspace, "date", "campaign_id", "clicks", "cost")[0][1:] == (
        "C-BD1", 3, Decimal("12.34"))
    assert workspace.appdb.batches()[0].options == {"mapping": str(mapping),
                                                    "shape": "ads:baidu"}


def test_a_mapping_to_no_column_is_refused(workspace, tmp_path):
    path = write(tmp_path / "odd.csv", ODD, encoding="gbk")
    mapping = write(tmp_path / "mapping.yaml", "时间段: day\n")
    with pytest.raises(ImportFileError, match="the mapping names 'day', which is not a column "
                                              "of ad_spend"):
        import_ads(workspace, "baidu", path, mapping=mapping)


def test_an_unknown_platform_lists_the_platforms(workspace, tmp_path):
    with pytest.raises(UnknownAdPlatform, match="unknown ad platform 'bing'; choose one of: "
                                                "baidu, tencent, oceanengine, google_ads"):
        import_ads(workspace, "bing", tmp_path / "x.csv")


def test_a_name_two_campaigns_share_is_not_guessed(workspace, tmp_path):
    campaigns = ("campaign_id,name,channel,platform\n"
                 "C1,Brand Search,paid_search,google\nC2,brand search,paid_search,google\n"
                 "C3,Generic,paid_search,\n")
    load(workspace, "campaigns", write(tmp_path / "c.csv", campaigns))
    report = ("Day,Campaign,Cost\n2026-09-01,BRAND SEARCH,10.00\n2026-09-01,Generic,5.00\n")
    done = ads(workspace, "google_ads", write(tmp_path / "g.csv", report))
    assert done.unmatched.ambiguous == ["BRAND SEARCH"]
    assert (done.unmatched.rows, done.unmatched.cost) == (1, Decimal("10.00"))
    # a campaign without a platform is a match when the platform has none of that name
    assert spend(workspace, "campaign_name", "campaign_id") == [
        ("BRAND SEARCH", None), ("Generic", "C3")]


def test_two_headers_for_one_column_fail_the_file(workspace, tmp_path):
    path = write(tmp_path / "two.csv", "日期,推广计划,消费,花费\n2026-09-01,A,1.00,1.00\n")
    with pytest.raises(ImportFileError, match="columns '消费' and '花费' both mean 'cost'; keep "
                                              "one, or map one elsewhere with --mapping"):
        import_ads(workspace, "baidu", path)
    assert workspace.appdb.batches()[0].status == "failed"


def test_a_report_with_no_rows_imports_nothing(workspace, tmp_path):
    path = write(tmp_path / "empty.csv", "标题\n日期,推广计划,消费\n合计,--,0.00\n", "gbk")
    assert read_file(path).encoding == "gb18030"  # a short GBK file, not Korean
    done = ads(workspace, "baidu", path)
    assert (done.result.rows_read, done.result.inserted, done.cost) == (0, 0, Decimal("0.00"))
    assert (done.totals_rows, done.unmatched.rows) == ([3], 0)
