"""Column layout of every demo file: canonical contract names, in contract order, with a kind.

Kinds drive how :mod:`revlens.demo.writer` renders a column:

- ``str``   text; ``None`` is written as an empty field
- ``ts``    epoch seconds of local (Asia/Shanghai) wall time, ``-1`` = missing ->
  ``2026-01-05 10:00:00``
- ``date``  days since 1970-01-01, ``-1`` = missing -> ``2026-01-05``
- ``money`` integer cents (float with NaN = missing) -> ``1234.50``
- ``int``   integer (float with NaN = missing)
- ``bool``  -> ``true`` / ``false``

A few columns that are *not* in the contract are added on purpose (marked ``extra``) so that
importers exercise "unknown columns are kept in ``extra``".
"""

from __future__ import annotations

Column = tuple[str, str]

ENTITY_COLUMNS: dict[str, list[Column]] = {
    "users": [
        ("user_id", "str"), ("name", "str"), ("email", "str"), ("team", "str"),
        ("role", "str"), ("manager_id", "str"), ("region", "str"), ("active", "bool"),
    ],
    "fx_rates": [
        ("date", "date"), ("currency", "str"), ("rate_to_workspace_currency", "rate"),
    ],
    "accounts": [
        ("account_id", "str"), ("name", "str"), ("domain", "str"), ("industry", "str"),
        ("employee_count", "int"), ("annual_revenue", "money"), ("province", "str"),
        ("city", "str"), ("is_listed", "bool"), ("is_specialized", "bool"),
        ("is_target", "bool"), ("owner_id", "str"), ("created_at", "ts"),
        ("unified_social_credit_code", "str"),  # extra
    ],
    "contacts": [
        ("contact_id", "str"), ("account_id", "str"), ("name", "str"), ("email", "str"),
        ("phone", "str"), ("wechat_unionid", "str"), ("title", "str"), ("department", "str"),
        ("created_at", "ts"),
        ("is_decision_maker", "bool"),  # extra
    ],
    "campaigns": [
        ("campaign_id", "str"), ("name", "str"), ("channel", "str"), ("type", "str"),
        ("platform", "str"), ("start_date", "date"), ("end_date", "date"),
        ("budget", "money"), ("cost", "money"), ("owner_id", "str"),
        ("utm_campaign", "str"),  # extra
    ],
    "content": [
        ("content_id", "str"), ("title", "str"), ("type", "str"), ("campaign_id", "str"),
        ("published_at", "ts"),
    ],
    "ad_spend": [
        ("date", "date"), ("platform", "str"), ("campaign_name", "str"), ("ad_group", "str"),
        ("keyword", "str"), ("campaign_id", "str"), ("impressions", "int"), ("clicks", "int"),
        ("cost", "money"), ("platform_conversions", "int"), ("currency", "str"),
    ],
    "touchpoints": [
        ("touchpoint_id", "str"), ("occurred_at", "ts"), ("type", "str"),
        ("anonymous_id", "str"), ("email", "str"), ("phone", "str"), ("wechat_openid", "str"),
        ("wechat_unionid", "str"), ("contact_id", "str"), ("lead_id", "str"),
        ("account_id", "str"), ("campaign_id", "str"), ("content_id", "str"),
        ("channel", "str"), ("utm_source", "str"), ("utm_medium", "str"),
        ("utm_campaign", "str"), ("utm_term", "str"), ("utm_content", "str"), ("url", "str"),
        ("referrer", "str"), ("properties", "str"),
    ],
    "leads": [
        ("lead_id", "str"), ("created_at", "ts"), ("name", "str"), ("email", "str"),
        ("phone", "str"), ("wechat_unionid", "str"), ("company", "str"), ("title", "str"),
        ("province", "str"), ("city", "str"), ("industry", "str"), ("source_channel", "str"),
        ("campaign_id", "str"), ("status", "str"), ("owner_id", "str"), ("mql_at", "ts"),
        ("sql_at", "ts"), ("converted_at", "ts"), ("disqualified_reason", "str"),
        ("account_id", "str"), ("contact_id", "str"), ("opportunity_id", "str"),
        ("lead_score_vendor", "int"),  # extra
    ],
    "lead_status_history": [
        ("lead_id", "str"), ("status", "str"), ("changed_at", "ts"), ("changed_by", "str"),
    ],
    "opportunities": [
        ("opportunity_id", "str"), ("account_id", "str"), ("name", "str"), ("owner_id", "str"),
        ("created_at", "ts"), ("stage", "str"), ("amount", "money"),
        ("expected_close_date", "date"), ("closed_at", "ts"), ("is_won", "bool"),
        ("lost_reason", "str"), ("type", "str"), ("lead_id", "str"),
        ("forecast_category", "str"),
    ],
    "opportunity_stage_history": [
        ("opportunity_id", "str"), ("stage", "str"), ("entered_at", "ts"), ("amount", "money"),
    ],
    "quotes": [
        ("quote_id", "str"), ("opportunity_id", "str"), ("created_at", "ts"),
        ("amount", "money"), ("status", "str"),
    ],
    "orders": [
        ("order_id", "str"), ("account_id", "str"), ("opportunity_id", "str"),
        ("signed_at", "ts"), ("amount", "money"), ("cost", "money"), ("type", "str"),
        ("start_date", "date"), ("end_date", "date"),
    ],
    "payments": [
        ("payment_id", "str"), ("order_id", "str"), ("paid_at", "ts"), ("amount", "money"),
    ],
    "activities": [
        ("activity_id", "str"), ("occurred_at", "ts"), ("user_id", "str"), ("type", "str"),
        ("lead_id", "str"), ("contact_id", "str"), ("account_id", "str"),
        ("opportunity_id", "str"), ("duration_minutes", "int"), ("notes", "str"),
    ],
    "tickets": [
        ("ticket_id", "str"), ("created_at", "ts"), ("account_id", "str"),
        ("contact_id", "str"), ("resolved_at", "ts"), ("status", "str"), ("priority", "str"),
        ("category", "str"), ("csat", "int"),
    ],
    "nps_responses": [
        ("response_id", "str"), ("responded_at", "ts"), ("score", "int"),
        ("account_id", "str"), ("contact_id", "str"), ("comment", "str"),
    ],
    "targets": [
        ("period", "str"), ("metric", "str"), ("user_id", "str"), ("team", "str"),
        ("value", "money"),
    ],
}

