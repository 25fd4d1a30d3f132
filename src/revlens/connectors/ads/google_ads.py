"""Google Ads: campaign / ad group / keyword reports segmented by day, as CSV (two title lines,
thousands separators, a `Total: ...` row per currency), in English or Chinese."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from revlens.connectors.ads.base import AdPlatformAdapter

_DECIMAL = r"^\d{1,3}(?:,\d{3})*\.\d+$|^\d+\.\d+$"


class GoogleAds(AdPlatformAdapter):
    name = "google_ads"
    platform = "google"
    label = "Google Ads"
    headers = {
        "date": ("Day", "Date", "天", "日期"),
        "campaign_name": ("Campaign", "广告系列"),
        "ad_group": ("Ad group", "广告组"),
        "keyword": ("Keyword", "Search keyword", "关键字"),
        "impressions": ("Impr.", "Impressions", "展示次数"),
        "clicks": ("Clicks", "点击次数"),
        "cost": ("Cost", "费用"),
        "platform_conversions": ("Conversions", "转化次数"),
        "currency": ("Currency code", "Currency", "货币代码"),
    }
    derived = ("Avg. CPC", "Avg. CPM", "Conv. rate", "Cost / conv.", "Interaction rate",
               "Avg. cost", "平均每次点击费用", "每次转化费用")
    report = ("in Google Ads open Reports → Predefined reports → Basic (Campaign or Keyword), "
              "segment by Day, add the Currency code column and download it as CSV")

    def adjust(self, columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        """Data-driven attribution gives fractional conversions (2.50); the contract counts
        whole ones, so they are rounded half up."""
        conversions = columns.get("platform_conversions")
        if conversions is None:
            return columns
        fractional = pc.fill_null(pc.match_substring_regex(conversions, _DECIMAL), False)
        if not pc.any(fractional).as_py():
            return columns
        number = pc.cast(pc.replace_substring(
            pc.if_else(fractional, conversions, "0"), ",", ""), pa.float64())
        whole = pc.cast(pc.cast(pc.round(number, round_mode="half_up"), pa.int64()), pa.string())
        return {**columns, "platform_conversions": pc.if_else(fractional, whole, conversions)}
