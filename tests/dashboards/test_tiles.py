"""Tiles of the shipped dashboards on the story (tests/dashboards/conftest.py), with the numbers
worked out by hand: the cockpit's figures, the attribution switch, global filters,
cross-filters, drill-down and the row-level scope."""

from __future__ import annotations

from datetime import date

import pytest

from revlens.dashboards import GlobalFilters, Selection, run_dashboard, run_tile
from revlens.dashboards import shipped_dashboards as shipped
from revlens.dashboards.exceptions import UnknownTile
from revlens.dashboards.runner import drill_tile, run_dashboard_concurrently, run_spec
from revlens.dashboards.spec import Tile
from revlens.metrics import MetricQuery, run_query
from revlens.metrics.scope import resolve_scope

APRIL = GlobalFilters(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30),
                      compare="previous_period")
SPRING = GlobalFilters(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
MODELS = ["first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path",
          "time_decay", "markov", "shapley"]


def kpis(result) -> dict:
    return {k.metric: (k.value, k.previous, k.change) for k in result.kpis}


def tile(ws, dashboard, tile_id, filters=APRIL, **options):
    result = run_tile(ws.warehouse, shipped()[dashboard], tile_id, filters, **options)
    assert result.error is None, result.error
    return result


def test_the_cockpit_figures_of_april_against_march(dash_story):
    got = {t: kpis(tile(dash_story, "cockpit", t)) for t in
           ("bookings", "collections", "new_pipeline", "target_attainment", "gross_margin",
            "influenced_pipeline")}
    # SO1 100,000 + SO2 40,000 + SO3 20,000 signed in April; nothing in March
    assert got["bookings"]["bookings"] == (160_000, 0, None)
    # P1 60,000, P3 40,000, P4 5,000 (P2 is paid in May)
    assert got["collections"]["collections"][0] == 105_000
    # O4 40,000 in April; O1 100,000 + O2 50,000 + O3 80,000 in March
    value, previous, change = got["new_pipeline"]["new_pipeline"]
    assert (value, previous) == (40_000, 230_000)
    assert change == pytest.approx(40_000 / 230_000 - 1)
    # targets: U1 120,000, U3 40,000, a third of U2's 90,000 for the quarter
    assert got["target_attainment"]["target_attainment"][0] == pytest.approx(160 / 190)
    assert got["gross_margin"]["gross_margin_rate"][0] == pytest.approx(100 / 140)
    # O4 was touched (paid search, e-mail through A1) before its creation; O3 never was
    assert got["influenced_pipeline"]["influenced_pipeline"][:2] == (40_000, 150_000)
    assert got["influenced_pipeline"]["sourced_pipeline"][:2] == (0, 150_000)


def test_every_kpi_equals_the_metric_query(dash_story):
    cockpit = shipped()["cockpit"]
    for t in cockpit.tiles:
        if t.kind != "kpi":
            continue
        result = tile(dash_story, "cockpit", t.id)
        expected = run_query(dash_story.warehouse, MetricQuery(
            metrics=t.metrics, date_from=APRIL.date_from, date_to=APRIL.date_to,
            compare="previous_period" if t.compare else None)).rows[0]
        for k in result.kpis:
            assert k.value == expected[k.metric], (t.id, k.metric)
            assert k.previous == expected.get(f"{k.metric}_previous")


def test_a_time_axis_has_every_period_of_the_range(dash_story):
    trend = tile(dash_story, "cockpit", "revenue_trend", SPRING)
    # nothing was signed or paid in March: the month shows 0, not a hole
    assert [(r["month"], r["bookings"], r["collections"]) for r in trend.rows] == [
        ("2026-03", 0, 0), ("2026-04", 160_000, 105_000)]
    assert not trend.empty


def test_the_attribution_switch_changes_the_channel_ranking(dash_story):
    def ranking(model: str) -> list[tuple[str, float]]:
        result = tile(dash_story, "cockpit", "attribution", SPRING, switch_value=model)
        assert result.switch.value == model and result.switch.values == MODELS
        return [(r["channel"], r["attributed_pipeline"]) for r in result.rows]

    # O1 (100,000) and O4 (40,000): paid search four times, then the e-mail click; O2
    # (50,000): the event only
    assert ranking("first_touch") == [("paid_search", 140_000), ("event", 50_000),
                                      ("email", 0)]
    assert ranking("last_touch") == [("email", 140_000), ("event", 50_000),
                                     ("paid_search", 0)]
    linear = dict(ranking("linear"))       # one fifth of O1 and O4 to the e-mail
    assert linear["email"] == pytest.approx(28_000) and linear["paid_search"] == \
        pytest.approx(112_000)
    default = tile(dash_story, "cockpit", "attribution", SPRING)
    assert default.switch.value == "linear" and default.switch.labels["markov"] == "马尔可夫链"
    wrong = run_tile(dash_story.warehouse, shipped()["cockpit"], "attribution", SPRING,
                     switch_value="wishful")
    assert "'wishful' is not a value of the switch attribution_model" in wrong.error
    assert "first_touch" in wrong.error and wrong.empty


def test_global_filters_apply_where_the_metrics_have_the_dimension(dash_story):
    events = SPRING.model_copy(update={"channel": ["event"]})
    pipeline = tile(dash_story, "cockpit", "new_pipeline", events)
    assert pipeline.kpis[0].value == 50_000 and pipeline.not_applied_filters == []   # O2
    # targets and NPS responses are not split by channel: shown whole, and said so
    target = tile(dash_story, "cockpit", "target_by_team", events)
    assert target.not_applied_filters == ["channel"]
    nps = tile(dash_story, "cockpit", "nps", events)
    assert nps.not_applied_filters == ["channel"]
    assert nps.kpis[0].value == tile(dash_story, "cockpit", "nps", SPRING).kpis[0].value
    east = tile(dash_story, "sales", "leaderboard",
                SPRING.model_copy(update={"team": ["华东销售"]}))
    assert [r["owner"] for r in east.rows] == ["U1", "U2"]
    assert east.value_labels["owner"] == {"U1": "张三", "U2": "李四"}


def test_a_click_on_a_tile_filters_the_other_tiles(dash_story):
    clicked = SPRING.model_copy(update={"selections": [
        Selection(dimension="channel", values=("event",), tile="attribution")]})
    other = tile(dash_story, "cockpit", "sourced_vs_influenced", clicked)
    assert [(r["channel"], r["influenced_pipeline"]) for r in other.rows] == [("event", 50_000)]
    itself = tile(dash_story, "cockpit", "attribution", clicked)
    assert {r["channel"] for r in itself.rows} == {"paid_search", "event", "email"}
    assert tile(dash_story, "cockpit", "target_by_team", clicked).not_applied_filters == \
        ["channel"]
    # a month clicked on a time axis narrows the other tiles' period
    march = SPRING.model_copy(update={"selections": [
        Selection(dimension="month", values=("2026-03",), tile="revenue_trend")]})
    narrowed = tile(dash_story, "cockpit", "new_pipeline", march)
    assert narrowed.kpis[0].value == 230_000
    assert (narrowed.date_from, narrowed.date_to) == (date(2026, 3, 1), date(2026, 3, 31))


def test_drill_down_lists_the_records_behind_a_number(dash_story):
    cockpit = shipped()["cockpit"]
    records = drill_tile(dash_story.warehouse, cockpit.tile("sourced_vs_influenced"), SPRING,
                         {"channel": "paid_search"}, metric="influenced_pipeline")
    assert sorted({r["conversion_id"] for r in records.rows}) == ["O1", "O4"]
    step = drill_tile(dash_story.warehouse, cockpit.tile("lead_funnel"), SPRING,
                      {"stage": "sql"})
    assert sorted(r["lead_id"] for r in step.rows) == ["L1", "L3"]
    idle = drill_tile(dash_story.warehouse, shipped()["sdr"].tile("idle_by_owner"), SPRING,
                      {"owner": "U2"}, metric="idle_leads")
    assert [(r["lead_id"], r["status"]) for r in idle.rows] == [("L2", "mql")]


def test_the_reps_tiles_are_the_analysts_filtered_by_the_rep(dash_story):
    wh = dash_story.warehouse
    rep = resolve_scope(wh, "U1", "own")
    mine = SPRING.model_copy(update={"owner": ["U1"]})
    for name in ("cockpit", "sales", "sdr", "events"):
        as_rep = run_dashboard(wh, shipped()[name], SPRING, rep)
        filtered = run_dashboard(wh, shipped()[name], mine)
        for a, b in zip(as_rep, filtered, strict=True):
            if "owner" in b.not_applied_filters:    # the forecast, cohorts: not by owner
                continue
            if a.error:                               # measured for the whole company only
                assert a.tile == "forecast_accuracy" and "whole company" in a.error
                continue
            assert (a.rows, a.kpis) == (b.rows, b.kpis), (name, a.tile)
    bookings = tile(dash_story, "cockpit", "bookings", scope=rep)
    assert bookings.kpis[0].value == 140_000                 # SO1 and SO2 (O1, O4)
    assert bookings.scope.startswith("own records of U1")


def test_tiles_run_concurrently_on_their_own_connections(dash_story, dash_story_dir):
    from revlens.config import load_settings

    sales = shipped()["sales"]
    together = run_dashboard(dash_story.warehouse, sales, SPRING)
    apart = run_dashboard_concurrently(load_settings(dash_story_dir), sales, SPRING,
                                       workers=4)
    assert [(r.tile, r.rows, r.kpis) for r in apart] == \
        [(r.tile, r.rows, r.kpis) for r in together]


def test_a_broken_tile_says_what_to_change(dash_story):
    with pytest.raises(UnknownTile, match="its tiles: bookings"):
        run_tile(dash_story.warehouse, shipped()["cockpit"], "nothing", SPRING)
    wrong = run_spec(dash_story.warehouse, Tile(id="x", label={"zh": "x", "en": "x"},
                                                kind="bar", metrics=["bookingz"],
                                                dimensions=["channel"]))
    assert "unknown metric 'bookingz' (did you mean bookings," in wrong.error
    stage = run_spec(dash_story.warehouse, Tile(id="y", label={"zh": "y", "en": "y"},
                                                kind="bar", metrics=["leads"],
                                                dimensions=["stage"]))
    assert "cannot be grouped or filtered by 'stage'" in stage.error
    assert "lead_age" in stage.error
    pie = run_spec(dash_story.warehouse, Tile(id="z", label={"zh": "z", "en": "z"},
                                              kind="pie", metrics=["leads"], grain="month"))
    assert "a pie tile needs one dimension (not a time grain)" in pie.error
