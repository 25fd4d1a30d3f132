"""Display names of dimension values: staff, campaigns and content by their names, coded values
(channels, platforms, statuses ...) by their zh-CN or English label. One namer per dimension,
in a registry; a dimension without one shows its values as they are."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from revlens.contract.entities import (
    ACTIVITY_TYPES,
    CHANNELS,
    CONTENT_TYPES,
    LEAD_STATUSES,
    OPPORTUNITY_TYPES,
    PLATFORMS,
    TOUCH_TYPES,
)
from revlens.metrics.cache import cached
from revlens.warehouse import Warehouse

Namer = Callable[[Warehouse, list[str], str], dict[str, str]]
ACRONYMS = {"mql": "MQL", "sql": "SQL", "smb": "SMB", "nps": "NPS"}
FIXED: dict[str, dict[str, tuple[str, str]]] = {
    "new_vs_returning": {"new": ("新客户", "New customers"),
                         "returning": ("老客户", "Returning customers")},
    "account_tier": {"enterprise": ("大型企业", "Enterprise"),
                     "mid_market": ("中型企业", "Mid-market"), "smb": ("小微企业", "SMB")},
    "follow_up_on": {"lead": ("线索", "Leads"), "contact": ("联系人", "Contacts"),
                     "opportunity": ("商机", "Opportunities"), "account": ("客户", "Accounts")},
    "lead_age": {"<1d": ("1 天内", "< 1 day"), "1-3d": ("1-3 天", "1-3 days"),
                 "3-7d": ("3-7 天", "3-7 days"), "7-30d": ("7-30 天", "7-30 days"),
                 ">30d": ("30 天以上", "> 30 days")},
    "forecast_category": {"pipeline": ("管道", "Pipeline"), "best_case": ("乐观", "Best case"),
                          "commit": ("承诺", "Commit"), "closed": ("已关闭", "Closed"),
                          "omitted": ("不计入", "Omitted")},
}


def _english(value: str) -> str:
    return ACRONYMS.get(value, value.replace("_", " ").capitalize())


def _enum(labels: dict[str, list[str]]) -> Namer:
    """Values of a contract enum: the first Chinese alias in zh-CN, the value in English."""
    def name(wh: Warehouse, values: list[str], locale: str) -> dict[str, str]:
        if locale == "zh-CN":
            return {v: (labels.get(v) or [_english(v)])[0] for v in values}
        return {v: _english(v) for v in values}
    return name


def _fixed(table: dict[str, tuple[str, str]]) -> Namer:
    def name(wh: Warehouse, values: list[str], locale: str) -> dict[str, str]:
        i = 0 if locale == "zh-CN" else 1
        return {v: table[v][i] for v in values if v in table}
    return name


def _lookup(entity: str, key: str, label: str) -> Namer:
    """Names from a warehouse table, for the values shown only (kept with the results)."""
    def look_up(wh: Warehouse, values: list[str]) -> dict[str, str]:
        t = wh.table(entity)
        rows = wh.to_arrow(t.filter(t[key].isin(values)).select(
            k=t[key], n=t[label])).to_pylist()
        return {r["k"]: r["n"] for r in rows if r["n"]}

    def name(wh: Warehouse, values: list[str], locale: str) -> dict[str, str]:
        return cached(wh, f"names.{entity}", tuple(values), lambda: look_up(wh, values))
    return name


def _stages(wh: Warehouse, values: list[str], locale: str) -> dict[str, str]:
    stages = {s.name: s for s in wh.settings.stages}
    if locale != "zh-CN":
        return {v: _english(v) for v in values}
    return {v: stages[v].label_zh or v for v in values if v in stages}


NAMERS: dict[str, Namer] = {
    "owner": _lookup("users", "user_id", "name"),
    "campaign": _lookup("campaigns", "campaign_id", "name"),
    "content": _lookup("content", "content_id", "title"),
    "channel": _enum(CHANNELS), "lead_source": _enum(CHANNELS),
    "platform": _enum(PLATFORMS), "status": _enum(LEAD_STATUSES),
    "content_type": _enum(CONTENT_TYPES), "activity_type": _enum(ACTIVITY_TYPES),
    "touch_type": _enum(TOUCH_TYPES), "product_type": _enum(OPPORTUNITY_TYPES),
    "stage": _stages,
    **{dim: _fixed(table) for dim, table in FIXED.items()},
}


def value_labels(wh: Warehouse, rows: Iterable[dict], dimensions: Iterable[str],
                 locale: str) -> dict[str, dict[str, str]]:
    """{dimension: {value: name}} for the values of `rows` that have a name."""
    rows = list(rows)
    out: dict[str, dict[str, str]] = {}
    for dim in dimensions:
        namer = NAMERS.get(dim)
        values = sorted({str(r[dim]) for r in rows if r.get(dim) is not None})
        if namer is None or not values:
            continue
        names = namer(wh, values, locale)
        if names:
            out[dim] = names
    return out


PARAMETER_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "attribution_model": {
        "first_touch": ("首次触点", "First touch"), "last_touch": ("末次触点", "Last touch"),
        "last_non_direct": ("末次非直接触点", "Last non-direct"), "linear": ("线性", "Linear"),
        "u_shaped": ("U 型", "U-shaped"), "w_shaped": ("W 型", "W-shaped"),
        "full_path": ("全路径", "Full path"), "time_decay": ("时间衰减", "Time decay"),
        "j_shaped": ("J 型", "J-shaped"), "inverse_j": ("反 J 型", "Inverse J"),
        "markov": ("马尔可夫链", "Markov chain"), "shapley": ("Shapley 值", "Shapley value")},
    "period": {"quarter": ("本季度", "Quarter"), "month": ("本月", "Month")},
    "idle_only": {"false": ("全部", "All"), "true": ("超 3 天未跟进", "Idle over 3 days")},
}
"""Labels of the values of switchable parameters."""


def parameter_labels(param: str, values: Iterable[str], locale: str) -> dict[str, str]:
    """How the values of a switch read (a dimension's label when the switch is `by`)."""
    known = PARAMETER_VALUES.get(param, {})
    i = 0 if locale == "zh-CN" else 1
    if param == "by":
        from revlens.metrics.dimensions import DIMENSIONS

        return {v: DIMENSIONS[v].label(locale) for v in values if v in DIMENSIONS}
    return {v: known[v][i] if v in known else v for v in values}