IMPORT_ORDER: tuple[str, ...] = (
    "users", "fx_rates", "accounts", "contacts", "campaigns", "content", "ad_spend",
    "touchpoints", "leads", "lead_status_history", "opportunities",
    "opportunity_stage_history", "quotes", "orders", "payments", "activities", "tickets",
    "nps_responses", "targets",
)

STAGES: tuple[str, ...] = ("qualification", "needs_analysis", "solution", "negotiation")
WON, LOST = "won", "lost"

CHANNELS: tuple[str, ...] = (
    "paid_search", "paid_social", "display", "video", "organic_search", "content", "event",
    "webinar", "email", "social", "referral", "partner", "direct", "sdr_outbound", "other",
)
PLATFORMS: tuple[str, ...] = (
    "baidu", "tencent", "oceanengine", "google", "microsoft", "linkedin", "wechat", "weibo",
    "zhihu", "xiaohongshu", "other",
)
TOUCH_TYPES: tuple[str, ...] = (
    "page_view", "ad_click", "form_submit", "content_download", "content_view",
    "content_share", "event_registration", "event_checkin", "webinar_attend", "email_sent",
    "email_open", "email_click", "chat", "call_inbound", "trial_signup", "demo_request", "other",
)
TT = {name: code for code, name in enumerate(TOUCH_TYPES)}
CH = {name: code for code, name in enumerate(CHANNELS)}
