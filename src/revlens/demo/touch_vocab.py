"""Lookup tables for touchpoints: site pages, referrers, property templates, identifier flags."""

from __future__ import annotations

from revlens.demo.vocab_people import COMPANY_DOMAIN

SITE = f"https://www.{COMPANY_DOMAIN}"

PAGES: list[tuple[str, float]] = [
    ("/", 10), ("/pricing", 5), ("/product/marketing-cloud", 4), ("/product/sales-cloud", 3),
    ("/product/revenue-analytics", 3), ("/product/cdp", 2), ("/solutions/manufacturing", 2),
    ("/solutions/saas", 2), ("/solutions/healthcare", 1), ("/customers", 3), ("/resources", 3),
    ("/blog", 3), ("/blog/b2b-attribution-guide", 2), ("/blog/lead-scoring-101", 2),
    ("/blog/abm-playbook", 2), ("/about", 1), ("/careers", 1), ("/contact", 1.5),
    ("/demo", 1.5), ("/trial", 1), ("/partners", 0.5), ("/docs/getting-started", 1),
    ("/en/", 2), ("/en/pricing", 1), ("/en/product", 1), ("/en/customers", 0.5),
    ("/en/demo", 0.5),
]
LANDING = ["/lp/marketing-automation", "/lp/b2b-growth", "/lp/crm-trial", "/lp/whitepaper",
           "/lp/webinar", "/lp/event", "/en/lp/demo", "/en/lp/attribution"]
N_PAGES = len(PAGES)
LANDING_BASE = N_PAGES
CONTENT_BASE = N_PAGES + len(LANDING)
PAGE_DEMO = [p for p, _ in PAGES].index("/demo")
PAGE_CONTACT = [p for p, _ in PAGES].index("/contact")
PAGE_TRIAL = [p for p, _ in PAGES].index("/trial")


def url_paths(content_ids: list[str]) -> list[str]:
    """Path of every url code: pages, then landing pages, then one page per content item."""
    return ([p for p, _ in PAGES] + LANDING
            + [f"/resources/{cid.lower()}" for cid in content_ids])


REFERRERS = [
    "https://www.baidu.com/", "https://www.google.com/", "https://cn.bing.com/",
    "https://mp.weixin.qq.com/", "https://weibo.com/", "https://www.zhihu.com/",
    "https://www.linkedin.com/", "https://www.xiaohongshu.com/", "https://www.toutiao.com/",
    "https://www.douyin.com/", "https://36kr.com/", "https://www.partner-example.com/",
    f"{SITE}/", "https://www.huxiu.com/",
]
R = {name: i for i, name in enumerate(
    ["baidu", "google", "bing", "wechat", "weibo", "zhihu", "linkedin", "xiaohongshu",
     "toutiao", "douyin", "36kr", "partner", "internal", "huxiu"])}
PLATFORM_REFERRER = {"baidu": R["baidu"], "google": R["google"], "microsoft": R["bing"],
                     "tencent": R["wechat"], "oceanengine": R["toutiao"],
                     "linkedin": R["linkedin"], "wechat": R["wechat"], "weibo": R["weibo"],
                     "zhihu": R["zhihu"], "xiaohongshu": R["xiaohongshu"]}

# Properties: JSON templates; ``%d`` takes the row's property value.
PROPS = [
    '{"duration_sec": %d}', '{"form": "contact_us"}', '{"form": "demo_request"}',
    '{"form": "trial"}', '{"form": "gated_content"}', '{"watch_minutes": %d}',
    '{"email_template_id": %d}', '{"chat_messages": %d}', '{"call_seconds": %d}',
    '{"form": "event_registration"}', '{"source": "booth_scan"}',
    '{"share_to": "wechat_moments"}', '{"scroll_depth": %d}',
]
P = {name: i for i, name in enumerate(
    ["duration", "contact_us", "demo", "trial", "gated", "watch", "email_template", "chat",
     "call", "event_registration", "booth_scan", "share", "scroll"])}

# Identifier flags: which of the person's identifiers a touch carries.
EMAIL, PHONE, UNIONID, OPENID, CONTACT, LEAD = 1, 2, 4, 8, 16, 32
