"""Lead statuses, their timestamps, SDR owners, vendor scores and the status history.

Invariant (per lead): created_at < contacted < mql_at < sql_at < converted_at, and
disqualification / recycling happen after the last of those; all are on or before the end date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo.org import SDR_LEFT_DAY, Org
from revlens.demo.timeline import DAY, END_TS

STATUSES = np.array(["new", "contacted", "mql", "sql", "converted", "disqualified", "recycled"],
                    dtype=object)
_RECENT = [0.45, 0.4, 0.1, 0.0, 0.0, 0.05, 0.0]
_OLDER = [0.03, 0.2, 0.14, 0.05, 0.0, 0.4, 0.18]
_REASONS = ["空号/无效电话", "学生/求职者", "同行/竞争对手", "非目标客户", "暂无需求", "预算不足",
            "Not a fit", "Spam"]
_SCORE = {"new": 35, "contacted": 42, "mql": 60, "sql": 68, "converted": 76, "disqualified": 20,
          "recycled": 30}


def _draw_status(rng: np.random.Generator, leads: pd.DataFrame) -> np.ndarray:
    n = len(leads)
    recent = (END_TS - leads["created_at"].to_numpy()) < 14 * DAY
    pick_recent = rng.choice(len(STATUSES), size=n, p=_RECENT)
    pick_older = rng.choice(len(STATUSES), size=n, p=_OLDER)
    status = STATUSES[np.where(recent, pick_recent, pick_older)]
    dup = leads["dup"].to_numpy() & (rng.random(n) < 0.45)
    status[dup] = "disqualified"
    status[leads["opp_row"].to_numpy() >= 0] = "converted"
    return status


def _after(rng: np.random.Generator, start: np.ndarray, mean_days: float,
           share_of_rest: float = 0.6) -> np.ndarray:
    """A time after ``start``: exponential delay, capped to a share of the time left."""
    delay = rng.exponential(mean_days * DAY, len(start))
    cap = np.maximum(END_TS - start, 120) * share_of_rest
    return start + 60 + np.minimum(delay, cap).astype(np.int64)


def _times(rng: np.random.Generator, leads: pd.DataFrame, status: np.ndarray) -> None:
    n = len(leads)
    created = leads["created_at"].to_numpy()
    conv = status == "converted"
    converted_at = leads["converted_at"].to_numpy()
    span = np.maximum(converted_at - created, 4)
    has_mql = np.isin(status, ["mql", "sql"]) | (
        (status == "recycled") & (rng.random(n) < 0.5)) | (
        (status == "disqualified") & (rng.random(n) < 0.12))
    mql = np.where(has_mql, _after(rng, created, 4.0), -1)
    sql = np.where(status == "sql", _after(rng, mql, 6.0), -1)
    mql = np.where(conv, created + (span * rng.uniform(0.1, 0.4, n)).astype(np.int64), mql)
    sql = np.where(conv, created + (span * rng.uniform(0.5, 0.9, n)).astype(np.int64), sql)
    touched = (status != "new") & ~((status == "disqualified") & ~has_mql & (rng.random(n) < .4))
    nxt = np.where(mql >= 0, mql, np.minimum(created + 10 * DAY, END_TS))
    contacted = created + ((nxt - created) * rng.uniform(0.05, 0.5, n)).astype(np.int64)
    contacted = np.where(touched & (nxt - created > 2), contacted, -1)
    last = np.maximum.reduce([created, contacted, mql, sql])
    ends = np.isin(status, ["disqualified", "recycled"])
    ended = np.where(ends, _after(rng, last, 12.0, 0.9), -1)
    leads["status"] = status
    leads["contacted_at"] = contacted
    leads["mql_at"] = mql
    leads["sql_at"] = sql
    leads["converted_at"] = np.where(conv, converted_at, -1)
    leads["ended_at"] = ended


def _owners(rng: np.random.Generator, leads: pd.DataFrame, org: Org) -> np.ndarray:
    n = len(leads)
    early = leads["created_at"].to_numpy() // DAY <= SDR_LEFT_DAY
    pool_early = np.r_[[org.former_sdr], org.sdrs].astype(object)
    owner = np.where(early, rng.choice(pool_early, size=n), rng.choice(org.sdrs, size=n))
    unassigned = (leads["status"].to_numpy() == "new") & (rng.random(n) < 0.5)
    return np.where(unassigned, None, owner)


def assign(rng: np.random.Generator, leads: pd.DataFrame, org: Org) -> None:
    """Fill status, *_at columns, owner, disqualified_reason and lead_score_vendor."""
    status = _draw_status(rng, leads)
    _times(rng, leads, status)
    leads["owner_id"] = _owners(rng, leads, org)
    n = len(leads)
    reasons = np.array(_REASONS, dtype=object)[rng.integers(0, len(_REASONS), n)]
    reasons[leads["dup"].to_numpy()] = "重复线索"
    leads["disqualified_reason"] = np.where(status == "disqualified", reasons, None)
    base = pd.Series(status).map(_SCORE).to_numpy(dtype=np.float64)
    score = np.clip(np.round(base + rng.normal(0, 12, n)), 0, 100)
    leads["lead_score_vendor"] = np.where(rng.random(n) < 0.08, np.nan, score)


def history_columns(leads: pd.DataFrame) -> dict[str, object]:
    """One row per status a lead went through, in order."""
    owner = leads["owner_id"].to_numpy()
    status = leads["status"].to_numpy()
    steps = [
        ("new", leads["created_at"].to_numpy(), None),
        ("contacted", leads["contacted_at"].to_numpy(), owner),
        ("mql", leads["mql_at"].to_numpy(), None),
        ("sql", leads["sql_at"].to_numpy(), owner),
        ("converted", leads["converted_at"].to_numpy(), owner),
        ("disqualified", np.where(status == "disqualified", leads["ended_at"], -1), owner),
        ("recycled", np.where(status == "recycled", leads["ended_at"], -1), owner),
    ]
    rows, names, times, by = [], [], [], []
    n = len(leads)
    for name, at, who in steps:
        keep = np.asarray(at) >= 0
        rows.append(np.flatnonzero(keep))
        names.append(np.full(int(keep.sum()), name, dtype=object))
        times.append(np.asarray(at)[keep])
        by.append(np.full(n, None, dtype=object)[keep] if who is None else who[keep])
    row = np.concatenate(rows)
    changed = np.concatenate(times)
    order = np.lexsort((changed, row))
    return {"lead_id": leads["lead_id"].to_numpy()[row[order]],
            "status": np.concatenate(names)[order], "changed_at": changed[order],
            "changed_by": np.concatenate(by)[order]}
