"""The catalogue of campaign kinds: channel, type, platform, naming, UTM tags and money.

Every channel and every platform of the contract appears at least once: always-on kinds run the
whole window, the others are time-boxed flights, events and sends.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    channel: str
    type: str
    platform: str | None
    name: str
    """Name template; ``{topic}``, ``{period}``, ``{city}``, ``{n}`` are filled in."""
    utm_source: str | None
    utm_medium: str | None
    weight: float = 1.0
    always_on: bool = False
    english: bool = False
    currency: str = "CNY"
    days: tuple[int, int] = (30, 120)
    """Duration range in days (events and webinars are one day)."""
    fixed_cost: tuple[float, float] = (0.0, 0.0)
    """Range of non-media cost in CNY (venue, agency, rewards...)."""

    @property
    def has_ad_spend(self) -> bool:
        return self.channel in ("paid_search", "paid_social", "display", "video") and bool(
            self.platform)


K = Kind
ALWAYS_ON: list[Kind] = [
    K("paid_search", "ad", "baidu", "百度搜索-品牌词-常年", "baidu", "cpc", always_on=True),
    K("paid_search", "ad", "baidu", "百度搜索-产品词-常年", "baidu", "cpc", always_on=True),
    K("paid_search", "ad", "google", "Google Search - Brand - Always on", "google", "cpc",
      always_on=True, english=True, currency="USD"),
    K("paid_search", "ad", "microsoft", "必应搜索-通用词-常年", "bing", "cpc", always_on=True),
    K("paid_social", "ad", "tencent", "腾讯广告-朋友圈-常年投放", "gdt", "feed", always_on=True),
    K("paid_social", "ad", "oceanengine", "巨量引擎-今日头条信息流-常年", "toutiao", "feed",
      always_on=True),
    K("paid_social", "ad", "linkedin", "LinkedIn Sponsored Content - Always on", "linkedin",
      "paid_social", always_on=True, english=True, currency="USD"),
    K("organic_search", "seo", "baidu", "SEO-百度自然搜索", None, None, always_on=True),
    K("organic_search", "seo", "google", "SEO - Google organic", None, None, always_on=True,
      english=True),
    K("social", "social", "wechat", "微信公众号-日常运营", "wechat", "social", always_on=True),
    K("social", "social", "weibo", "微博-官方账号运营", "weibo", "social", always_on=True),
    K("content", "content", "zhihu", "知乎-机构号内容运营", "zhihu", "content", always_on=True,
      fixed_cost=(20_000, 60_000)),
    K("content", "content", "xiaohongshu", "小红书-企业号种草笔记", "xiaohongshu", "content",
      always_on=True, fixed_cost=(10_000, 40_000)),
    K("direct", "other", None, "官网-直接访问", None, None, always_on=True),
    K("referral", "referral", None, "老客户推荐计划", "referral", "referral", always_on=True,
      fixed_cost=(30_000, 90_000)),
    K("partner", "partner", "other", "渠道伙伴-联合获客计划", "partner", "partner",
      always_on=True, fixed_cost=(50_000, 200_000)),
    K("sdr_outbound", "other", None, "SDR外呼-目标客户名单", None, None, always_on=True,
      fixed_cost=(10_000, 40_000)),
    K("other", "other", "other", "其他-未归类来源", None, None, always_on=True),
]

FLIGHTS: list[Kind] = [
    K("paid_search", "ad", "baidu", "百度搜索-{topic}-{period}", "baidu", "cpc", 8),
    K("paid_search", "ad", "google", "Google Search - {topic_en} - {period}", "google", "cpc",
      3, english=True, currency="USD"),
    K("paid_search", "ad", "google", "Google搜索-出海-{topic}-{period}", "google", "cpc", 1),
    K("paid_search", "ad", "microsoft", "必应搜索-{topic}-{period}", "bing", "cpc", 1),
    K("paid_social", "ad", "tencent", "腾讯广告-{topic}-{period}", "gdt", "feed", 5),
    K("paid_social", "ad", "oceanengine", "巨量引擎-信息流-{topic}-{period}", "toutiao", "feed",
      5),
    K("paid_social", "ad", "linkedin", "LinkedIn Lead Gen - {topic_en} - {period}", "linkedin",
      "paid_social", 3, english=True, currency="USD"),
    K("paid_social", "ad", "wechat", "微信-视频号推广-{topic}-{period}", "wechat", "feed", 2),
    K("paid_social", "ad", "weibo", "微博-粉丝通-{topic}-{period}", "weibo", "feed", 1),
    K("paid_social", "ad", "zhihu", "知乎-知+推广-{topic}-{period}", "zhihu", "feed", 2),
    K("paid_social", "ad", "xiaohongshu", "小红书-聚光-{topic}-{period}", "xiaohongshu", "feed",
      2),
    K("display", "ad", "baidu", "百度-展示网络再营销-{period}", "baidu", "display", 2),
    K("display", "ad", "google", "Google Display - Remarketing - {period}", "google", "display",
      1, english=True, currency="USD"),
    K("display", "ad", "tencent", "腾讯广告-优量汇-{topic}-{period}", "gdt", "display", 1),
    K("video", "ad", "oceanengine", "巨量引擎-抖音短视频-{topic}-{period}", "douyin", "video", 2),
    K("video", "ad", "tencent", "腾讯视频-贴片广告-{period}", "gdt", "video", 1),
    K("event", "event", None, "{city}·{topic}闭门会-{period}", None, None, 5, days=(1, 1),
      fixed_cost=(30_000, 150_000)),
    K("event", "event", None, "{year} 中国B2B营收增长峰会（{city}）", None, None, 2, days=(2, 2),
      fixed_cost=(200_000, 600_000)),
    K("event", "event", "other", "{city_en} CXO Roundtable - {period}", None, None, 1,
      english=True, days=(1, 1), fixed_cost=(40_000, 120_000)),
    K("webinar", "webinar", "wechat", "直播：{topic}实战（第{n}期）", "wechat", "webinar", 4,
      days=(1, 1), fixed_cost=(2_000, 15_000)),
    K("webinar", "webinar", "other", "Webinar: {topic_en} (#{n})", "zoom", "webinar", 2,
      english=True, days=(1, 1), fixed_cost=(2_000, 10_000)),
    K("email", "email", None, "EDM-{topic}-{period}", "edm", "email", 4, days=(1, 3),
      fixed_cost=(500, 5_000)),
    K("email", "email", None, "Newsletter - {topic_en} - {period}", "newsletter", "email", 2,
      english=True, days=(1, 2), fixed_cost=(0, 2_000)),
    K("content", "content", "wechat", "白皮书推广-{topic}-{period}", "wechat", "content", 3,
      days=(60, 180), fixed_cost=(20_000, 80_000)),
    K("content", "content", "zhihu", "知乎专栏-{topic}-{period}", "zhihu", "content", 1,
      days=(60, 180), fixed_cost=(5_000, 30_000)),
    K("social", "social", "linkedin", "LinkedIn organic - {topic_en} - {period}", "linkedin",
      "social", 1, english=True, days=(30, 90)),
    K("social", "social", "wechat", "朋友圈裂变-{topic}-{period}", "wechat", "social", 1,
      days=(14, 45), fixed_cost=(1_000, 10_000)),
    K("other", "other", "other", "行业媒体合作-{topic}-{period}", "media", "referral", 1,
      fixed_cost=(20_000, 100_000)),
]

TOPICS_ZH = ["营销自动化", "线索管理", "营收归因", "ABM", "私域运营", "销售赋能", "数字化转型",
             "客户数据平台", "制造业数字营销", "出海营销", "AI营销", "SaaS增长", "销售预测"]
TOPICS_EN = ["Marketing Automation", "Revenue Attribution", "ABM", "Sales Enablement",
             "Customer Data Platform", "B2B Growth", "AI in Marketing", "Pipeline Forecasting"]
EVENT_CITIES = ["北京", "上海", "深圳", "杭州", "广州", "成都", "苏州", "武汉"]
EVENT_CITIES_EN = ["Singapore", "Hong Kong", "London", "Dubai", "Tokyo", "Sydney"]
