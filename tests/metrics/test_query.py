"""Metrics of the hand-made story (tests/metrics/story.py), each worked out in the test."""

from __future__ import annotations

from datetime import date

import pytest

from revlens.metrics import Filter, MetricQuery, run_query
from revlens.metrics.exceptions import DimensionNotAvailable, UnknownMetric

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
APRIL = {"date_from": date(2026, 4, 1), "date_to": date(2026, 4, 30)}


def one(story, *metrics, **query):
    rows = run_query(story.warehouse, MetricQuery(metrics=list(metrics), **query)).rows
    assert len(rows) == 1, rows
    return rows[0]


def by(story, dim, *metrics, **query):
    rows = run_query(story.warehouse, MetricQuery(metrics=list(metrics), dimensions=[dim],
                                                  **query)).rows
    return {r[dim]: r for r in rows}


def test_the_lead_funnel_of_march(story):
    got = one(story, "leads", "mqls", "sqls", "lead_to_mql_rate", "mql_to_sql_rate",
              "sql_to_opportunity_rate", "opportunity_to_won_rate", **MARCH)
    # L1-L4 created in March; L1, L2, L3 became MQL in March, L1 and L3 SQL; both converted
    # (O1, O2), O1 was won
    assert (got["leads"], got["mqls"], got["sqls"]) == (4, 3, 2)
    assert got["lead_to_mql_rate"] == pytest.approx(3 / 4)
    assert got["mql_to_sql_rate"] == pytest.approx(2 / 3)
    assert got["sql_to_opportunity_rate"] == pytest.approx(1.0)
    assert got["opportunity_to_won_rate"] == pytest.approx(1 / 2)


def test_speed_to_lead_and_follow_ups(story):
    got = one(story, "speed_to_lead_minutes", "follow_ups_per_lead", "followed_up_leads",
              "follow_ups", **MARCH)
    # first follow-ups after 30 (L1), 120 (L2) and 60 (L3) minutes; L4 none yet
    assert got["speed_to_lead_minutes"] == pytest.approx(60.0)
    assert got["follow_ups_per_lead"] == pytest.approx((2 + 1 + 1 + 0) / 4)
    assert got["followed_up_leads"] == 3 and got["follow_ups"] == 4


def test_pipeline_win_rate_deal_size_cycle(story):
    got = one(story, "opportunities_created", "new_pipeline", "won_deals", "closed_deals",
              "win_rate", "average_deal_size", "sales_cycle_days", "pipeline_velocity",
              date_from=date(2026, 3, 1), date_to=date(2026, 4, 30))
    assert got["opportunities_created"] == 4 and got["new_pipeline"] == 270_000
    # O1 and O4 won, O2 lost: 2 of 3; deals of 100,000 and 40,000 after 30 and 10 days
    assert got["win_rate"] == pytest.approx(2 / 3)
    assert got["average_deal_size"] == pytest.approx(70_000)
    assert got["sales_cycle_days"] == pytest.approx(20.0)
    assert got["pipeline_velocity"] == pytest.approx(4 * (2 / 3) * 70_000 / 20)


def test_open_pipeline_is_measured_at_the_end_of_the_period(story):
    # on 31 March O1 (closed 5 April) and O3 are open, O2 closed on 29 March
    assert one(story, "open_pipeline", **MARCH)["open_pipeline"] == 180_000
    assert one(story, "open_pipeline", **APRIL)["open_pipeline"] == 80_000


def test_bookings_collections_receivables_margin(story):
    got = one(story, "bookings", "collections", "receivables", "gross_margin",
              "gross_margin_rate", "new_revenue", "returning_revenue", **APRIL)
    assert got["bookings"] == 160_000
    assert got["collections"] == 60_000 + 40_000 + 5_000      # P2 is paid in May
    assert got["receivables"] == 15_000                       # SO3: 20,000 - 5,000
    assert got["gross_margin"] == 70_000 + 30_000             # SO3 gives no cost
    assert got["gross_margin_rate"] == pytest.approx(100_000 / 140_000)
    assert (got["new_revenue"], got["returning_revenue"]) == (120_000, 40_000)


def test_target_attainment_uses_individual_targets_spread_over_months(story):
    rows = by(story, "owner", "bookings", "bookings_target", "target_attainment", **APRIL)
    # U2's quarterly 90,000 is 30,000 a month; the team total of 华东销售 is not added again
    assert rows["U1"]["bookings_target"] == 120_000
    assert rows["U2"]["bookings_target"] == pytest.approx(30_000)
    assert rows["U1"]["target_attainment"] == pytest.approx(140_000 / 120_000)
    assert rows["U3"]["target_attainment"] == pytest.approx(20_000 / 40_000)
    total = one(story, "target_attainment", **APRIL)["target_attainment"]
    assert total == pytest.approx(160_000 / 190_000)


