"""Segments: saved conditions over people or accounts, their members, and how a segment's
deals compare with everyone else's.

A segment is a name, a level and a condition tree (`revlens.cdp.conditions`), kept in the app
database. `revlens refresh` writes every segment's members to `segment_members(segment, level,
subject)`; `members` evaluates one on demand.

`compare_segment` answers "how much faster do they close?": for the segment and for the rest
— leads (of the segment's people, or of its accounts) and how many were won, closed deals and
the win rate, the sales cycle of won deals (median and mean days, each with a 95% confidence
interval: bootstrap for the median, t for the mean), and the average won deal — then the ratio
of the segment's figure to the rest's and Welch's interval for the difference of mean cycles.
"""

from __future__ import annotations

import math
from datetime import datetime

import ibis
import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy import stats
from sqlalchemy import select

from revlens.appdb import AppDB
from revlens.appdb.models import Segment
from revlens.cdp.conditions import Condition, Evaluator, Level
from revlens.cdp.tags import TagError, parse_condition, save_definition
from revlens.cdp.visibility import only_visible, visible_count
from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import Compiler
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import IDENTITY_MAP_TABLE

MEMBERS_TABLE = "segment_members"
BOOTSTRAP = 2000


class SegmentDefinition(BaseModel):
    name: str
    level: Level
    description: str = ""
    condition: Condition
    shared: bool = True
    created_by: str = ""


def save_segment(appdb: AppDB, name: str, level: Level, condition: Condition,
                 description: str = "", user: str = "", shared: bool = True) -> None:
    save_definition(appdb, Segment, name, level, condition, description, user, shared=shared)


def segments(appdb: AppDB) -> list[SegmentDefinition]:
    with appdb.session() as s:
        return [SegmentDefinition(name=r.name, level=r.level, description=r.description,
                                  condition=parse_condition(r.condition), shared=r.shared,
                                  created_by=r.created_by)
                for r in s.scalars(select(Segment).order_by(Segment.name))]


def segment(appdb: AppDB, name: str) -> SegmentDefinition:
    found = {d.name: d for d in segments(appdb)}
    if name not in found:
        raise TagError(f"no segment {name!r}; segments: {', '.join(sorted(found)) or 'none'}")
    return found[name]


def members(wh: Warehouse, level: Level, condition: Condition,
            as_of: datetime | None = None, scope: Scope | None = None) -> list[str]:
    """The people or accounts satisfying `condition` now, of those `scope` sees
    (`cdp.visibility`; None: everyone)."""
    with wh.scratch_scope():
        t = Evaluator(wh, level, as_of).compile(condition)
        t = only_visible(wh, t, "subject", level, scope)
        return sorted(r["subject"] for r in wh.to_arrow(t).to_pylist())


class GroupFigures(BaseModel):
    members: int
    leads: int
    won_leads: int
    lead_to_won: float | None
    closed_deals: int
    won_deals: int
    win_rate: float | None
    cycle_median_days: float | None
    cycle_median_ci: tuple[float, float] | None
    cycle_mean_days: float | None
    cycle_mean_ci: tuple[float, float] | None
    average_deal: float | None
    average_deal_ci: tuple[float, float] | None


class SegmentComparison(BaseModel):
    segment: str
    level: str
    segment_figures: GroupFigures
    rest: GroupFigures
    cycle_median_ratio: float | None
    cycle_mean_difference: float | None
    cycle_mean_difference_ci: tuple[float, float] | None
    lead_to_won_ratio: float | None
    average_deal_ratio: float | None
    scope: str


def _mean_ci(values: np.ndarray) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return (float(values.mean() - half), float(values.mean() + half))


def _median_ci(values: np.ndarray, seed: int = 7) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    rng = np.random.default_rng(seed)
    draws = rng.choice(values, size=(BOOTSTRAP, len(values)), replace=True)
    medians = np.median(draws, axis=1)
    return (float(np.quantile(medians, 0.025)), float(np.quantile(medians, 0.975)))


