"""What touchpoint blocks draw from: people, leads, deals, campaigns, content, ad creatives.

Visitor ids: ``0 .. len(people)-1`` are people's own browser cookies; anonymous visitors who
never identify get ids from ``len(people)`` upwards, handed out by :meth:`TouchWorld.visitors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from revlens.demo.people import random_contact
from revlens.demo.timeline import END_TS


@dataclass
class TouchWorld:
    rng: np.random.Generator
    target: int
    people: pd.DataFrame
    acc: pd.DataFrame
    leads: pd.DataFrame
    opps: pd.DataFrame
    camp: pd.DataFrame
    content: pd.DataFrame
    spend: pd.DataFrame
    """Ad spend rows with a ``creative`` code (index into the creative tables)."""
    plan: pd.DataFrame
    forbidden: np.ndarray
    """People who must never register for or attend a webinar."""
    next_visitor: int = 0
    _camp_creatives: tuple[np.ndarray, np.ndarray] = field(default=(np.array([]), np.array([])))

    def __post_init__(self) -> None:
        self.next_visitor = len(self.people)
        pairs = self.spend[["campaign_idx", "creative"]].drop_duplicates().sort_values(
            ["campaign_idx", "creative"])
        self._camp_creatives = (pairs["campaign_idx"].to_numpy(), pairs["creative"].to_numpy())

    @property
    def scale_factor(self) -> float:
        return self.target / 300_000

    def visitors(self, n: int, returning: float = 0.0) -> np.ndarray:
        """``n`` anonymous visitor ids: new ones, a share of them returning earlier ones."""
        new = np.arange(self.next_visitor, self.next_visitor + n)
        issued = self.next_visitor - len(self.people)
        if returning > 0 and issued > 0:
            back = self.rng.random(n) < returning
            new[back] = len(self.people) + self.rng.integers(0, issued, int(back.sum()))
        self.next_visitor += n
        return new

    def creative_for(self, campaign: np.ndarray) -> np.ndarray:
        """A random ad group/keyword of each campaign (-1 if it has none)."""
        camps, creatives = self._camp_creatives
        lo = np.searchsorted(camps, campaign, side="left")
        hi = np.searchsorted(camps, campaign, side="right")
        pick = lo + (self.rng.random(len(campaign)) * (hi - lo)).astype(np.int64)
        return np.where(hi > lo, creatives[np.minimum(pick, len(creatives) - 1)], -1)

    def contact_of(self, account: np.ndarray, primary_share: float = 0.5) -> np.ndarray:
        """A contact (person index) at each account; the primary one with ``primary_share``."""
        return random_contact(self.rng, self.people, account, primary_share)

    def content_at(self, ts: np.ndarray, campaign: np.ndarray | None = None) -> np.ndarray:
        """Content published by ``ts`` (the campaign's own content when it has some)."""
        published = self.content["published_at"].to_numpy()
        n_pub = np.searchsorted(published, ts, side="right")
        pick = (self.rng.random(len(ts)) * n_pub).astype(np.int64)
        out = np.where(n_pub > 0, pick, -1)
        if campaign is not None:
            own = np.full(len(self.camp) + 1, -1, dtype=np.int64)
            linked = self.content[self.content["campaign_idx"] >= 0]
            own[linked["campaign_idx"].to_numpy()] = linked.index.to_numpy()
            mine = own[np.where(campaign >= 0, campaign, len(self.camp))]
            ok = (mine >= 0) & (published[np.maximum(mine, 0)] <= ts)
            out = np.where(ok, mine, out)
        return out

    def known_people(self) -> tuple[np.ndarray, np.ndarray]:
        """(time each person became known, person index), sorted by time; unknown people last."""
        known = np.full(len(self.people), END_TS + 1, dtype=np.int64)
        contact_at = self.people["contact_created_at"].to_numpy()
        known = np.where(contact_at >= 0, contact_at, known)
        first_lead = self.leads.groupby("person_idx")["created_at"].min()
        idx = first_lead.index.to_numpy()
        known[idx] = np.minimum(known[idx], first_lead.to_numpy())
        order = np.argsort(known, kind="stable")
        return known[order], order

    def first_lead_of(self) -> np.ndarray:
        """Row of each person's first lead (-1 if none)."""
        out = np.full(len(self.people), -1, dtype=np.int64)
        first = self.leads.reset_index().groupby("person_idx")["index"].min()
        out[first.index.to_numpy()] = first.to_numpy()
        return out
