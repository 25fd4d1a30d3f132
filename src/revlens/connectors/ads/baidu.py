"""百度营销 (Baidu): keyword / campaign reports, CSV in GBK with a title and a date-range line
above the header, `--` for zero and a 合计 row."""

from __future__ import annotations

from revlens.connectors.ads.base import AdPlatformAdapter


class Baidu(AdPlatformAdapter):
    name = "baidu"
    platform = "baidu"
    label = "百度营销"
    headers = {
        "date": ("日期", "时间"),
        "campaign_name": ("推广计划", "推广计划名称", "计划名称"),
        "ad_group": ("推广单元", "推广单元名称", "单元名称"),
        "keyword": ("关键词", "关键词名称"),
        "impressions": ("展现", "展现量"),
        "clicks": ("点击", "点击量"),
        "cost": ("消费", "花费"),
        "platform_conversions": ("转化", "转化数", "转化量", "网页转化"),
    }
    currency = "CNY"
    report = ("in 百度营销 open 数据报告 → 推广报告 (关键词报告 or 计划报告), set 时间单位 to 分日 "
              "and download it as CSV")
