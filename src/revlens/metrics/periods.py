"""Periods of a query: the instants a day range covers, period labels of time grains, and the
range a comparison looks at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from revlens.metrics.exceptions import InvalidQuery

MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def instant(day: date, zone: str) -> datetime:
    """Midnight starting `day` in the workspace time zone, as a UTC instant."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def label(start: date, grain: str) -> str:
    """`2026-11-03` (day, week), `2026-11`, `2026-Q4`, `2026`."""
    if grain in ("day", "week"):
        return start.isoformat()
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def parse_label(text: str, grain: str) -> date:
    """The first day of the period a label names (the inverse of `label`)."""
    try:
        if grain in ("day", "week"):
            return date.fromisoformat(text)
        if grain == "month":
            year, month = text.split("-")
            return date(int(year), int(month), 1)
        if grain == "quarter":
            year, quarter = text.upper().split("-Q")
            return date(int(year), (int(quarter) - 1) * 3 + 1, 1)
        return date(int(text), 1, 1)
    except (ValueError, TypeError):
        examples = {"day": "2026-11-03", "week": "2026-11-02", "month": "2026-11",
                    "quarter": "2026-Q4", "year": "2026"}
        raise InvalidQuery(f"{text!r} is not a {grain} (expected e.g. {examples[grain]})"
                           ) from None


@dataclass(frozen=True)
class Comparison:
    """The previous range and how far its periods move forward to line up with the current."""

    date_from: date
    date_to: date
    shift: pd.DateOffset


def comparison(kind: str, date_from: date, date_to: date, grain: str | None) -> Comparison:
    if kind == "previous_year":
        shift = pd.DateOffset(years=1)
    elif grain in MONTHS_PER:
        first = pd.Timestamp(date_from).to_period("M")
        last = pd.Timestamp(date_to).to_period("M")
        unit = MONTHS_PER[grain]
        months = (last.ordinal // unit - first.ordinal // unit + 1) * unit
        shift = pd.DateOffset(months=months)
    else:
        shift = pd.DateOffset(days=(date_to - date_from).days + 1)
    start = (pd.Timestamp(date_from) - shift).date()
    end = (pd.Timestamp(date_to) - shift).date() if kind == "previous_year" \
        else date_from - timedelta(days=1)
    return Comparison(start, end, shift)


def period_labels(date_from: date, date_to: date, grain: str, most: int = 1000) -> list[str]:
    """The labels of every period of `grain` that [date_from, date_to] touches, in order
    (at most `most`: a longer range gives the first `most`)."""
    if grain == "week":
        day = date_from - timedelta(days=date_from.weekday())
    elif grain in MONTHS_PER:
        months = MONTHS_PER[grain]
        day = date(date_from.year, (date_from.month - 1) // months * months + 1, 1)
    else:
        day = date_from
    labels = []
    while day <= date_to and len(labels) < most:
        labels.append(label(day, grain))
        if grain == "day":
            day += timedelta(days=1)
        elif grain == "week":
            day += timedelta(days=7)
        else:
            day = (pd.Timestamp(day) + pd.DateOffset(months=MONTHS_PER[grain])).date()
    return labels
