"""The UI's language: texts by key (in `revlens.app.texts`) and locale-aware number and date
formatting."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from revlens.app.texts import TEXTS

LOCALES = ("zh-CN", "en")


def t(key: str, locale: str) -> str:
    entry = TEXTS.get(key)
    if entry is None:
        return key
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
