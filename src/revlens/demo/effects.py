"""Parameters of the effects planted in the demo data (stated again in ``truth.json``).

Analytics tests check that these are recovered from the generated files:

- **webinar lift**: new-business opportunities of accounts whose people attended a webinar
  (``webinar_attend`` touchpoint before the opportunity was created) are won with probability
  ``BASE_WIN_RATE * WEBINAR_WIN_LIFT``; other new-business opportunities with ``BASE_WIN_RATE``.
  Accounts without the flag never have a ``webinar_attend`` touchpoint at all.
- **fast segment**: every stage of opportunities at ``is_specialized`` accounts lasts
  ``SPECIALIZED_CYCLE_FACTOR`` times as long (30% shorter sales cycles).
- **slow rep**: the slow rep's opportunities stay ``SLOW_REP_FACTOR`` times as long in
  ``SLOW_REP_STAGE``.
- **stalls**: a share of opportunities stall at ``solution`` (方案定制) for ``STALL_FACTOR``
  times the usual time; many of them are still open at the end date.
"""

from __future__ import annotations

BASE_WIN_RATE = 0.24
WEBINAR_WIN_LIFT = 1.8
WEBINAR_ACCOUNT_SHARE = 0.25
"""Share of accounts with new-business opportunities whose people attend a webinar first."""

SPECIALIZED_CYCLE_FACTOR = 0.7
SLOW_REP_STAGE = "solution"
SLOW_REP_FACTOR = 2.5
STALL_SHARE = 0.12
STALL_FACTOR = 4.0

RENEWAL_WIN_RATE = 0.82
UPSELL_WIN_RATE = 0.5
UPSELL_SHARE = 0.35
"""Share of won new-business deals followed by an upsell opportunity."""
RETRY_SHARE = 0.12
"""Share of lost new-business deals followed by a second attempt."""

STAGE_MEDIAN_DAYS = (9.0, 14.0, 20.0, 12.0)
"""Median days in qualification, needs_analysis, solution, negotiation."""
STAGE_SIGMA = 0.35
TYPE_CYCLE_FACTOR = {"new_business": 1.0, "upsell": 0.7, "renewal": 0.5}
LOST_AT_STAGE = (0.3, 0.25, 0.3, 0.15)
"""Where lost deals are lost: share per open stage."""

DUPLICATE_LEAD_SHARE = 0.1
"""Share of prospects who come back as a second lead (same person, new lead id)."""
