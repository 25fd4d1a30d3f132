"""Dimensions metrics can be grouped and filtered by, with their labels.

Time grains group a metric's time column (in the workspace time zone) into periods labelled
`2026-11-03` (day), `2026-11-02` (week, starting Monday), `2026-11`, `2026-Q4` and `2026`.
Every other dimension is a column of the metric's base model (see `revlens.metrics.models`);
a metric offers the dimensions its model has.
"""

from __future__ import annotations

from dataclasses import dataclass

from revlens.metrics.exceptions import UnknownDimension


@dataclass(frozen=True)
class Dimension:
    id: str
    label_en: str
    label_zh: str
    grain: str | None = None     # Ibis truncation unit for time grains
    order: tuple[str, ...] = ()  # the values in their natural order, where they have one

    def label(self, locale: str) -> str:
        return self.label_zh if locale == "zh-CN" else self.label_en


GRAINS = ("day", "week", "month", "quarter", "year")
DIMENSIONS: dict[str, Dimension] = {d.id: d for d in (
    Dimension("day", "Day", "日", "D"), Dimension("week", "Week", "周", "W"),
    Dimension("month", "Month", "月", "M"), Dimension("quarter", "Quarter", "季度", "Q"),
    Dimension("year", "Year", "年", "Y"),
    Dimension("channel", "Channel", "渠道"), Dimension("platform", "Platform", "平台"),
    Dimension("campaign", "Campaign", "市场活动"), Dimension("content", "Content", "内容"),
    Dimension("content_type", "Content type", "内容类型"),
    Dimension("keyword", "Keyword", "关键词"), Dimension("ad_group", "Ad group", "广告组"),
    Dimension("team", "Team", "团队"), Dimension("owner", "Owner", "负责人"),
    Dimension("industry", "Industry", "行业"), Dimension("province", "Province", "省份"),
    Dimension("account_tier", "Account tier", "客户规模"),
    Dimension("specialized", "专精特新", "专精特新"),
    Dimension("lead_source", "Lead source", "线索来源"), Dimension("stage", "Stage", "阶段"),
    Dimension("status", "Lead status", "线索状态",
              order=("new", "contacted", "mql", "sql", "converted", "recycled",
                     "disqualified")),
    Dimension("product_type", "Deal type", "业务类型"),
    Dimension("new_vs_returning", "New vs returning", "新老客户"),
    Dimension("forecast_category", "Forecast category", "预测类别"),
    Dimension("activity_type", "Follow-up type", "跟进方式"),
    Dimension("touch_type", "Touch type", "触点类型"),
    Dimension("conversion_type", "Conversion", "转化类型"),
    Dimension("ticket_category", "Ticket category", "工单类别"),
    Dimension("priority", "Priority", "优先级"),
    Dimension("target_metric", "Target metric", "目标指标"),
    Dimension("lead_age", "Lead age", "线索账龄",
              order=("<1d", "1-3d", "3-7d", "7-30d", ">30d")),
    Dimension("landing_page", "Landing page", "落地页"),
    Dimension("follow_up_on", "Followed up", "跟进对象",
              order=("lead", "contact", "opportunity", "account")),
)}


def dimension(name: str) -> Dimension:
    try:
        return DIMENSIONS[name]
    except KeyError:
        raise UnknownDimension(name, list(DIMENSIONS)) from None
