"""Column defaults (users.active) and currency codes (fx_rates, ad_spend.currency)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.ingest.support import counts, issues, load, stored, write


@pytest.fixture
def app_db_url():
    return None


def test_active_defaults_to_true_but_never_overrides_a_stored_value(workspace, tmp_path):
    load(workspace, "users", write(tmp_path / "u1.csv", "user_id,name,active\n"
                                                      "u1,张三,\nu2,李四,否\n"))
    assert stored(workspace, "users", "user_id", "active") == [
        {"user_id": "u1", "active": True}, {"user_id": "u2", "active": False}]
    # a file without the column: u2 stays inactive, the new u3 is active
    load(workspace, "users", write(tmp_path / "u2.csv", "user_id,name\nu2,李四\nu3,王五\n"))
    assert stored(workspace, "users", "user_id", "active") == [
        {"user_id": "u1", "active": True}, {"user_id": "u2", "active": False},
        {"user_id": "u3", "active": True}]


def test_currency_codes_are_upper_cased_so_rates_match(workspace, tmp_path):
    load(workspace, "fx_rates", write(tmp_path / "fx.csv",
                                      "date,currency,rate_to_workspace_currency\n"
                                      "2026-01-01,usd,7.0\n2026-01-01,dollar,7.0\n"))
    assert stored(workspace, "fx_rates", "currency") == [{"currency": "USD"}]
    spend = ("date,platform,campaign_name,cost,currency\n"
             "2026-01-05,google,Brand,100.00,usd\n"      # 700.00 CNY
             "2026-01-05,google,Generic,$10.00,USD\n"    # symbol and column agree: 70.00
             "2026-01-05,google,Rivals,$10.00,EUR\n")    # they disagree: rejected
    result = load(workspace, "ad_spend", write(tmp_path / "spend.csv", spend))
    assert counts(result)["rejected"] == 1
    assert stored(workspace, "ad_spend", "campaign_name", "cost", "currency") == [
        {"campaign_name": "Brand", "cost": Decimal("700.00"), "currency": "USD"},
        {"campaign_name": "Generic", "cost": Decimal("70.00"), "currency": "USD"}]
    ((row, column, value, reason, severity),) = issues(workspace, result.batch_id)
    assert (row, column, value, severity) == (4, "cost", "$10.00", "error")
    assert "written in USD but the currency column says EUR" in reason
