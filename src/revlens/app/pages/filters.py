"""The global filters of a dashboard page, kept in the page's address so that a filtered view
can be bookmarked, shared and reloaded: `?from=2026-01-01&to=2026-06-30&compare=previous_year
&channel=百度&channel=微信&sw.attribution=markov`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request

from revlens.app import context
from revlens.dashboards.spec import GlobalFilters

LIST_FILTERS = ("channel", "team", "owner", "industry", "province")
PRESETS = ("this_month", "last_month", "this_quarter", "this_year", "last_30", "last_90",
           "last_365", "last_year")
SWITCH_PREFIX = "sw."


def today() -> date:
    return datetime.now(ZoneInfo(context.settings().timezone)).date()


def preset_period(name: str, now: date) -> tuple[date, date]:
    """The first and last day of a named period containing `now` (the last N days end today)."""
    if name == "this_month":
        return now.replace(day=1), now
    if name == "last_month":
        end = now.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "this_quarter":
        return date(now.year, 3 * ((now.month - 1) // 3) + 1, 1), now
    if name == "last_year":
        return date(now.year - 1, 1, 1), date(now.year - 1, 12, 31)
    if name.startswith("last_"):
        return now - timedelta(days=int(name.removeprefix("last_")) - 1), now
    return date(now.year, 1, 1), now      # this_year


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filters_from(request: Request) -> tuple[GlobalFilters, dict[str, str]]:
    """The page's filters and tile switches from its address; missing or unreadable dates fall
    back to the year to date, compared with the same days of the previous year."""
    params = request.query_params
    start, end = _day(params.get("from")), _day(params.get("to"))
    if start is None or end is None or start > end:
        start, end = preset_period("this_year", today())
    compare = params.get("compare", "previous_year")
    lists = {name: [v for v in params.getlist(name) if v] for name in LIST_FILTERS}
    filters = GlobalFilters(date_from=start, date_to=end,
                            compare=compare if compare in ("previous_period", "previous_year")
                            else None, **lists)
    switches = {k.removeprefix(SWITCH_PREFIX): v for k, v in params.items()
                if k.startswith(SWITCH_PREFIX)}
    return filters, switches


def address(path: str, filters: GlobalFilters, switches: dict[str, str],
            lang: str | None = None) -> str:
    """The page's address for these filters (the inverse of `filters_from`)."""
    query: list[tuple[str, str]] = [("from", filters.date_from.isoformat()),
                                    ("to", filters.date_to.isoformat()),
                                    ("compare", filters.compare or "none")]
    for name in LIST_FILTERS:
        query += [(name, v) for v in getattr(filters, name)]
    query += [(SWITCH_PREFIX + k, v) for k, v in sorted(switches.items())]
    if lang:
        query.append(("lang", lang))
    return f"{path}?{urlencode(query)}"
