"""Locale formatting of the web app: numbers with 万/亿 in zh-CN, dates in the workspace zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from revlens.app.i18n import TEXTS, format_datetime, format_int, t


@pytest.mark.parametrize(("value", "locale", "shown"), [
    (1234, "zh-CN", "1,234"), (99_999, "zh-CN", "99,999"), (120_000, "zh-CN", "12万"),
    (123_456, "zh-CN", "12.35万"), (250_000_000, "zh-CN", "2.50亿"),
    (300_000_000, "zh-CN", "3亿"),
    (1_234_567, "en", "1,234,567"), (-150_000, "zh-CN", "-15万"),
])
def test_numbers(value, locale, shown):
    assert format_int(value, locale) == shown


def test_dates_are_shown_in_the_workspace_zone():
    stored = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    assert format_datetime(stored, "zh-CN", "Asia/Shanghai") == "2026年1月5日 10:00"
    assert format_datetime(stored, "en", "Asia/Shanghai") == "Jan 5, 2026 10:00"
    naive_utc = datetime(2026, 1, 5, 2, 0)  # SQLite returns stored UTC times without a zone
    assert format_datetime(naive_utc, "en", "Europe/Berlin") == "Jan 5, 2026 03:00"
    assert format_datetime(None, "en", "UTC") == ""


def test_every_text_has_both_languages():
    assert all(set(entry) == {"zh-CN", "en"} for entry in TEXTS.values())
    assert t("rows", "zh-CN") == "行数" and t("rows", "en") == "Rows"
    assert t("no-such-key", "en") == "no-such-key"
