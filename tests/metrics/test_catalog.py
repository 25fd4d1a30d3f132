"""The catalog: shipped definitions are complete and valid; a workspace adds and replaces
metrics in YAML; a broken definition is refused with the file, the metric and the reason."""

from __future__ import annotations

from datetime import date

import pytest

from revlens.metrics import Catalog, MetricQuery, run_query
from revlens.metrics.catalog import WORKSPACE_FOLDER
from revlens.metrics.exceptions import CatalogError

REQUIRED = {
    "leads", "mqls", "sqls", "opportunities_created", "new_pipeline", "won_deals", "bookings",
    "collections", "receivables", "gross_margin", "win_rate", "average_deal_size",
    "sales_cycle_days", "pipeline_coverage", "target_attainment", "lead_to_mql_rate",
    "mql_to_sql_rate", "sql_to_opportunity_rate", "opportunity_to_won_rate",
    "speed_to_lead_minutes", "follow_ups_per_lead", "ad_impressions", "ad_clicks", "ctr", "cpc",
    "spend", "cpl", "cost_per_opportunity", "cac", "roas", "roi", "event_registrations",
    "checkin_rate", "event_leads", "influenced_pipeline", "content_views", "content_downloads",
    "content_shares", "content_leads", "website_sessions", "form_conversion_rate",
    "new_revenue", "returning_revenue", "repurchase_rate", "upsell_rate", "cross_sell_rate",
    "net_revenue_retention", "churned_customers", "nps", "csat", "pipeline_velocity",
}


def test_the_shipped_catalog_has_every_kpi_with_both_languages():
    catalog = Catalog.load()
    assert set(catalog.metrics) >= REQUIRED
    for metric in catalog:
        assert metric.label.zh and metric.label.en and metric.description.zh, metric.id
        assert catalog.dimensions(metric.id), metric.id
    assert catalog.params("roi") == {"attribution_model": "linear"}


def _write(folder, text: str) -> None:
    (folder / WORKSPACE_FOLDER).mkdir(exist_ok=True)
    (folder / WORKSPACE_FOLDER / "ours.yaml").write_text(text, encoding="utf-8")


def test_a_workspace_adds_and_replaces_metrics(story, tmp_path):
    _write(tmp_path, """
metrics:
  - id: big_deals
    label: {en: Big deals, zh: 大单数}
    description: {en: Opportunities of 60,000 or more., zh: 金额 6 万及以上的商机。}
    model: opportunities
    measure: {agg: count, filters: [{column: amount, op: gte, value: 60000}]}
  - id: big_deal_share
    label: {en: Share of big deals, zh: 大单占比}
    description: {en: Big deals over all opportunities., zh: 大单数 ÷ 商机数。}
    derived: {op: ratio, of: [big_deals, opportunities_created]}
    format: percent
  - id: leads
    label: {en: Leads (excluding disqualified), zh: 有效线索}
    description: {en: Leads not disqualified., zh: 未判为无效的线索。}
    model: leads
    measure: {agg: count, filters: [{column: status, op: ne, value: disqualified}]}
""")
    catalog = Catalog.load(tmp_path)
    assert catalog.get("leads").source.endswith("ours.yaml")
    row = run_query(story.warehouse, MetricQuery(
        metrics=["big_deals", "big_deal_share", "leads"], date_from=date(2026, 1, 1),
        date_to=date(2026, 12, 31)), catalog=catalog).rows[0]
    assert row["big_deals"] == 2 and row["big_deal_share"] == pytest.approx(2 / 4)  # O1, O3
    assert row["leads"] == 4                                                         # not L5


@pytest.mark.parametrize(("text", "reason"), [
    ("metrics:\n  - {id: x, label: {en: X, zh: X}, description: {en: X, zh: X}, "
     "model: nowhere, measure: {agg: count}}", "unknown model 'nowhere'"),
    ("metrics:\n  - {id: x, label: {en: X, zh: X}, description: {en: X, zh: X}, "
     "derived: {op: ratio, of: [x, leads]}}", "cycle: x -> x"),
    ("metrics:\n  - {id: x, label: {en: X, zh: X}, description: {en: X, zh: X}, "
     "model: orders, measure: {agg: sum, expr: \"__import__('os')\"}}", "only column names"),
    ("metrics:\n  - {id: x, label: {en: X, zh: X}, description: {en: X, zh: X}, "
     "model: orders, measure: {agg: sum}}", "needs an expr"),
    ("metrics: {}", "top-level `metrics:` list"),
])
def test_broken_definitions_name_the_file_metric_and_reason(tmp_path, text, reason):
    _write(tmp_path, text)
    with pytest.raises(CatalogError, match="ours.yaml") as raised:
        Catalog.load(tmp_path)
    assert reason in str(raised.value)


def test_a_filter_on_a_missing_column_fails_when_measured(story, tmp_path):
    _write(tmp_path, """
metrics:
  - id: odd
    label: {en: Odd, zh: 奇怪}
    description: {en: A filter on no column., zh: 无此列。}
    model: leads
    measure: {agg: count, filters: [{column: colour, op: eq, value: red}]}
""")
    with pytest.raises(CatalogError, match="unknown column 'colour'"):
        run_query(story.warehouse, MetricQuery(metrics=["odd"]), catalog=Catalog.load(tmp_path))
