"""The shipped dashboards: each loads, uses only catalog metrics, dimensions and analyses,
round-trips through YAML, covers what the issue asks of it, and every tile runs on the story."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from revlens.dashboards import GlobalFilters, run_dashboard, shipped_dashboards
from revlens.dashboards.shipped import dashboard_yaml
from revlens.dashboards.spec import Dashboard
from revlens.dashboards.validation import check_dashboard
from revlens.metrics import Catalog

SHIPPED = ["cockpit", "events", "ads_web", "content", "sdr", "sales"]
STORY = GlobalFilters(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30),
                      compare="previous_period")
COVERS = {
    # the items, each a metric or an analysis some tile of the dashboard shows
    "cockpit": {"bookings", "collections", "new_pipeline", "forecast", "forecast_accuracy",
                "target_attainment", "gross_margin_rate", "attributed_pipeline",
                "sourced_pipeline", "influenced_pipeline", "lead_funnel", "pipeline_funnel",
                "new_revenue", "returning_revenue", "repurchase_rate", "upsell_rate", "nps",
                "csat", "customer_ltv"},
    "events": {"event_registrations", "checkin_rate", "lead_funnel", "influenced_pipeline",
               "influenced_won_deals", "influenced_revenue"},
    "ads_web": {"ad_cost", "ad_impressions", "ad_clicks", "ctr", "cpc", "cpl", "leads",
                "opportunities_created", "orders_signed", "roas", "website_sessions",
                "form_conversion_rate"},
    "content": {"content_views", "content_downloads", "content_shares", "content_leads",
                "content_pipeline"},
    "sdr": {"open_leads", "speed_to_lead_minutes", "follow_ups", "mql_to_sql_rate",
            "handoff_conversion_rate", "idle_leads", "lead_pool"},
    "sales": {"follow_ups", "pipeline_funnel", "win_rate", "stalled_deals", "won_amount"},
}
GROUPED_BY = {"ads_web": {"platform", "campaign", "keyword", "landing_page"},
              "content": {"content", "content_type"}, "sdr": {"status", "lead_age", "owner"},
              "events": {"channel", "campaign"}, "sales": {"owner"}}


def test_every_shipped_dashboard_loads_in_order_with_both_languages():
    dashboards = shipped_dashboards()
    assert list(dashboards) == SHIPPED
    assert dashboards["cockpit"].tier == "cockpit"
    assert {d.tier for d in list(dashboards.values())[1:]} == {"operations"}
    for d in dashboards.values():
        assert d.label.zh and d.label.en and d.description.zh and d.description.en
        assert all(t.label.zh and t.label.en for t in d.tiles), d.id
        assert all(1 <= t.width <= 12 for t in d.tiles)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_dashboard_uses_only_the_catalog_and_covers_its_items(name):
    d = shipped_dashboards()[name]
    check_dashboard(d, Catalog.load())
    shown = {m for t in d.tiles for m in t.metrics} | {t.analysis for t in d.tiles}
    assert COVERS[name] <= shown, COVERS[name] - shown
    grouped = {g for t in d.tiles for g in t.group_by}
    assert GROUPED_BY.get(name, set()) <= grouped


@pytest.mark.parametrize("name", SHIPPED)
def test_a_dashboard_round_trips_through_yaml_and_json(name):
    d = shipped_dashboards()[name]
    assert Dashboard.model_validate(yaml.safe_load(dashboard_yaml(d))) == d
    assert Dashboard.model_validate_json(d.model_dump_json()) == d


@pytest.mark.parametrize("name", SHIPPED)
def test_every_tile_runs_on_the_story(dash_story, name):
    results = run_dashboard(dash_story.warehouse, shipped_dashboards()[name], STORY)
    failed = {r.tile: r.error for r in results if r.error}
    assert failed == {}
    assert len(results) == len(shipped_dashboards()[name].tiles)
    for r in results:
        assert r.kind == "kpi" or r.rows or r.empty, r.tile
        if r.kind == "kpi":
            assert r.kpis, r.tile
