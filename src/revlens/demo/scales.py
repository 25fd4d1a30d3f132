"""How big a demo is: the few counts everything else is derived from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Counts that size a demo; the other tables follow from them.

    Ratios are kept across scales (about 7 leads per account and 15 touchpoints per lead), so
    rates, funnels and the planted effects look the same at every size.
    """

    name: str
    accounts: int
    """Customer and prospect companies in the CRM (opportunities are about 1 per account)."""
    leads: int
    """Leads over the two years, converted and not."""
    touchpoints: int
    """Target number of touchpoints (hit within a few percent)."""
    campaigns: int
    """Marketing campaigns, over all channels and platforms."""
    content: int
    """Marketing content items."""
    reps_per_team: int
    """Sales reps in each of the four sales teams; also the number of SDRs."""
    ad_groups: int
    """Ad groups per ad campaign."""
    keywords: int
    """Keywords per search ad group."""


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", accounts=240, leads=1_400, touchpoints=6_000, campaigns=48,
                  content=20, reps_per_team=2, ad_groups=2, keywords=2),
    "small": Scale("small", accounts=3_000, leads=20_000, touchpoints=300_000, campaigns=160,
                   content=80, reps_per_team=6, ad_groups=3, keywords=4),
    "medium": Scale("medium", accounts=18_000, leads=130_000, touchpoints=2_000_000,
                    campaigns=360, content=160, reps_per_team=12, ad_groups=4, keywords=5),
    "large": Scale("large", accounts=80_000, leads=650_000, touchpoints=10_000_000,
                   campaigns=700, content=300, reps_per_team=24, ad_groups=4, keywords=6),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown demo scale {name!r}; choose one of {sorted(SCALES)}") from None
