"""The demo company's staff: executives, four sales teams, SDRs and marketing.

The company is 星图云 StarChart Cloud, a B2B SaaS vendor selling in China and abroad. One sales
rep in 华东销售 is the planted *slow rep* (much longer in ``solution``); one early SDR has left
(``active = false``) and only owns leads from before :data:`SDR_LEFT_DAY`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from revlens.demo import identities as ident
from revlens.demo.scales import Scale
from revlens.demo.timeline import day_of
from revlens.demo.vocab_business import REGION_TEAMS
from revlens.demo.vocab_people import COMPANY_DOMAIN

SDR_LEFT_DAY = day_of(date(2025, 8, 31))
"""The departed SDR owns leads created up to this day only."""


@dataclass
class Org:
    users: pd.DataFrame
    slow_rep: str
    reps_by_region: dict[str, np.ndarray] = field(default_factory=dict)
    sdrs: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    former_sdr: str | None = None
    marketers: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    team_of: dict[str, str] = field(default_factory=dict)

    def english_users(self) -> set[str]:
        return set(self.users.loc[self.users["team"] == "International", "user_id"])


def _roster(scale: Scale) -> list[tuple[str, str, str, str | None]]:
    """(team, role, region, manager key) rows; manager key is a team or ``exec``/``vp``."""
    k = scale.reps_per_team
    rows: list[tuple[str, str, str, str | None]] = [
        ("管理层", "executive", "", None), ("管理层", "executive", "", "ceo"),
        ("管理层", "admin", "", "ceo"),
    ]
    for region, team in REGION_TEAMS.items():
        rows.append((team, "sales_manager", region, "vp"))
        rows.extend((team, "sales_rep", region, team) for _ in range(k))
    rows.append(("SDR", "sdr_manager", "", "vp"))
    rows.extend(("SDR", "sdr", "", "SDR") for _ in range(k + 1))
    rows.append(("Marketing", "marketing_manager", "", "ceo"))
    rows.extend(("Marketing", "marketing", "", "Marketing") for _ in range(max(2, k // 2 + 1)))
    return rows


def _names(rng: np.random.Generator, english: np.ndarray) -> tuple[list[str], list[str]]:
    n = len(english)
    zh, zs, zg = ident.chinese_names(rng, n)
    en, es, eg = ident.english_names(rng, n)
    mask = pa.array(english)
    name = pa.compute.if_else(mask, en, zh)
    local = pa.compute.if_else(mask, ident.cat(eg, ".", es), ident.cat(zg, ".", zs))
    email = ident.dedupe_local_parts(local, pa.array([COMPANY_DOMAIN] * n))
    return name.to_pylist(), email.to_pylist()


def build_org(rng: np.random.Generator, scale: Scale) -> Org:
    """Users with teams, roles, managers and regions; picks the slow rep."""
    rows = _roster(scale)
    df = pd.DataFrame(rows, columns=["team", "role", "region", "manager_key"])
    df["user_id"] = [f"U{i:04d}" for i in range(1, len(df) + 1)]
    english = (df["team"] == "International").to_numpy()
    df["name"], df["email"] = _names(rng, english)
    managers = {"ceo": "U0001", "vp": "U0002"}
    for team, uid in df.loc[df["role"].str.endswith("manager"), ["team", "user_id"]].itertuples(
            index=False):
        managers[team] = uid
    df["manager_id"] = df["manager_key"].map(managers)
    df["region"] = df["region"].replace("", None)
    df["active"] = True
    sdr_ids = df.loc[df["role"] == "sdr", "user_id"].to_numpy()
    former = str(sdr_ids[0])
    df.loc[df["user_id"] == former, "active"] = False
    reps = {region: df.loc[(df["role"] == "sales_rep") & (df["region"] == region),
                           "user_id"].to_numpy() for region in REGION_TEAMS}
    slow_rep = str(rng.choice(reps["华东"]))
    return Org(
        users=df.drop(columns=["manager_key"]),
        slow_rep=slow_rep,
        reps_by_region=reps,
        sdrs=sdr_ids[1:],
        former_sdr=former,
        marketers=df.loc[df["team"] == "Marketing", "user_id"].to_numpy(),
        team_of=dict(zip(df["user_id"], df["team"], strict=True)),
    )


def users_columns(org: Org) -> dict[str, object]:
    return {col: org.users[col] for col in
            ("user_id", "name", "email", "team", "role", "manager_id", "region", "active")}
