"""巨量引擎 (Ocean Engine): project / ad reports as CSV (UTF-8 with BOM) with a 总计 row.

The current platform calls its levels 项目 (project) and 广告 (ad); older accounts export
广告组 (the top level, a campaign) and 计划 / 广告计划 (the level below it). Both are read:
here 广告组 is a campaign, unlike on the other platforms.
"""

from __future__ import annotations

from revlens.connectors.ads.base import AdPlatformAdapter


class OceanEngine(AdPlatformAdapter):
    name = "oceanengine"
    platform = "oceanengine"
    label = "巨量引擎"
    headers = {
        "date": ("日期", "时间"),
        "campaign_name": ("项目", "项目名称", "广告组", "广告组名称"),
        "ad_group": ("广告", "广告名称", "计划", "计划名称", "广告计划", "广告计划名称"),
        "keyword": ("关键词", "搜索词"),
        "impressions": ("展示数", "展示量", "展示"),
        "clicks": ("点击数", "点击量", "点击"),
        "cost": ("消耗", "花费"),
        "platform_conversions": ("转化数", "转化量"),
    }
    currency = "CNY"
    report = ("in 巨量引擎 open 数据 → 报表 (项目 or 广告 level), choose 分天 (by day) and export "
              "it as CSV")
