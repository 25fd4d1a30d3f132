"""Grouped reports on `account_story`: credited amounts, sourced vs influenced, spend and
ROAS/ROI — every number below is worked out by hand from conftest.py.

Linear on `won`: O1 (120,000, 6 touches) gives CMP_S 2/6 (TA1, TA6) = 40,000, CMP_W 1/6 =
20,000 and touches without a campaign 3/6 = 60,000; O3 (30,000) has no touch and is credited
to its lead source CMP_E. CMP_S spent 3,000 + 2,000 on Baidu, CMP_W cost 8,000.
"""

from __future__ import annotations

import pytest

from revlens.attribution.exceptions import UnknownCustomModel, UnknownModel
from revlens.attribution.report import AttributionRequest, attribution_report


def report(ws, **fields) -> dict:
    result = attribution_report(ws.warehouse, AttributionRequest(**fields))
    return {row.key: row for row in result.rows}


def test_linear_revenue_spend_roas_roi_and_cac_by_campaign(account_story):
    rows = report(account_story, model="linear", conversion="won", by="campaign")
    search, webinar, summit = rows["CMP_S"], rows["CMP_W"], rows["CMP_E"]
    assert (search.conversions, search.amount) == pytest.approx((1 / 3, 40_000))
    assert (search.spend, search.roas, search.roi) == pytest.approx((5_000, 8.0, 7.0))
    assert search.cost_per_conversion == pytest.approx(15_000)
    assert search.cac == pytest.approx(15_000)              # O1 is new business
    assert (webinar.amount, webinar.spend) == pytest.approx((20_000, 8_000))
    assert (webinar.roas, webinar.roi) == pytest.approx((2.5, 1.5))
    assert (summit.conversions, summit.amount, summit.spend) == (1.0, 30_000, None)
    assert rows[None].amount == pytest.approx(60_000)
    assert sum(r.conversions for r in rows.values()) == pytest.approx(2.0)


def test_sourced_goes_to_the_first_touch_or_lead_source_influenced_is_in_full(account_story):
    won = report(account_story, model="linear", conversion="won", by="campaign")
    assert won["CMP_S"].sourced_amount == 120_000           # TA1 is O1's first touch
    assert won["CMP_E"].sourced_amount == 30_000            # O3: no touch, lead source
    assert won["CMP_W"].sourced_amount == 0
    assert won["CMP_S"].influenced_amount == won["CMP_W"].influenced_amount == 120_000
    assert won["CMP_E"].influenced_amount == 0
    pipeline = report(account_story, model="first_touch", conversion="opportunity_created",
                      by="campaign")
    # CMP_W touched O1 (TA2) and O2 (TB2) before they were created: both in full
    assert pipeline["CMP_W"].influenced_amount == 150_000
    assert pipeline["CMP_W"].influenced_conversions == 2
    assert pipeline["CMP_W"].amount == 0                    # never a first touch
    assert pipeline["CMP_S"].amount == pipeline["CMP_S"].sourced_amount == 100_000


def test_keyword_matches_utm_term_to_ad_spend(account_story):
    rows = report(account_story, model="linear", conversion="won", by="keyword")
    assert rows["crm系统"].amount == pytest.approx(20_000)   # TA6, 1/6 of O1
    assert rows["crm系统"].spend == 3_000
    assert rows["crm系统"].roas == pytest.approx(20_000 / 3_000)
    assert rows["营销自动化"].conversions == 0 and rows["营销自动化"].roi == -1.0


def test_channel_platform_team_and_period(account_story):
    channel = report(account_story, model="last_touch", conversion="won", by="channel")
    assert channel["paid_search"].amount == 120_000 and channel["event"].amount == 30_000
    assert channel["paid_search"].spend == 5_000 and channel["webinar"].spend == 8_000
    team = report(account_story, model="linear", conversion="won", by="team")
    assert team["增长市场部"].amount == pytest.approx(40_000)    # CMP_S's owner
    assert team["品牌市场部"].amount == pytest.approx(20_000 + 30_000)
    assert team["品牌市场部"].spend == 8_000
    platform = report(account_story, model="linear", conversion="won", by="platform")
    assert platform["baidu"].roas == pytest.approx(8.0)
    period = report(account_story, model="linear", conversion="won", by="period")
    assert period["2026-04"].amount == pytest.approx(120_000)
    assert period["2026-03"].amount == pytest.approx(30_000)
    assert period["2026-03"].spend == 2_000 and period["2026-02"].spend == 8_000


def test_a_period_limits_conversions_and_spend(account_story):
    april = report(account_story, model="linear", conversion="won", by="campaign",
                   date_from="2026-04-01", date_to="2026-04-30")
    assert "CMP_E" not in april                             # O3 was won in March
    assert april["CMP_S"].amount == pytest.approx(40_000)
    assert april["CMP_S"].spend is None                     # no spend dated in April
    march = report(account_story, model="linear", conversion="won", by="campaign",
                   date_from="2026-03-01", date_to="2026-03-31")
    assert march["CMP_S"].spend == 2_000 and march["CMP_S"].amount == 0


def test_lead_conversions_count_leads_and_cost_per_lead(account_story):
    rows = report(account_story, model="last_touch", conversion="lead_created", by="campaign")
    # LA: TA1 (contact e-mail) is not LA's own touch; LA's person has TA2 before 10:00
    assert rows["CMP_W"].conversions == 1.0 and rows["CMP_W"].amount == 0
    assert rows["CMP_W"].cost_per_conversion == 8_000


def test_unknown_models_name_the_valid_ones(account_story):
    with pytest.raises(UnknownModel, match="w_shaped"):
        report(account_story, model="v_shaped")
    with pytest.raises(UnknownCustomModel, match="save-model"):
        report(account_story, model="custom:mine")
