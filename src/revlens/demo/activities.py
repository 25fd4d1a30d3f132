"""Sales follow-ups: SDR calls on leads, rep work on deals, account care for customers.

Each activity names at least one of lead / contact / account / opportunity. International reps
write notes in English, everyone else in Chinese.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo.org import Org
from revlens.demo.timeline import DAY, END_TS, START_TS, between, office_hours_from

TYPES = np.array(["call", "visit", "meeting", "email", "wechat", "demo", "other"], dtype=object)
_NOTES_ZH = {
    "call": [
        "电话初步沟通，客户对营销自动化有兴趣，约下周演示",
        "客户表示预算在走审批，月底再跟进",
        "电话未接通，已发短信",
        "与IT负责人确认部署方式，倾向SaaS",
        "客户在对比竞品，关注价格和本地化服务",
        "确认决策链：市场总监发起，CIO和采购参与",
    ],
    "visit": [
        "上门拜访，与市场总监及IT经理会面，梳理现有线索流程",
        "拜访客户总部，演示案例并收集需求清单",
        "陪同售前拜访，确认POC范围",
        "季度客户回访，讨论续约和新增模块",
    ],
    "meeting": [
        "方案评审会议，客户提出需要对接企业微信",
        "商务谈判，讨论折扣与付款方式",
        "项目启动会，确认上线计划",
        "内部评审会后客户要求补充安全资质材料",
    ],
    "email": ["发送报价单及合同模板", "邮件跟进会议纪要", "发送产品白皮书和客户案例"],
    "wechat": [
        "微信发送产品资料和案例",
        "微信沟通报价细节",
        "客户微信回复：下周安排内部评审",
        "拉群对接双方项目组",
    ],
    "demo": [
        "线上产品演示，重点展示营收归因和看板",
        "为客户团队演示线索评分与分配",
        "POC环境演示，客户认可数据接入效果",
    ],
    "other": ["更新客户信息", "内部讨论跟进策略", "整理客户需求文档"],
}
_NOTES_EN = {
    "call": [
        "Intro call, interested in attribution; demo booked next week",
        "Left voicemail, will retry Thursday",
        "Budget timing discussed, decision expected next quarter",
    ],
    "visit": [
        "On-site visit with marketing and IT; mapped current lead flow",
        "Quarterly business review, renewal and new modules discussed",
    ],
    "meeting": [
        "Solution review, Salesforce integration required",
        "Negotiation on discount and payment terms",
    ],
    "email": ["Sent proposal and pricing", "Followed up with meeting notes"],
    "wechat": ["Sent case study over WeChat"],
    "demo": ["Product demo focused on dashboards and lead scoring"],
    "other": ["Updated account details"],
}
_MINUTES = {
    "call": (2, 30),
    "visit": (60, 180),
    "meeting": (30, 120),
    "demo": (45, 90),
    "wechat": (1, 10),
}


def _frame(
    row_of: np.ndarray, kind: np.ndarray, ts: np.ndarray, user: np.ndarray, **ids: np.ndarray
) -> pd.DataFrame:
    df = pd.DataFrame({"type": kind, "occurred_at": ts, "user_id": user})
    for name in ("lead_idx", "person_idx", "account_idx", "opp_idx"):
        df[name] = ids.get(name, np.full(len(row_of), -1))
    return df


def _lead_work(rng: np.random.Generator, leads: pd.DataFrame, org: Org) -> pd.DataFrame:
    worked = leads["status"].to_numpy() != "new"
    k = np.where(worked, 1 + rng.poisson(np.where(leads["opp_row"] >= 0, 2.0, 0.8)), 0)
    row = np.repeat(np.arange(len(leads)), k)
    created = leads["created_at"].to_numpy()[row]
    stop = np.maximum.reduce(
        [
            leads[c].to_numpy()[row]
            for c in ("contacted_at", "mql_at", "sql_at", "converted_at", "ended_at")
        ]
    )
    stop = np.where(stop > created, stop, np.minimum(created + 14 * DAY, END_TS))
    kind = TYPES[rng.choice([0, 3, 4, 6], size=len(row), p=[0.55, 0.15, 0.25, 0.05])]
    owner = leads["owner_id"].to_numpy()[row]
    owner = np.where(pd.isna(owner), rng.choice(org.sdrs, size=len(row)), owner)
    return _frame(row, kind, between(rng, created, stop), owner, lead_idx=row)


def _deal_work(
    rng: np.random.Generator, opps: pd.DataFrame, acc: pd.DataFrame, org: Org, contact_of: object
) -> pd.DataFrame:
    created = opps["created_at"].to_numpy()
    closed = opps["closed_at"].to_numpy()
    end = np.where(closed >= 0, closed, END_TS)
    k = np.minimum(rng.poisson(3 + (end - created) / DAY / 6), 40)
    row = np.repeat(np.arange(len(opps)), k)
    a = opps["account_idx"].to_numpy()[row]
    intl = acc["is_intl"].to_numpy()[a]
    p = np.array([0.3, 0.12, 0.15, 0.12, 0.2, 0.08, 0.03])
    p_intl = np.array([0.3, 0.03, 0.3, 0.25, 0.02, 0.08, 0.02])
    kind = np.where(
        intl,
        TYPES[rng.choice(7, size=len(row), p=p_intl)],
        TYPES[rng.choice(7, size=len(row), p=p)],
    )
    user = opps["owner_id"].to_numpy()[row]
    person = np.where(rng.random(len(row)) < 0.7, contact_of(a), -1)
    return _frame(
        row,
        kind,
        between(rng, created[row], end[row]),
        user,
        account_idx=a,
        opp_idx=row,
        person_idx=person,
    )


def _account_care(
    rng: np.random.Generator, orders: pd.DataFrame, acc: pd.DataFrame, contact_of: object
) -> pd.DataFrame:
    first = orders.groupby("account_idx")["signed_at"].min()
    a = first.index.to_numpy()
    months = (END_TS - first.to_numpy()) / (30 * DAY)
    k = rng.poisson(np.maximum(months, 0) / 3)
    row = np.repeat(np.arange(len(a)), k)
    acc_idx = a[row]
    ts = between(rng, first.to_numpy()[row] + 7 * DAY, np.full(len(row), END_TS))
    kind = TYPES[rng.choice([0, 1, 2, 4], size=len(row), p=[0.35, 0.25, 0.15, 0.25])]
    owner = acc["owner_id"].to_numpy()[acc_idx]
    keep = pd.notna(owner) & (ts <= END_TS)
    return _frame(
        row[keep],
        kind[keep],
        ts[keep],
        owner[keep],
        account_idx=acc_idx[keep],
        person_idx=contact_of(acc_idx[keep]),
    )


def build_activities(
    rng: np.random.Generator,
    leads: pd.DataFrame,
    opps: pd.DataFrame,
    orders: pd.DataFrame,
    acc: pd.DataFrame,
    org: Org,
    contact_of: object,
) -> pd.DataFrame:
    df = pd.concat(
        [
            _lead_work(rng, leads, org),
            _deal_work(rng, opps, acc, org, contact_of),
            _account_care(rng, orders, acc, contact_of),
        ],
        ignore_index=True,
    )
    df["occurred_at"] = np.clip(
        office_hours_from(rng, df["occurred_at"].to_numpy()), START_TS, END_TS
    )
    df = df.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    df["activity_id"] = [f"ACT{i:09d}" for i in range(1, len(df) + 1)]
    _details(rng, df, org)
    return df


def _details(rng: np.random.Generator, df: pd.DataFrame, org: Org) -> None:
    n = len(df)
    kind = df["type"].to_numpy()
    minutes = np.full(n, np.nan)
    for name, (lo, hi) in _MINUTES.items():
        rows = kind == name
        minutes[rows] = rng.integers(lo, hi + 1, int(rows.sum()))
    df["duration_minutes"] = minutes
    english = df["user_id"].isin(org.english_users()).to_numpy()
    notes = np.full(n, None, dtype=object)
    for name in TYPES:
        for lang, table in ((False, _NOTES_ZH), (True, _NOTES_EN)):
            rows = np.flatnonzero((kind == name) & (english == lang))
            options = np.array(table[name], dtype=object)
            notes[rows] = options[rng.integers(0, len(options), len(rows))]
    notes[rng.random(n) < 0.15] = None
    df["notes"] = notes


def activities_columns(
    df: pd.DataFrame,
    leads: pd.DataFrame,
    people: pd.DataFrame,
    acc: pd.DataFrame,
    opps: pd.DataFrame,
) -> dict[str, object]:
    def ref(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.where(idx >= 0, values[np.maximum(idx, 0)], None)

    return {
        "activity_id": df["activity_id"],
        "occurred_at": df["occurred_at"],
        "user_id": df["user_id"],
        "type": df["type"],
        "lead_id": ref(leads["lead_id"].to_numpy(), df["lead_idx"].to_numpy()),
        "contact_id": ref(people["contact_id"].to_numpy(), df["person_idx"].to_numpy()),
        "account_id": ref(acc["account_id"].to_numpy(), df["account_idx"].to_numpy()),
        "opportunity_id": ref(opps["opportunity_id"].to_numpy(), df["opp_idx"].to_numpy()),
        "duration_minutes": df["duration_minutes"],
        "notes": df["notes"],
    }
