"""腾讯广告 (Tencent Ads): the 广告报表 downloaded as XLSX (or CSV), one row per day and ad."""

from __future__ import annotations

from revlens.connectors.ads.base import AdPlatformAdapter


class Tencent(AdPlatformAdapter):
    name = "tencent"
    platform = "tencent"
    label = "腾讯广告"
    headers = {
        "date": ("日期", "时间"),
        "campaign_name": ("推广计划", "广告计划", "推广计划名称", "计划名称"),
        "ad_group": ("广告", "广告名称", "广告组", "广告组名称"),
        "impressions": ("曝光量", "曝光次数", "曝光"),
        "clicks": ("点击量", "点击次数", "点击"),
        "cost": ("花费", "消耗"),
        "platform_conversions": ("转化数", "转化量", "目标转化量"),
    }
    derived = ("目标转化成本", "目标转化率")
    currency = "CNY"
    report = ("in 腾讯广告 open 数据报表 → 广告报表, choose 分天 (by day) with 推广计划 and 广告, "
              "and download it as Excel")
