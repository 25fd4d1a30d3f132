"""``truth.json``: the planted effects with their parameters and realised values, identity
truths, and control totals of the written files (so importers and analytics can be checked)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo import effects as fx
from revlens.demo.schema import CHANNELS, TOUCH_TYPES, WON
from revlens.demo.timeline import DAY, END_TS


def _yuan(cents: float) -> float:
    return round(float(cents) / 100, 2)


def _rate(won: np.ndarray) -> float | None:
    return round(float(won.mean()), 4) if len(won) else None


def webinar_effect(opps: pd.DataFrame, acc: pd.DataFrame) -> dict:
    nb = opps[(opps["type"] == "new_business") & (opps["closed_at"] >= 0)]
    touched = acc["webinar_account"].to_numpy()[nb["account_idx"].to_numpy()]
    won = (nb["stage"] == WON).to_numpy()
    r1, r0 = _rate(won[touched]), _rate(won[~touched])
    return {
        "description": "New-business opportunities of accounts whose people attended a webinar "
                       "(webinar_attend touchpoint, matched to the account's contacts by e-mail "
                       "or phone) before the opportunity was created win more often.",
        "touch_type": "webinar_attend", "channel": "webinar",
        "applies_to": "opportunities.type = new_business, closed",
        "base_win_rate": fx.BASE_WIN_RATE, "lift": fx.WEBINAR_WIN_LIFT,
        "touched_accounts": int(acc["webinar_account"].sum()),
        "realized": {"touched_closed": int(touched.sum()), "touched_won": int(won[touched].sum()),
                     "untouched_closed": int((~touched).sum()),
                     "untouched_won": int(won[~touched].sum()),
                     "touched_win_rate": r1, "untouched_win_rate": r0,
                     "ratio": round(r1 / r0, 3) if r1 and r0 else None},
    }


def fast_segment(opps: pd.DataFrame, acc: pd.DataFrame) -> dict:
    won = opps[(opps["type"] == "new_business") & (opps["stage"] == WON)]
    days = (won["closed_at"] - won["created_at"]).to_numpy() / DAY
    spec = acc["is_specialized"].to_numpy()[won["account_idx"].to_numpy()]
    m1 = float(np.median(days[spec])) if spec.any() else None
    m0 = float(np.median(days[~spec])) if (~spec).any() else None
    return {
        "description": "Every stage of deals at 专精特新 (is_specialized) accounts is shorter, "
                       "so their sales cycle (created_at to closed_at) is 30% shorter.",
        "segment": "accounts.is_specialized = true", "cycle_factor": fx.SPECIALIZED_CYCLE_FACTOR,
        "realized": {"median_cycle_days_segment": m1, "median_cycle_days_others": m0,
                     "ratio": round(m1 / m0, 3) if m1 and m0 else None,
                     "won_new_business_segment": int(spec.sum()),
                     "won_new_business_others": int((~spec).sum())},
    }


def solution_days(opps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(days in solution, owner) for deals that left the solution stage."""
    start = opps["entered_2"].to_numpy()
    nxt = np.where(opps["entered_3"].to_numpy() >= 0, opps["entered_3"].to_numpy(),
                   opps["closed_at"].to_numpy())
    done = (start >= 0) & (nxt >= 0)
    return (nxt[done] - start[done]) / DAY, opps["owner_id"].to_numpy()[done]


def slow_rep(opps: pd.DataFrame, rep: str) -> dict:
    days, owner = solution_days(opps)
    mine = owner == rep
    m1 = float(np.median(days[mine])) if mine.any() else None
    m0 = float(np.median(days[~mine])) if (~mine).any() else None
    return {
        "description": "One rep's deals stay much longer in the solution stage (方案定制).",
        "user_id": rep, "stage": fx.SLOW_REP_STAGE, "factor": fx.SLOW_REP_FACTOR,
        "realized": {"median_days_rep": m1, "median_days_others": m0,
                     "ratio": round(m1 / m0, 3) if m1 and m0 else None,
                     "deals_rep": int(mine.sum()), "deals_others": int((~mine).sum())},
    }


def stalls(opps: pd.DataFrame) -> dict:
    open_solution = (opps["stage"] == "solution").to_numpy()
    age = (END_TS - opps["entered_2"].to_numpy()) / DAY
    return {"description": "A share of deals stall at solution for several times the usual "
                           "time; many are still open there at the end date.",
            "stage": "solution", "share": fx.STALL_SHARE, "factor": fx.STALL_FACTOR,
            "open_at_solution": int(open_solution.sum()),
            "open_at_solution_over_60_days": int((open_solution & (age > 60)).sum())}


