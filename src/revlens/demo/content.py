"""Marketing content: white papers, case studies, articles, videos, livestream replays, ..."""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo import campaign_kinds as ck
from revlens.demo.timeline import DAY, END_TS, sample_times, seconds_in_day
from revlens.demo.vocab_business import INDUSTRIES

CONTENT_TYPES = [
    "whitepaper",
    "case_study",
    "article",
    "video",
    "livestream",
    "ebook",
    "report",
    "other",
]
_TYPE_WEIGHTS = [0.15, 0.2, 0.3, 0.1, 0.08, 0.05, 0.07, 0.05]
_TITLES = {
    "whitepaper": [
        "《{year} {topic}白皮书》",
        "《{topic}：B2B企业实践白皮书》",
        "{topic_en} Whitepaper {year}",
    ],
    "case_study": [
        "客户案例：{company}如何用{topic}将线索转化率提升{pct}%",
        "案例｜{company}的{topic}落地之路",
        "Customer story: {company} grows pipeline {pct}%",
    ],
    "article": [
        "{topic}实践指南：{k}个关键步骤",
        "为什么{topic}是B2B增长的关键？",
        "{k} ways to improve {topic_en}",
        "一文读懂{topic}",
    ],
    "video": ["3分钟了解{topic}", "产品演示：{topic}", "{topic_en} in 5 minutes"],
    "livestream": ["直播回放：{topic}实战", "Webinar replay: {topic_en}"],
    "ebook": ["《{topic}从0到1》电子书", "{topic_en} Playbook (eBook)"],
    "report": ["{year}中国{industry}数字营销调研报告", "{year} State of {topic_en} in APAC"],
    "other": ["星图云产品手册 v{k}.0", "星图云价格方案一页纸", "{topic}工具包（模板下载）"],
}


def _title(rng: np.random.Generator, ctype: str, year: int, companies: np.ndarray) -> str:
    template = str(rng.choice(_TITLES[ctype]))
    return template.format(
        year=year,
        topic=rng.choice(ck.TOPICS_ZH),
        topic_en=rng.choice(ck.TOPICS_EN),
        company=rng.choice(companies),
        pct=int(rng.integers(15, 80)),
        k=int(rng.integers(3, 9)),
        industry=rng.choice(INDUSTRIES),
    )


def build_content(
    rng: np.random.Generator, n: int, camp: pd.DataFrame, account_names: np.ndarray
) -> pd.DataFrame:
    """``n`` content items; livestream replays belong to webinars, some items to campaigns."""
    types = np.r_[
        np.arange(len(CONTENT_TYPES)),
        rng.choice(len(CONTENT_TYPES), max(n - len(CONTENT_TYPES), 0), p=_TYPE_WEIGHTS),
    ][:n]
    published = sample_times(rng, n, "office")
    campaign = np.full(n, -1, dtype=np.int64)
    webinars = camp.index[camp["type"] == "webinar"].to_numpy()
    content_camps = camp.index[camp["channel"].isin(["content", "email"])].to_numpy()
    for i, t in enumerate(types):
        ctype = CONTENT_TYPES[t]
        if ctype == "livestream" and len(webinars):
            campaign[i] = rng.choice(webinars)
        elif ctype in ("whitepaper", "ebook", "report", "case_study") and rng.random() < 0.6:
            campaign[i] = rng.choice(content_camps)
    linked = campaign >= 0
    start = camp["start_date"].to_numpy()[np.maximum(campaign, 0)]
    offset = np.where(
        camp["type"].to_numpy()[np.maximum(campaign, 0)] == "webinar", 1, rng.integers(0, 10, n)
    )
    published = np.where(linked, (start + offset) * DAY + seconds_in_day(rng, n), published)
    published = np.minimum(published, END_TS - DAY)
    years = (1970 + published / (365.2425 * DAY)).astype(int)
    titles = [
        _title(rng, CONTENT_TYPES[t], y, account_names) for t, y in zip(types, years, strict=True)
    ]
    content = (
        pd.DataFrame(
            {
                "type": [CONTENT_TYPES[t] for t in types],
                "title": titles,
                "published_at": published,
                "campaign_idx": campaign,
            }
        )
        .sort_values("published_at", kind="stable")
        .reset_index(drop=True)
    )
    dup = content.groupby("title").cumcount()
    content.loc[dup > 0, "title"] = content["title"] + "（" + (dup + 1).astype(str) + "）"
    content["content_id"] = [f"CT{i:04d}" for i in range(1, len(content) + 1)]
    ids = camp["campaign_id"].to_numpy()
    content["campaign_id"] = np.where(
        content["campaign_idx"] >= 0, ids[np.maximum(content["campaign_idx"], 0)], None
    )
    return content


def content_columns(content: pd.DataFrame) -> dict[str, object]:
    return {c: content[c] for c in ("content_id", "title", "type", "campaign_id", "published_at")}
