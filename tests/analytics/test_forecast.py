"""The forecast of the hand-made story (tests/metrics/story.py), deals taken as they stood on
the forecast day, and the accuracy of back-filled snapshots."""

from __future__ import annotations

import json
from datetime import date

import pytest

from revlens.analytics.forecast import (
    ForecastRequest,
    backfill,
    forecast,
    forecast_accuracy,
    period_bounds,
)
from revlens.metrics.scope import resolve_scope
from tests.metrics.story import load_story

APRIL_15 = ForecastRequest(as_of=date(2026, 4, 15))


def methods(result) -> dict[str, float | None]:
    return {m.method: m.forecast for m in result.methods}


def test_periods():
    assert period_bounds(date(2026, 11, 23), "quarter") == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_bounds(date(2026, 2, 3), "month") == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_forecast_takes_each_deal_as_it_stood_that_day(story):
    result = forecast(story.warehouse, APRIL_15)
    assert (result.period, result.period_start) == ("2026-Q2", date(2026, 4, 1))
    # O1 was won on 5 April; O4 (negotiation since 12 April, 40,000) and O3 (solution,
    # 80,000, expected 20 May) are open; O2 was lost in March
    assert result.won_to_date == 100_000 and result.open_pipeline == 120_000
    got = methods(result)
    assert got["stage_weighted"] == pytest.approx(100_000 + 40_000 * 0.7 + 80_000 * 0.4)
    # learned from O1 (won: reached every stage) and O2 (lost after needs analysis): deals that
    # reached solution or negotiation were all won
    assert got["learned"] == pytest.approx(100_000 + 40_000 * 1.0 + 80_000 * 1.0)
    assert got["time_series"] is None          # a few weeks of history cannot be fitted
    stages = {s.stage: s for s in result.stages}
    assert stages["solution"].learned_probability == 1.0
    assert stages["negotiation"].opportunities == 1


def test_before_a_deal_existed_or_moved(story):
    # on 1 April O4 did not exist yet and O1 was still in negotiation
    got = methods(forecast(story.warehouse, ForecastRequest(as_of=date(2026, 4, 1))))
    assert got["stage_weighted"] == pytest.approx(100_000 * 0.7 + 80_000 * 0.4)


def test_a_reps_forecast_is_their_deals_only(story):
    mine = resolve_scope(story.warehouse, "U1", "own")
    got = methods(forecast(story.warehouse, APRIL_15, mine))
    assert got["stage_weighted"] == pytest.approx(100_000 + 40_000 * 0.7)   # O1, O4


def test_accuracy_of_backfilled_snapshots(workspace, tmp_path):
    load_story(workspace, tmp_path)
    wh = workspace.warehouse
    assert backfill(wh, date(2026, 4, 1), date(2026, 4, 15), every_days=14) == 4
    report = forecast_accuracy(wh, as_of=date(2026, 7, 1))
    rows = {m.method: m for m in report.methods}
    # Q2 won: O1 100,000 + O4 40,000; said on 1 April 102,000, on 15 April 160,000
    errors = [(102_000 - 140_000) / 140_000, (160_000 - 140_000) / 140_000]
    assert rows["stage_weighted"].snapshots == 2
    assert rows["stage_weighted"].mape == pytest.approx(sum(abs(e) for e in errors) / 2)
    assert rows["stage_weighted"].bias == pytest.approx(sum(errors) / 2)
    assert forecast_accuracy(wh, as_of=date(2026, 6, 30)).methods == []   # Q2 not over yet
    again = backfill(wh, date(2026, 4, 1), date(2026, 4, 1))
    assert again == 2                          # a day's snapshot is replaced, not doubled
    assert forecast_accuracy(wh, as_of=date(2026, 7, 1)).methods[0].snapshots == 2


def test_cli_forecast_json(story_dir, cli):
    got = cli("forecast", "--as-of", "2026-04-15", "--format", "json", "-w", str(story_dir))
    assert got.exit_code == 0, got.stderr
    (result,) = json.loads(got.stdout)
    assert result["won_to_date"] == 100_000 and result["period"] == "2026-Q2"
