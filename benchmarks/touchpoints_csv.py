"""A realistic touchpoints CSV of any size, generated column by column (numpy + pyarrow).

The file follows the data contract's `touchpoints` entity with 20 of its columns and the mess a
real export has: Chinese enum labels next to canonical values, phones written three ways,
mixed-case emails, empty cells, a JSON `properties` column, and one phone in a thousand that
cannot be normalised (a warning: the row is kept with the phone emptied). Every row is valid,
so an import loads exactly N rows. The same (rows, seed) always gives the same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SEED = 20260105
FORMAT_VERSION = 2  # bump when the generated content changes, so cached files are remade

TYPES = ["page_view", "ad_click", "form_submit", "content_download", "content_view",
         "email_open", "email_click", "webinar_attend", "event_registration", "活动报名",
         "chat", "demo_request", "trial_signup"]
TYPE_WEIGHTS = [0.46, 0.14, 0.05, 0.04, 0.06, 0.07, 0.04, 0.02, 0.02, 0.01, 0.03, 0.03, 0.03]
CHANNELS = ["paid_search", "paid_social", "display", "organic_search", "content", "email",
            "webinar", "event", "social", "referral", "direct", "搜索广告", "信息流"]
UTM = [("baidu", "cpc"), ("tencent", "feed"), ("oceanengine", "ocpm"), ("google", "cpc"),
       ("wechat", "social"), ("zhihu", "content"), ("newsletter", "email"),
       ("linkedin", "paid_social"), ("partner_site", "referral"), ("bilibili", "video")]
TERMS = ["crm系统", "营销自动化", "客户管理软件", "销售漏斗", "b2b营销", "scrm", "线索管理"]
PAGES = ["/", "/pricing", "/product/attribution", "/product/funnels", "/blog/b2b-attribution",
         "/whitepaper/2026-b2b-report", "/webinar/revops-101", "/contact", "/demo", "/trial"]
REFERRERS = ["https://www.baidu.com/s?wd=crm", "https://www.google.com/", "https://weibo.com/",
             "https://www.zhihu.com/question/123456", "https://mp.weixin.qq.com/s/abc",
             "https://www.36kr.com/p/2026", "https://cn.bing.com/search?q=revops"]
DOMAINS = ["example.com", "qq.com", "163.com", "corp-example.cn", "gmail.com", "huawei-ex.cn"]
MOBILE_PREFIXES = ["138", "139", "150", "186", "135", "177", "199"]
START = np.datetime64("2026-01-01T00:00:00", "s")
DAYS = 180


def touchpoints_csv(rows: int, data_dir: Path, seed: int = SEED) -> Path:
    """The path of the file of `rows` touchpoints under `data_dir`, generated once and cached."""
    path = data_dir / f"touchpoints-{rows}-seed{seed}-v{FORMAT_VERSION}.csv"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        pacsv.write_csv(touchpoints_table(rows, seed), partial)
        with partial.open("rb") as handle:  # written back now, not during a measurement
            os.fsync(handle.fileno())
        partial.replace(path)
    return path


def touchpoints_table(rows: int, seed: int = SEED) -> pa.Table:
    """The touchpoints as an Arrow table of text columns (null = an empty cell)."""
    rng = np.random.default_rng(seed)
    n = rows

    def chance(p: float) -> np.ndarray:
        return rng.random(n) < p

    email, phone = _emails(rng, n, chance(0.25)), _phones(rng, n, chance(0.15))
    openid = _only(chance(0.10), _ids("oW_", rng.integers(0, n // 4 + 1, n), 12))
    contact = _only(chance(0.10), _ids("ct_", rng.integers(0, n // 20 + 1, n), 7))
    lead = _only(chance(0.20), _ids("ld_", rng.integers(0, n // 15 + 1, n), 7))
    has_other = np.zeros(n, bool)  # a phone is no sure identifier: it may be emptied
    for column in (email, openid, contact, lead):
        has_other |= column.is_valid().to_numpy(zero_copy_only=False)
    anonymous = _only(chance(0.85) | ~has_other,  # one_of: every row has an identifier
                      _ids("anon_", rng.integers(0, n // 5 + 1, n), 9))
    campaign_no = rng.integers(1, 201, n)
    has_campaign = chance(0.60)
    utm_no = rng.integers(0, len(UTM), n)
    has_utm = chance(0.50)
    seconds = np.sort(rng.integers(0, DAYS * 86_400, n))
    occurred = pa.array(START + seconds.astype("timedelta64[s]"), pa.timestamp("s"))
    return pa.table({
        "touchpoint_id": _ids("tp_", np.arange(1, n + 1), 10),
        "occurred_at": pc.strftime(occurred, format="%Y-%m-%d %H:%M:%S"),
        "type": _choice(rng, n, TYPES, TYPE_WEIGHTS),
        "anonymous_id": anonymous,
        "email": email,
        "phone": phone,
        "wechat_openid": openid,
        "contact_id": contact,
        "lead_id": lead,
        "account_id": _only(chance(0.15), _ids("ac_", rng.integers(0, n // 50 + 1, n), 6)),
        "campaign_id": _only(has_campaign, _ids("cmp_", campaign_no, 4)),
        "content_id": _only(chance(0.10), _ids("cnt_", rng.integers(1, 301, n), 4)),
        "channel": _only(chance(0.70), _choice(rng, n, CHANNELS)),
        "utm_source": _only(has_utm, pa.array([s for s, _ in UTM]).take(utm_no)),
        "utm_medium": _only(has_utm, pa.array([m for _, m in UTM]).take(utm_no)),
        "utm_campaign": _only(has_utm & has_campaign, _ids("2026q1_", campaign_no, 3)),
        "utm_term": _only(chance(0.10), _choice(rng, n, TERMS)),
        "url": _only(chance(0.90), pc.binary_join_element_wise(
            "https://www.revlens-example.cn", _choice(rng, n, PAGES), "")),
        "referrer": _only(chance(0.40), _choice(rng, n, REFERRERS)),
        "properties": _only(chance(0.05), pc.binary_join_element_wise(
            '{"device": "', _choice(rng, n, ["mobile", "desktop", "tablet"]),
            '", "duration_s": ', _numbers(rng.integers(1, 900, n)), "}", "")),
    })


def _numbers(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """'ct_0000042'-style identifiers."""
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(_numbers(numbers), width, "0"), "")


def _choice(rng: np.random.Generator, n: int, values: list[str],
            weights: list[float] | None = None) -> pa.Array:
    p = None if weights is None else np.asarray(weights) / np.sum(weights)
    return pa.array(values, pa.string()).take(rng.choice(len(values), n, p=p))


def _only(present: np.ndarray, values: pa.Array) -> pa.Array:
    """`values` where `present`, an empty cell elsewhere."""
    return pc.if_else(pa.array(present), values, pa.scalar(None, values.type))


def _emails(rng: np.random.Generator, n: int, present: np.ndarray) -> pa.Array:
    local = _ids("li.wei", rng.integers(0, n // 4 + 1, n), 6)
    shouted = pa.array(rng.random(n) < 0.05)  # some people type their address in capitals
    local = pc.if_else(shouted, pc.utf8_upper(local), local)
    return _only(present, pc.binary_join_element_wise(local, _choice(rng, n, DOMAINS), "@"))


def _phones(rng: np.random.Generator, n: int, present: np.ndarray) -> pa.Array:
    """Mainland mobiles as `138 1234 5678`, `13812345678` or `+86 138-1234-5678`."""
    prefix = _choice(rng, n, MOBILE_PREFIXES)
    middle = pc.utf8_lpad(_numbers(rng.integers(0, 10_000, n)), 4, "0")
    last = pc.utf8_lpad(_numbers(rng.integers(0, 10_000, n)), 4, "0")
    style = rng.integers(0, 3, n)
    spaced = pc.binary_join_element_wise(prefix, middle, last, " ")
    plain = pc.binary_join_element_wise(prefix, middle, last, "")
    plus = pc.binary_join_element_wise(
        "+86 ", pc.binary_join_element_wise(prefix, middle, last, "-"), "")
    written = pc.if_else(pa.array(style == 0), spaced, pc.if_else(pa.array(style == 1), plain,
                                                                  plus))
    broken = pa.array(rng.random(n) < 0.001)  # not a phone number: a warning, row kept
    return _only(present, pc.if_else(broken, pa.scalar("12345"), written))