def test_ads_website_events_by_channel(story):
    rows = by(story, "channel", "ad_impressions", "ctr", "cpc", "spend", "cpl",
              "website_sessions", "form_conversion_rate", "checkin_rate", **MARCH)
    paid, event = rows["paid_search"], rows["event"]
    assert paid["ad_impressions"] == 4_000 and paid["ctr"] == pytest.approx(200 / 4_000)
    assert paid["cpc"] == pytest.approx(2_000 / 200)
    assert paid["cpl"] == pytest.approx(2_000 / 2) and event["cpl"] == pytest.approx(3_000 / 2)
    # a1 on 1 March (two views), a1 on 2 March: two sessions; one form on them
    assert paid["website_sessions"] == 2 and paid["form_conversion_rate"] == pytest.approx(0.5)
    assert event["checkin_rate"] == pytest.approx(1 / 2)
    assert one(story, "cpl", **MARCH)["cpl"] == pytest.approx(5_000 / 4)


def test_customers_nps_csat(story):
    got = one(story, "new_customers", "repurchase_rate", "upsell_rate", "customer_ltv",
              "nps", "csat", "tickets", **APRIL)
    assert got["new_customers"] == 2                          # A1, A2
    assert got["repurchase_rate"] == pytest.approx(1 / 2)     # A1 signed twice
    assert got["upsell_rate"] == pytest.approx(1 / 2)
    assert got["customer_ltv"] == pytest.approx((140_000 + 20_000) / 2)
    assert got["nps"] == pytest.approx((2 - 1) / 4 * 100)     # 10, 9 | 7 | 5
    assert got["csat"] == pytest.approx(4.0) and got["tickets"] == 3


def test_influence_counts_each_opportunity_once_per_channel(story):
    rows = by(story, "channel", "influenced_pipeline", "opportunities_created")
    # paid search touched L1 (O1) and, through account A1, O4; the event touched L3 (O2)
    assert rows["paid_search"]["influenced_pipeline"] == 100_000 + 40_000
    assert rows["event"]["influenced_pipeline"] == 50_000


def test_a_month_of_a_date_model_and_of_a_timestamp_model_is_one_row(story):
    # targets are dated by month (a date), bookings by the signing instant: April once
    result = run_query(story.warehouse, MetricQuery(
        metrics=["bookings", "bookings_target"], dimensions=["month"], **APRIL))
    assert [row["month"] for row in result.rows] == ["2026-04"]
    (row,) = result.rows
    assert row["bookings"] == 160_000 and row["bookings_target"] == pytest.approx(190_000)


def test_months_with_compare_to_previous_period(story):
    result = run_query(story.warehouse, MetricQuery(
        metrics=["leads"], grain="month", compare="previous_period", **MARCH))
    assert (result.previous_from, result.previous_to) == (date(2026, 2, 1), date(2026, 2, 28))
    (row,) = result.rows
    assert row == {"month": "2026-03", "leads": 4, "leads_previous": 1, "leads_change": 3.0}


def test_compare_to_the_same_period_last_year(story):
    result = run_query(story.warehouse, MetricQuery(metrics=["bookings"],
                                                    compare="previous_year", **APRIL))
    assert result.previous_from == date(2025, 4, 1)
    assert result.rows == [{"bookings": 160_000, "bookings_previous": 0.0,
                            "bookings_change": None}]


def test_filters_keep_or_exclude_values_and_missing_ones(story):
    kept = one(story, "leads", filters=[Filter(dimension="channel", values=("event",))], **MARCH)
    assert kept["leads"] == 2
    dropped = one(story, "opportunities_created",
                  filters=[Filter(dimension="channel", op="not_in", values=(None,))])
    assert dropped["opportunities_created"] == 2              # O3 and O4 have no lead


def test_the_same_number_whatever_shares_the_query(story):
    alone = one(story, "win_rate", **APRIL)["win_rate"]
    crowded = one(story, "win_rate", "leads", "bookings", "nps", **APRIL)["win_rate"]
    assert alone == crowded == 1.0


def test_a_metric_cannot_be_grouped_by_what_its_records_lack(story):
    with pytest.raises(DimensionNotAvailable, match="stage"):
        run_query(story.warehouse, MetricQuery(metrics=["leads"], dimensions=["stage"]))
    with pytest.raises(UnknownMetric, match="revlens metrics list"):
        run_query(story.warehouse, MetricQuery(metrics=["bookingz"]))
