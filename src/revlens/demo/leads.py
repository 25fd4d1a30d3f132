"""Leads: the converted ones behind new-business deals, and the rest of the lead pool.

A lead is one record of a person (see :mod:`revlens.demo.people`). Converted leads belong to a
contact at the deal's account; other leads come from existing contacts or from prospects, some of
whom come back as a second lead (same e-mail or phone, a new lead id: the planted duplicates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revlens.demo import effects as fx
from revlens.demo import identities as ident
from revlens.demo import lead_status
from revlens.demo.campaigns import _POST, _PRE, choose_campaigns
from revlens.demo.people import random_contact
from revlens.demo.schema import CH, CHANNELS
from revlens.demo.timeline import DAY, END_TS, START_TS, between, sample_times

CONVERTED_SHARE = 0.85
"""Share of new-business opportunities that come from a lead."""
CONTACT_SHARE = 0.3
"""Share of the other leads that are existing contacts."""
PLANTED_WEBINAR_LEAD_SHARE = 0.55
"""Share of webinar accounts whose converted lead registered through the planted webinar."""

OPEN_MIX = {
    "paid_search": 0.22,
    "paid_social": 0.14,
    "display": 0.03,
    "video": 0.03,
    "organic_search": 0.1,
    "content": 0.1,
    "event": 0.08,
    "webinar": 0.07,
    "email": 0.05,
    "social": 0.04,
    "referral": 0.03,
    "partner": 0.03,
    "direct": 0.05,
    "sdr_outbound": 0.02,
    "other": 0.01,
}
CONVERTED_MIX = {
    "paid_search": 0.18,
    "paid_social": 0.08,
    "display": 0.01,
    "video": 0.01,
    "organic_search": 0.1,
    "content": 0.08,
    "event": 0.14,
    "email": 0.04,
    "social": 0.03,
    "referral": 0.1,
    "partner": 0.1,
    "direct": 0.06,
    "sdr_outbound": 0.07,
}


def _channels(rng: np.random.Generator, n: int, mix: dict[str, float]) -> np.ndarray:
    codes = np.array([CH[c] for c in mix], dtype=np.int64)
    return codes[ident.pick(rng, n, list(mix.values()))]


def plan_conversions(rng: np.random.Generator, opps: pd.DataFrame) -> np.ndarray:
    """Mask of opportunities that come from a converted lead."""
    return (opps["type"].to_numpy() == "new_business") & (rng.random(len(opps)) < CONVERTED_SHARE)


def prospects_needed(n_leads: int, n_converted: int) -> int:
    other = max(n_leads - n_converted, 0)
    return max(round(other * (1 - CONTACT_SHARE) / (1 + fx.DUPLICATE_LEAD_SHARE)), 1)


def _converted(
    rng: np.random.Generator,
    opps: pd.DataFrame,
    conv: np.ndarray,
    people: pd.DataFrame,
    plan: pd.DataFrame,
) -> pd.DataFrame:
    rows = np.flatnonzero(conv)
    a = opps["account_idx"].to_numpy()[rows]
    deal_at = opps["created_at"].to_numpy()[rows]
    lead = pd.DataFrame(
        {
            "opp_row": rows,
            "account_idx": a,
            "converted_at": deal_at,
            "person_idx": random_contact(rng, people, a, 0.6),
            "channel": _channels(rng, len(rows), CONVERTED_MIX),
            "campaign_idx": -1,
            "planted": False,
        }
    )
    lag = (rng.uniform(5, 50, len(rows)) * DAY).astype(np.int64)
    early = deal_at - lag < START_TS  # the lead would predate the window: squeeze it in
    lead["created_at"] = np.where(
        early, between(rng, np.full(len(rows), START_TS), deal_at - 3600), deal_at - lag
    )
    by_account = plan.set_index("account_idx")
    first_deal_at = np.full(
        max(a.max(initial=0), plan["account_idx"].to_numpy().max(initial=0)) + 1, -1
    )
    first_deal_at[plan["account_idx"].to_numpy()] = plan["first_deal_at"].to_numpy()
    planted = (deal_at == first_deal_at[a]) & (rng.random(len(rows)) < PLANTED_WEBINAR_LEAD_SHARE)
    p = by_account.loc[a[planted]]
    lead.loc[planted, "person_idx"] = p["person_idx"].to_numpy()
    lead.loc[planted, "created_at"] = p["registered_at"].to_numpy()
    lead.loc[planted, "campaign_idx"] = p["campaign_idx"].to_numpy()
    lead.loc[planted, "channel"] = CH["webinar"]
    lead.loc[planted, "planted"] = True
    lead["created_at"] = np.minimum(lead["created_at"], lead["converted_at"] - 600)
    lead["dup"] = False
    return lead


def _open(
    rng: np.random.Generator, n_open: int, people: pd.DataFrame, forbidden: np.ndarray
) -> pd.DataFrame:
    n_contact_leads = round(n_open * CONTACT_SHARE)
    contacts = np.flatnonzero(people["is_contact"].to_numpy())
    prospects = np.flatnonzero(~people["is_contact"].to_numpy())
    n_dup = max(n_open - n_contact_leads - len(prospects), 0)
    first_seen = sample_times(rng, len(prospects), "web")
    dup_of = rng.choice(len(prospects), size=n_dup)
    dup_at = first_seen[dup_of] + (rng.uniform(20, 300, n_dup) * DAY).astype(np.int64)
    person = np.r_[rng.choice(contacts, n_contact_leads), prospects, prospects[dup_of]]
    created = np.r_[
        sample_times(rng, n_contact_leads, "web"), first_seen, np.minimum(dup_at, END_TS - 3600)
    ]
    n = len(person)
    channel = _channels(rng, n, OPEN_MIX)
    channel[(channel == CH["webinar"]) & forbidden[person]] = CH["event"]
    return pd.DataFrame(
        {
            "opp_row": -1,
            "account_idx": -1,
            "converted_at": -1,
            "person_idx": person,
            "channel": channel,
            "campaign_idx": -1,
            "planted": False,
            "created_at": created,
            "dup": np.r_[np.zeros(n - n_dup, dtype=bool), np.ones(n_dup, dtype=bool)],
        }
    )


def _campaigns(
    rng: np.random.Generator, leads: pd.DataFrame, people: pd.DataFrame, camp: pd.DataFrame
) -> None:
    todo = leads["campaign_idx"].to_numpy() < 0
    english = people["english"].to_numpy()[leads["person_idx"].to_numpy()]
    chosen = choose_campaigns(
        rng,
        camp,
        leads["channel"].to_numpy()[todo],
        leads["created_at"].to_numpy()[todo],
        english[todo],
    )
    loose = np.isin(leads["channel"].to_numpy()[todo], [CH["direct"], CH["organic_search"]])
    chosen[loose & (rng.random(int(todo.sum())) < 0.5)] = -1
    leads.loc[todo, "campaign_idx"] = chosen
    # Event and webinar leads are created around their event: registration or booth scan.
    c = leads["campaign_idx"].to_numpy()
    timed = (c >= 0) & ~leads["planted"].to_numpy() & ~(leads["converted_at"] >= 0).to_numpy()
    kind = camp["type"].to_numpy()[np.maximum(c, 0)]
    timed &= np.isin(kind, ["event", "webinar"])
    lo = camp["start_date"].to_numpy()[c[timed]] * DAY - pd.Series(kind[timed]).map(_PRE).to_numpy()
    hi = (camp["end_date"].to_numpy()[c[timed]] + 1) * DAY + pd.Series(kind[timed]).map(
        _POST
    ).to_numpy()
    t = leads["created_at"].to_numpy()[timed]
    leads.loc[timed, "created_at"] = np.where((t < lo) | (t > hi), between(rng, lo, hi), t)
    leads["created_at"] = np.clip(leads["created_at"], START_TS, END_TS - 3600)


def build_leads(
    rng: np.random.Generator,
    n_leads: int,
    opps: pd.DataFrame,
    conv: np.ndarray,
    people: pd.DataFrame,
    camp: pd.DataFrame,
    plan: pd.DataFrame,
    forbidden: np.ndarray,
    org: object,
) -> pd.DataFrame:
    """All leads, sorted by creation, with ids, statuses and the person behind each."""
    converted = _converted(rng, opps, conv, people, plan)
    leads = pd.concat(
        [converted, _open(rng, n_leads - len(converted), people, forbidden)], ignore_index=True
    )
    _campaigns(rng, leads, people, camp)
    leads = leads.sort_values("created_at", kind="stable").reset_index(drop=True)
    leads["lead_id"] = [f"L{i:07d}" for i in range(1, len(leads) + 1)]
    p = leads["person_idx"].to_numpy()
    matched = (
        (leads["opp_row"].to_numpy() < 0)
        & people["is_contact"].to_numpy()[p]
        & (rng.random(len(leads)) < 0.4)
    )
    leads.loc[matched, "account_idx"] = people["account_idx"].to_numpy()[p[matched]]
    lead_status.assign(rng, leads, org)
    _person_fields(rng, leads, people)
    return leads


def _person_fields(rng: np.random.Generator, leads: pd.DataFrame, people: pd.DataFrame) -> None:
    n = len(leads)
    p = leads["person_idx"].to_numpy()
    person = people.iloc[p]
    leads["name"] = person["name"].to_numpy()
    email = pa.array(person["email"].to_numpy(), pa.string())
    variant = leads["dup"].to_numpy() & (rng.random(n) < 0.3)
    email = pc.if_else(pa.array(variant), pc.utf8_capitalize(email), email)
    has_phone = person["phone_e164"].notna().to_numpy()
    ch = leads["channel"].to_numpy()
    no_email = np.isin(ch, [CH["event"], CH["sdr_outbound"]]) & has_phone & (rng.random(n) < 0.35)
    email = ident.obj(email)
    email[no_email] = None
    leads["email"] = email
    mobile = person["mobile"].to_numpy()
    styled = ident.obj(ident.cn_phone_formats(mobile, rng.integers(0, 7, n)))
    phone = np.where(mobile > 0, styled, person["phone"].to_numpy())
    drop_phone = pd.notna(email) & (rng.random(n) < 0.1)
    leads["phone"] = np.where(has_phone & ~drop_phone, phone, None)
    union = person["wechat_unionid"].to_numpy()
    leads["wechat_unionid"] = np.where(rng.random(n) < 0.6, union, None)
    is_contact = person["is_contact"].to_numpy()
    short = rng.random(n) < np.where(is_contact, 0.4, 0.5)
    company = np.where(short, person["short_name"].to_numpy(), person["company"].to_numpy())
    company[~is_contact & person["free_mail"].to_numpy() & (rng.random(n) < 0.15)] = None
    leads["company"] = company
    leads["title"] = np.where(rng.random(n) < 0.8, person["title"].to_numpy(), None)
    located = rng.random(n) < 0.7
    leads["province"] = np.where(located, person["province"].to_numpy(), None)
    leads["city"] = np.where(located, person["city"].to_numpy(), None)
    leads["industry"] = np.where(rng.random(n) < 0.5, person["industry"].to_numpy(), None)


def leads_columns(
    leads: pd.DataFrame,
    acc: pd.DataFrame,
    people: pd.DataFrame,
    camp: pd.DataFrame,
    opps: pd.DataFrame,
) -> dict[str, object]:
    a = leads["account_idx"].to_numpy()
    c = leads["campaign_idx"].to_numpy()
    o = leads["opp_row"].to_numpy()
    p = leads["person_idx"].to_numpy()
    conv = o >= 0
    return {
        "lead_id": leads["lead_id"],
        "created_at": leads["created_at"],
        "name": leads["name"],
        "email": leads["email"],
        "phone": leads["phone"],
        "wechat_unionid": leads["wechat_unionid"],
        "company": leads["company"],
        "title": leads["title"],
        "province": leads["province"],
        "city": leads["city"],
        "industry": leads["industry"],
        "source_channel": np.array(CHANNELS, dtype=object)[leads["channel"].to_numpy()],
        "campaign_id": np.where(c >= 0, camp["campaign_id"].to_numpy()[np.maximum(c, 0)], None),
        "status": leads["status"],
        "owner_id": leads["owner_id"],
        "mql_at": leads["mql_at"],
        "sql_at": leads["sql_at"],
        "converted_at": leads["converted_at"],
        "disqualified_reason": leads["disqualified_reason"],
        "account_id": np.where(a >= 0, acc["account_id"].to_numpy()[np.maximum(a, 0)], None),
        "contact_id": np.where(conv, people["contact_id"].to_numpy()[p], None),
        "opportunity_id": np.where(conv, opps["opportunity_id"].to_numpy()[np.maximum(o, 0)], None),
        "lead_score_vendor": leads["lead_score_vendor"],
    }
