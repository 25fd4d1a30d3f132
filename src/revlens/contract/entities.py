"""The entities of the import format v1 (docs/data-contract.md), as plain data.

Each entity lists its columns with their value kind, whether they are required, the header
aliases accepted besides the canonical name, and its natural key. The importer, the warehouse
schema and the docs are all derived from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from revlens.errors import UnknownEntity

CONTRACT_VERSION = 1

CHANNELS: dict[str, list[str]] = {
    "paid_search": ["搜索广告"],
    "paid_social": ["信息流", "社交广告", "信息流/社交广告"],
    "display": ["展示广告"],
    "video": ["视频广告"],
    "organic_search": ["自然搜索"],
    "content": ["内容营销"],
    "event": ["线下活动"],
    "webinar": ["线上研讨会", "直播", "线上研讨会/直播"],
    "email": ["邮件"],
    "social": ["社交媒体"],
    "referral": ["推荐"],
    "partner": ["渠道伙伴"],
    "direct": ["直接访问"],
    "sdr_outbound": ["电销", "外呼", "电销/外呼"],
    "other": ["其他"],
}
PLATFORMS: dict[str, list[str]] = {
    "baidu": ["百度", "百度营销"],
    "tencent": ["腾讯", "腾讯广告"],
    "oceanengine": ["巨量引擎", "头条", "巨量引擎/头条"],
    "google": ["谷歌"],
    "microsoft": ["微软"],
    "linkedin": ["领英"],
    "wechat": ["微信"],
    "weibo": ["微博"],
    "zhihu": ["知乎"],
    "xiaohongshu": ["小红书"],
    "other": ["其他"],
}


def _plain(*values: str) -> dict[str, list[str]]:
    return {value: [] for value in values}


ROLES = _plain("sales_rep", "sales_manager", "sdr", "sdr_manager", "marketing",
               "marketing_manager", "executive", "admin")
CAMPAIGN_TYPES = _plain("ad", "event", "webinar", "content", "email", "seo", "social",
                        "referral", "partner", "other")
CONTENT_TYPES = {"whitepaper": ["白皮书"], "case_study": ["案例"], "article": ["文章"],
                 "video": ["视频"], "livestream": ["直播"], "ebook": [], "report": ["报告"],
                 "other": ["其他"]}
TOUCH_TYPES = {**_plain("page_view", "ad_click", "form_submit", "content_download",
                        "content_view", "content_share"),
               "event_registration": ["活动报名"], "event_checkin": ["活动签到"],
               "webinar_attend": ["直播观看"],
               **_plain("email_sent", "email_open", "email_click", "chat", "call_inbound",
                        "trial_signup", "demo_request", "other")}
LEAD_STATUSES = {"new": ["新线索"], "contacted": ["已联系"], "mql": [], "sql": [],
                 "converted": ["已转化"], "disqualified": ["无效"], "recycled": ["退回公海"]}
OPPORTUNITY_TYPES = {"new_business": ["新签"], "upsell": ["增购"], "renewal": ["续约"]}
FORECAST_CATEGORIES = _plain("pipeline", "best_case", "commit", "closed", "omitted")
QUOTE_STATUSES = _plain("draft", "sent", "accepted", "rejected")
ORDER_TYPES = _plain("new", "renewal", "upsell", "cross_sell")
ACTIVITY_TYPES = {"call": ["电话"], "visit": ["拜访"], "meeting": ["会议"], "email": [],
                  "wechat": ["微信"], "demo": ["演示"], "other": ["其他"]}
TARGET_METRICS = _plain("bookings", "new_pipeline", "leads", "payments")

# Aliases every entity accepts for its columns of the same name.
COMMON_ALIASES: dict[str, list[str]] = {
    "created_at": ["创建时间"], "name": ["姓名", "名称"], "email": ["邮箱", "电子邮箱"],
    "phone": ["手机", "手机号", "电话"], "owner_id": ["负责人", "负责人ID", "所有人"],
    "amount": ["金额"], "status": ["状态"], "lead_id": ["线索ID", "线索编号"],
    "contact_id": ["联系人ID"], "account_id": ["客户ID", "公司ID"],
    "opportunity_id": ["商机ID", "商机编号"], "order_id": ["合同ID", "订单ID", "合同编号"],
    "payment_id": ["回款ID", "回款编号"], "campaign_id": ["活动ID", "市场活动ID"],
    "content_id": ["内容ID"], "user_id": ["员工ID", "用户ID"], "stage": ["阶段", "商机阶段"],
    "occurred_at": ["时间", "发生时间"], "notes": ["备注", "跟进内容"], "province": ["省份"],
    "city": ["城市"], "industry": ["行业"],
}


@dataclass(frozen=True)
class Column:
    """One column: `kind` names a value parser in `revlens.contract.values.KINDS`."""

    name: str
    kind: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    min_value: float | None = None
    max_value: float | None = None
    default: Any = None                     # stored when the value is empty or not given

    def parser_options(self) -> dict[str, Any]:
        return dict(self.options)


@dataclass(frozen=True)
class Entity:
    """One importable entity: its columns and its natural key (the columns marked ★)."""

    name: str
    label_zh: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    time_column: str | None = None          # the date money is converted at
    one_of: tuple[str, ...] = ()            # at least one of these must be present
    generated_key: bool = False             # key is a content hash when absent
    description: str = ""

    def column(self, name: str) -> Column:
        if name == UPDATED_AT.name:
            return UPDATED_AT
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def col(name: str, kind: str = "text", *aliases: str, required: bool = False,
        min_value: float | None = None, max_value: float | None = None, default: Any = None,
        **options: Any) -> Column:
    return Column(name, kind, required, tuple(aliases), MappingProxyType(options),
                  min_value, max_value, default)


def req(name: str, kind: str = "text", *aliases: str, **options: Any) -> Column:
    return col(name, kind, *aliases, required=True, **options)


def enum(name: str, values: dict[str, list[str]], *aliases: str, required: bool = False) -> Column:
    return col(name, "enum", *aliases, required=required, values=values)


_IDENTIFIERS = ("anonymous_id", "email", "phone", "wechat_openid", "wechat_unionid",
                "contact_id", "lead_id")

ENTITIES: dict[str, Entity] = {e.name: e for e in [
    Entity("users", "员工", (
        req("user_id", "text", "员工ID"), req("name"), col("email", "email"),
        col("team", "text", "团队"), enum("role", ROLES, "角色"), col("manager_id"),
        col("region", "text", "区域"), col("active", "bool", default=True),
    ), key=("user_id",), description="staff (销售/市场人员)"),
    Entity("accounts", "客户", (
        req("account_id", "text", "客户ID"), req("name", "text", "客户名称", "公司名称"),
        col("domain", "text", "官网"), col("industry"), col("employee_count", "int", "员工数",
                                                             min_value=0),
        col("annual_revenue", "money", "年营收"), col("province"), col("city"),
        col("is_listed", "bool", "上市公司"), col("is_specialized", "bool", "专精特新"),
        col("is_target", "bool", "目标客户"), col("owner_id"), req("created_at", "timestamp"),
    ), key=("account_id",), time_column="created_at", description="companies (客户/公司)"),
    Entity("contacts", "联系人", (
        req("contact_id", "text", "联系人ID"), col("account_id"), col("name", "text", "姓名"),
        col("email", "email"), col("phone", "phone"), col("wechat_unionid"),
        col("title", "text", "职位"), col("department", "text", "部门"),
        req("created_at", "timestamp"),
    ), key=("contact_id",), description="people at accounts"),
    Entity("campaigns", "市场活动", (
        req("campaign_id", "text", "活动ID"), req("name", "text", "活动名称"),
        enum("channel", CHANNELS, "渠道", required=True),
        enum("type", CAMPAIGN_TYPES, "活动类型"), enum("platform", PLATFORMS, "平台"),
        col("start_date", "date"), col("end_date", "date"), col("budget", "money"),
        col("cost", "money", "实际花费"), col("owner_id"),
    ), key=("campaign_id",), time_column="start_date", description="marketing activities"),
    Entity("content", "内容", (
        req("content_id"), req("title", "text", "标题"),
        enum("type", CONTENT_TYPES, required=True), col("campaign_id"),
        col("published_at", "timestamp"),
    ), key=("content_id",), description="marketing content"),
    Entity("ad_spend", "广告投放数据", (
        req("date", "date", "日期"), enum("platform", PLATFORMS, "平台", required=True),
        req("campaign_name", "text", "推广计划", "广告计划"), col("ad_group", "text", "推广单元",
                                                                "广告组"),
        col("keyword", "text", "关键词"), col("campaign_id"),
        col("impressions", "int", "展现", "曝光", min_value=0),
        col("clicks", "int", "点击", min_value=0), req("cost", "money", "消费", "花费", "消耗"),
        col("platform_conversions", "int", "转化", min_value=0), col("currency", "currency"),
    ), key=("date", "platform", "campaign_name", "ad_group", "keyword"), time_column="date",
        description="daily ad delivery"),
    Entity("touchpoints", "触点", (
        req("touchpoint_id"), req("occurred_at", "timestamp"),
        enum("type", TOUCH_TYPES, required=True), col("anonymous_id"), col("email", "email"),
        col("phone", "phone"), col("wechat_openid"), col("wechat_unionid"), col("contact_id"),
        col("lead_id"), col("account_id"), col("campaign_id"), col("content_id"),
        enum("channel", CHANNELS), col("utm_source"), col("utm_medium"), col("utm_campaign"),
        col("utm_term"), col("utm_content"), col("url"), col("referrer"),
        col("properties", "json"),
    ), key=("touchpoint_id",), one_of=_IDENTIFIERS, generated_key=True,
        description="every interaction"),
    Entity("leads", "线索", (
        req("lead_id"), req("created_at", "timestamp"), col("name"), col("email", "email"),
        col("phone", "phone"), col("wechat_unionid"), col("company", "text", "公司"),
        col("title", "text", "职位"), col("province"), col("city"), col("industry"),
        enum("source_channel", CHANNELS, "线索来源"), col("campaign_id"),
        enum("status", LEAD_STATUSES), col("owner_id"), col("mql_at", "timestamp"),
        col("sql_at", "timestamp"), col("converted_at", "timestamp"),
        col("disqualified_reason"), col("account_id"), col("contact_id"), col("opportunity_id"),
    ), key=("lead_id",), description="线索"),
    Entity("lead_status_history", "线索状态变更", (
        req("lead_id"), enum("status", LEAD_STATUSES, required=True),
        req("changed_at", "timestamp"), col("changed_by"),
    ), key=("lead_id", "status", "changed_at"), description="lead status changes"),
    Entity("opportunities", "商机", (
        req("opportunity_id"), req("account_id"), col("name"), req("owner_id"),
        req("created_at", "timestamp"), req("stage", "stage"), req("amount", "money"),
        col("expected_close_date", "date"), col("closed_at", "timestamp"), col("is_won", "bool"),
        col("lost_reason"), enum("type", OPPORTUNITY_TYPES), col("lead_id"),
        enum("forecast_category", FORECAST_CATEGORIES),
    ), key=("opportunity_id",), time_column="created_at", description="商机"),
    Entity("opportunity_stage_history", "商机阶段历史", (
        req("opportunity_id"), req("stage", "stage"), req("entered_at", "timestamp"),
        col("amount", "money"),
    ), key=("opportunity_id", "stage", "entered_at"), time_column="entered_at",
        description="opportunity stage history"),
    Entity("quotes", "报价", (
        req("quote_id"), req("opportunity_id"), req("created_at", "timestamp"),
        req("amount", "money"), enum("status", QUOTE_STATUSES),
    ), key=("quote_id",), time_column="created_at", description="报价"),
    Entity("orders", "合同/订单", (
        req("order_id"), req("account_id"), col("opportunity_id"),
        req("signed_at", "timestamp", "签约日期"), req("amount", "money", "合同金额"),
        col("cost", "money", "成本"), enum("type", ORDER_TYPES), col("start_date", "date"),
        col("end_date", "date"),
    ), key=("order_id",), time_column="signed_at", description="contracts (合同/订单)"),
    Entity("payments", "回款", (
        req("payment_id"), req("order_id"), req("paid_at", "timestamp", "回款日期"),
        req("amount", "money", "回款金额", allow_negative=True),
    ), key=("payment_id",), time_column="paid_at", description="collections (回款)"),
    Entity("activities", "跟进记录", (
        req("activity_id"), req("occurred_at", "timestamp"), req("user_id"),
        enum("type", ACTIVITY_TYPES, required=True), col("lead_id"), col("contact_id"),
        col("account_id"), col("opportunity_id"), col("duration_minutes", "int", min_value=0),
        col("notes"),
    ), key=("activity_id",), one_of=("lead_id", "contact_id", "account_id", "opportunity_id"),
        description="sales follow-ups"),
    Entity("tickets", "工单", (
        req("ticket_id"), req("created_at", "timestamp"), col("account_id"), col("contact_id"),
        col("resolved_at", "timestamp"), col("status"), col("priority"), col("category"),
        col("csat", "int", min_value=1, max_value=5),
    ), key=("ticket_id",), description="service tickets"),
    Entity("nps_responses", "净推荐值", (
        req("response_id"), req("responded_at", "timestamp"),
        req("score", "int", min_value=0, max_value=10), col("account_id"), col("contact_id"),
        col("comment"),
    ), key=("response_id",), description="NPS responses"),
    Entity("targets", "目标", (
        req("period", "period"), enum("metric", TARGET_METRICS, required=True), col("user_id"),
        col("team"), req("value", "number"),
    ), key=("period", "metric", "user_id", "team"), one_of=("user_id", "team"),
        description="quotas"),
    Entity("fx_rates", "汇率", (
        req("date", "date"), req("currency", "currency"),
        req("rate_to_workspace_currency", "number", min_value=0),
    ), key=("date", "currency"), description="exchange rates"),
]}

# Columns every warehouse table carries besides the contract's.
SYSTEM_COLUMNS = {"updated_at": "timestamp", "extra": "json", "_batch_id": "text",
                  "_row": "int", "_loaded_at": "timestamp"}
# The system column a file may give: a row older than the stored one is not applied.
UPDATED_AT = Column("updated_at", "timestamp")


def entity(name: str) -> Entity:
    """The entity called `name`, or UnknownEntity listing the entities."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise UnknownEntity(name, list(ENTITIES)) from None


def header_aliases(ent: Entity) -> dict[str, list[str]]:
    """Canonical column -> accepted header aliases (its own plus the common ones), and
    `updated_at`, which every entity accepts."""
    aliases = {c.name: list(dict.fromkeys([*c.aliases, *COMMON_ALIASES.get(c.name, [])]))
               for c in ent.columns}
    return {**aliases, UPDATED_AT.name: list(UPDATED_AT.aliases)}