def identity(people: pd.DataFrame, leads: pd.DataFrame, frame: dict, n_examples: int = 12) -> dict:
    n_leads = np.bincount(leads["person_idx"].to_numpy(), minlength=len(people))
    contact = people["is_contact"].to_numpy()
    records = n_leads + contact
    multi = np.flatnonzero(records >= 2)
    multi_leads = np.flatnonzero(n_leads >= 2)
    examples = []
    by_person = leads.groupby("person_idx")["lead_id"].apply(list)
    phones = leads.groupby("person_idx")["phone"].apply(lambda s: sorted(set(s.dropna())))
    for p in list(multi_leads[:n_examples // 2]) + list(
            np.setdiff1d(multi, multi_leads)[:n_examples - n_examples // 2]):
        examples.append({
            "lead_ids": by_person.get(p, []), "contact_id": people["contact_id"].iat[p],
            "email": people["email"].iat[p], "phone_e164": people["phone_e164"].iat[p],
            "phones_as_written_on_leads": phones.get(p, []),
            "wechat_unionid": people["wechat_unionid"].iat[p],
        })
    visitor, person = frame["visitor"], frame["person"]
    anonymous_known = int(((visitor >= 0) & (visitor < len(people)) & (person < 0)).sum())
    return {
        "description": "Each real person may appear as a contact, several leads and many "
                       "touchpoints; records of one person share an e-mail, phone or WeChat id "
                       "(e-mail case and phone formats vary). Distinct persons never share one.",
        "persons_in_leads_or_contacts": int((records >= 1).sum()),
        "persons_with_multiple_records": int(len(multi)),
        "persons_with_multiple_leads": int(len(multi_leads)),
        "lead_records": int(len(leads)), "contact_records": int(contact.sum()),
        "anonymous_touchpoints_of_known_people": anonymous_known,
        "examples": examples,
    }


def totals(opps: pd.DataFrame, orders: pd.DataFrame, pay: pd.DataFrame, leads: pd.DataFrame,
           spend: pd.DataFrame, frame: dict, rows: dict[str, int]) -> dict:
    won = opps["stage"] == WON
    cost = spend.groupby(["platform", "currency"])["cost"].sum()
    types = np.bincount(frame["type"], minlength=len(TOUCH_TYPES))
    return {
        "rows": rows,
        "leads": int(len(leads)),
        "leads_by_status": leads["status"].value_counts().sort_index().to_dict(),
        "leads_by_source_channel": {CHANNELS[c]: int(k) for c, k in
                                    leads["channel"].value_counts().sort_index().items()},
        "opportunities": int(len(opps)), "won_opportunities": int(won.sum()),
        "opportunities_by_stage": opps["stage"].value_counts().sort_index().to_dict(),
        "bookings": _yuan(opps.loc[won, "amount"].sum()),
        "bookings_description": "sum of amount of won opportunities (CNY) = sum of orders "
                                "with an opportunity_id",
        "orders_amount": _yuan(orders["amount"].sum()),
        "orders_without_opportunity": int((orders["opp_row"] < 0).sum()),
        "payments_net": _yuan(pay["amount"].sum()),
        "refunds": {"count": int((pay["amount"] < 0).sum()),
                    "amount": _yuan(pay.loc[pay["amount"] < 0, "amount"].sum())},
        "ad_spend_cost": {f"{p}/{c}": _yuan(v) for (p, c), v in cost.items()},
        "ad_spend_clicks": int(spend["clicks"].sum()),
        "touchpoints_by_type": {TOUCH_TYPES[i]: int(k) for i, k in enumerate(types) if k},
    }


def identity_records(people: pd.DataFrame, leads: pd.DataFrame, acc: pd.DataFrame
                     ) -> pd.DataFrame:
    """Every lead and contact with its true person and that person's account (empty for a
    prospect): the answer key of `truth_identity.csv`."""
    account_ids = acc["account_id"].to_numpy()

    def account_of(person: np.ndarray) -> np.ndarray:
        idx = people["account_idx"].to_numpy()[person]
        return np.where(idx >= 0, account_ids[np.maximum(idx, 0)], "")

    lead_person = leads["person_idx"].to_numpy()
    contacts = people.index[people["is_contact"].to_numpy()].to_numpy()
    return pd.DataFrame({
        "record_type": ["lead"] * len(leads) + ["contact"] * len(contacts),
        "record_id": np.r_[leads["lead_id"].to_numpy(),
                           people["contact_id"].to_numpy()[contacts]],
        "person": np.r_[lead_person, contacts].astype(np.int64),
        "account_id": np.r_[account_of(lead_person), account_of(contacts)],
    })
