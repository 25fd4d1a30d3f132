"""The planted webinar attendance behind the webinar win-rate lift.

For every account flagged ``webinar_account`` (see :mod:`revlens.demo.effects`), its primary
contact registers for and attends a webinar campaign held *before* the account's first
new-business opportunity was created (so before any of its deals closed). No other person at an
account with new-business deals ever attends a webinar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo.timeline import DAY, START_TS, seconds_in_day


def forbidden_webinar_people(people: pd.DataFrame, acc: pd.DataFrame,
                             opps: pd.DataFrame) -> np.ndarray:
    """Mask of people who must never attend a webinar (contacts at non-webinar deal accounts)."""
    has_nb = np.zeros(len(acc), dtype=bool)
    has_nb[opps.loc[opps["type"] == "new_business", "account_idx"].to_numpy()] = True
    bad_account = has_nb & ~acc["webinar_account"].to_numpy()
    a = people["account_idx"].to_numpy()
    return (a >= 0) & bad_account[np.maximum(a, 0)]


def plan_webinar_attendance(rng: np.random.Generator, acc: pd.DataFrame, opps: pd.DataFrame,
                            people: pd.DataFrame, camp: pd.DataFrame) -> pd.DataFrame:
    """One attendance per webinar account: person, webinar campaign, registration, attendance."""
    nb = opps[opps["type"] == "new_business"]
    first = nb.groupby("account_idx")["created_at"].min()
    first = first[acc["webinar_account"].to_numpy()[first.index.to_numpy()]]
    account_idx = first.index.to_numpy()
    deal_day = first.to_numpy() // DAY
    webinars = camp[camp["type"] == "webinar"].sort_values("start_date")
    w_days = webinars["start_date"].to_numpy()
    lo = np.searchsorted(w_days, deal_day - 120, side="left")
    hi = np.searchsorted(w_days, deal_day - 1, side="right")
    pick = np.where(hi > lo, lo + (rng.random(len(lo)) * (hi - lo)).astype(np.int64), hi - 1)
    found = pick >= 0
    pick = np.maximum(pick, 0)
    afternoon = 14 * 3600 + rng.integers(0, 2 * 3600, len(pick))
    attend = np.where(found, w_days[pick] * DAY + afternoon, (deal_day - 3) * DAY + afternoon)
    attend = np.minimum(np.maximum(attend, START_TS), first.to_numpy() - 600)
    registered = attend - (rng.uniform(1, 14, len(pick)) * DAY).astype(np.int64)
    registered = (registered // DAY) * DAY + seconds_in_day(rng, len(pick), "web")
    registered = np.maximum(np.minimum(registered, attend - 3600), START_TS)
    primary = people.index[people["is_primary"].to_numpy()].to_numpy()
    primary_of = np.full(len(acc), -1, dtype=np.int64)
    primary_of[people["account_idx"].to_numpy()[primary]] = primary
    return pd.DataFrame({
        "account_idx": account_idx, "person_idx": primary_of[account_idx],
        "campaign_idx": webinars.index.to_numpy()[pick], "registered_at": registered,
        "attended_at": attend, "first_deal_at": first.to_numpy(),
    })
