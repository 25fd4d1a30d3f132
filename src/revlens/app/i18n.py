"""The UI's language: texts by key (in `revlens.app.texts`) and locale-aware number and date
formatting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from revlens.app.texts import TEXTS
from revlens.metrics.dimensions import DIMENSIONS

LOCALES = ("zh-CN", "en")


def t(key: str, locale: str) -> str:
    entry = TEXTS.get(key)
    if entry is None:        # a dimension's name reads as the catalog labels it
        dimension = DIMENSIONS.get(key)
        return dimension.label(locale) if dimension else key
    return entry.get(locale) or entry["en"]


def format_int(value: int, locale: str) -> str:
    """Thousands separators: 1,234,567 in both locales; zh-CN uses 万/亿 from 10万 up."""
    if locale == "zh-CN" and abs(value) >= 100_000:
        for unit, size in (("亿", 100_000_000), ("万", 10_000)):
            if abs(value) >= size:
                return f"{value / size:,.2f}{unit}".replace(".00" + unit, unit)
    return f"{value:,}"


def format_datetime(value: datetime | None, locale: str, tz: str) -> str:
    if value is None:
        return ""
    stored = value if value.tzinfo else value.replace(tzinfo=UTC)  # stored times are UTC
    local = stored.astimezone(ZoneInfo(tz))
    if locale == "zh-CN":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%b} {local.day}, {local.year} {local:%H:%M}"


# -- metric values --------------------------------------------------------------------------
CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}
COMPACT_UNITS = {"zh-CN": (("亿", 100_000_000), ("万", 10_000)),
                 "en": (("B", 1_000_000_000), ("M", 1_000_000), ("K", 1_000))}
"""Units of compact numbers; zh-CN starts at 10万 (as format_int), English at 1K."""
EMPTY = "—"


def _compact(value: float, locale: str, decimals: int) -> str | None:
    units = COMPACT_UNITS["zh-CN" if locale == "zh-CN" else "en"]
    start = 100_000 if locale == "zh-CN" else 1_000
    if abs(value) < start:
        return None
    for unit, size in units:
        if abs(value) >= size:
            text = f"{value / size:,.{decimals}f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return text + unit
    return None


def format_number(value: float | int | None, locale: str, decimals: int = 2,
                  compact: bool = False) -> str:
    """1,234.5 (trailing zeros of the decimals dropped); `compact`: 31.83万 / 318.27K."""
    if value is None:
        return EMPTY
    if compact:
        short = _compact(float(value), locale, 2)
        if short is not None:
            return short
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_amount(value: float | int | None, locale: str, currency: str = "CNY",
                  compact: bool = False) -> str:
    """¥318,272.94 in both languages (two decimals); `compact`: ¥31.83万 (zh-CN), ¥318.27K."""
    if value is None:
        return EMPTY
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    if compact:
        short = _compact(abs(float(value)), locale, 2)
        if short is not None:
            return f"{sign}{symbol}{short}"
    return f"{sign}{symbol}{abs(value):,.2f}"


def format_percent(value: float | None, locale: str, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.3707 -> 37.1%."""
    if value is None:
        return EMPTY
    return f"{value * 100:,.{decimals}f}%"


def _unit(value: float | None, locale: str, zh: str, en: str) -> str:
    if value is None:
        return EMPTY
    return f"{format_number(value, locale, 1)} {zh if locale == 'zh-CN' else en}"


VALUE_FORMATS = {
    "currency": lambda v, locale, currency, compact: format_amount(v, locale, currency, compact),
    "percent": lambda v, locale, currency, compact: format_percent(v, locale),
    "count": lambda v, locale, currency, compact: format_number(v, locale, 0, compact),
    "number": lambda v, locale, currency, compact: format_number(v, locale, 2, compact),
    "score": lambda v, locale, currency, compact: format_number(v, locale, 1, compact),
    "days": lambda v, locale, currency, compact: _unit(v, locale, "天", "days"),
    "minutes": lambda v, locale, currency, compact: _unit(v, locale, "分钟", "min"),
}
"""Metric format (revlens.metrics.catalog.Format) -> how its values read."""


def format_value(value: float | int | None, fmt: str, locale: str, currency: str = "CNY",
                 compact: bool = False) -> str:
    """A metric's value as its format reads in `locale` (e.g. a currency amount with ¥)."""
    return VALUE_FORMATS.get(fmt, VALUE_FORMATS["number"])(value, locale, currency, compact)