def _figures(n: int, leads: pd.DataFrame, deals: pd.DataFrame) -> GroupFigures:
    won = deals[deals["is_won"]]
    cycles = won["cycle_days"].dropna().to_numpy(dtype=float)
    amounts = won["amount"].dropna().to_numpy(dtype=float)
    closed = int(deals["is_closed"].sum())
    return GroupFigures(
        members=n, leads=len(leads), won_leads=int(leads["is_won"].sum()),
        lead_to_won=float(leads["is_won"].mean()) if len(leads) else None,
        closed_deals=closed, won_deals=len(won),
        win_rate=len(won) / closed if closed else None,
        cycle_median_days=float(np.median(cycles)) if len(cycles) else None,
        cycle_median_ci=_median_ci(cycles),
        cycle_mean_days=float(cycles.mean()) if len(cycles) else None,
        cycle_mean_ci=_mean_ci(cycles),
        average_deal=float(amounts.mean()) if len(amounts) else None,
        average_deal_ci=_mean_ci(amounts))


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def compare_segment(wh: Warehouse, name: str, level: Level, condition: Condition,
                    scope: Scope | None = None, as_of: datetime | None = None
                    ) -> SegmentComparison:
    """The segment's leads and deals against the rest's, within `scope` (members and the
    rest counted among the people or accounts the scope sees)."""
    scope = scope or Scope.everything()
    inside = set(members(wh, level, condition, as_of, scope))
    compiler = Compiler(wh, Catalog.load(wh.settings.workspace), scope)
    leads = compiler.model_rows("leads")
    deals = compiler.model_rows("opportunities")
    deals = wh.execute(deals.select("opportunity_id", "account_id", "lead_id", "is_won",
                                    "is_closed", "cycle_days",
                                    amount=deals.amount.cast("float64")))
    if level == "account":
        lead_rows = wh.execute(leads.select("lead_id", "account_id", "is_won"))
        lead_in = lead_rows["account_id"].isin(inside)
        deal_in = deals["account_id"].isin(inside)
    else:
        lead_rows = wh.execute(_lead_people(wh, leads))
        lead_in = lead_rows["person_id"].isin(inside)
        person_leads = set(lead_rows.loc[lead_in, "lead_id"])
        deal_in = deals["lead_id"].isin(person_leads)
    everyone = visible_count(wh, level, scope)
    everyone = _subject_count(wh, level) if everyone is None else everyone
    return SegmentComparison(
        segment=name, level=level,
        segment_figures=_figures(len(inside), lead_rows[lead_in], deals[deal_in]),
        rest=_figures(everyone - len(inside), lead_rows[~lead_in], deals[~deal_in]),
        scope=scope.describe(), **_differences(deals, deal_in, lead_rows, lead_in))


def _differences(deals: pd.DataFrame, deal_in: pd.Series, leads: pd.DataFrame,
                 lead_in: pd.Series) -> dict:
    won = deals["is_won"]
    a = deals.loc[deal_in & won, "cycle_days"].dropna().to_numpy(dtype=float)
    b = deals.loc[~deal_in & won, "cycle_days"].dropna().to_numpy(dtype=float)
    out: dict = {"cycle_median_ratio": None, "cycle_mean_difference": None,
                 "cycle_mean_difference_ci": None}
    if len(a) and len(b):
        out["cycle_median_ratio"] = float(np.median(a) / np.median(b))
        out["cycle_mean_difference"] = float(a.mean() - b.mean())
    if len(a) > 1 and len(b) > 1:
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) \
            if va + vb else len(a) + len(b) - 2
        half = stats.t.ppf(0.975, dof) * math.sqrt(va + vb)
        diff = a.mean() - b.mean()
        out["cycle_mean_difference_ci"] = (float(diff - half), float(diff + half))
    seg_won = leads.loc[lead_in, "is_won"]
    rest_won = leads.loc[~lead_in, "is_won"]
    out["lead_to_won_ratio"] = _ratio(float(seg_won.mean()) if len(seg_won) else None,
                                      float(rest_won.mean()) if len(rest_won) else None)
    amounts = deals.loc[won, "amount"]
    out["average_deal_ratio"] = _ratio(
        float(amounts[deal_in[won]].mean()) if deal_in[won].any() else None,
        float(amounts[~deal_in[won]].mean()) if (~deal_in[won]).any() else None)
    return out


def _lead_people(wh: Warehouse, leads: ibis.Table) -> ibis.Table:
    if IDENTITY_MAP_TABLE not in wh.tables():
        return leads.select("lead_id", "is_won", person_id=ibis.null("string"))
    ids = wh.table(IDENTITY_MAP_TABLE)
    ids = ids.filter(ids.identifier_type == "lead_id")
    joined = leads.left_join(ids, leads.lead_id == ids.identifier_value)
    return joined.select("lead_id", "is_won", "person_id")


def _subject_count(wh: Warehouse, level: Level) -> int:
    if level == "account":
        return int(wh.execute(wh.table("accounts").count()))
    if IDENTITY_MAP_TABLE not in wh.tables():
        return 0
    return int(wh.execute(wh.table(IDENTITY_MAP_TABLE).person_id.nunique()))


@refresh_step(MEMBERS_TABLE)
def refresh_segments(wh: Warehouse) -> None:
    appdb = AppDB(wh.settings.app_db_url)
    try:
        saved = segments(appdb)
    finally:
        appdb.close()
    frames = [pd.DataFrame({"segment": d.name, "level": d.level,
                            "subject": members(wh, d.level, d.condition)}) for d in saved
              if d.level == "account" or IDENTITY_MAP_TABLE in wh.tables()]
    frame = pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame({"segment": [], "level": [], "subject": []})
    wh.con.create_table(MEMBERS_TABLE, ibis.memtable(frame.astype(str), schema={
        "segment": "string", "level": "string", "subject": "string"}), overwrite=True)
