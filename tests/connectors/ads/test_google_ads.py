"""A Google Ads keyword report: two title lines, thousands separators, a Currency code column,
fractional conversions, CTR and Avg. CPC, and one `Total: Account` row per currency.

In the workspace currency (CNY): 1,020.00 + 45.30 + 20.00 USD × 7.10 (fx_rates) = 142.00
+ 8.80 = 1,216.10. `search  -  brand` is the campaign `Search - Brand` (case and spaces);
`Display - Retargeting` is no campaign. 2.50 conversions round half up to 3. Google's own
`Campaign ID` is not a RevLens campaign id: it is kept in `extra`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.connectors.ads.support import ads, spend, with_campaigns
from tests.ingest.support import write

REPORT = """Keyword report
"September 1, 2026 - September 2, 2026"
Day,Campaign ID,Campaign,Ad group,Keyword,Currency code,Impr.,Clicks,Cost,Conversions,CTR,Avg. CPC
2026-09-01,18840001,Search - Brand,Brand,starchart crm,CNY,"1,500",60,"1,020.00",2.50,4.00%,17.00
2026-09-01,18840001,search  -  brand,Brand,starchart pricing,CNY,300,3,45.30,0.00,1.00%,15.10
2026-09-02,18840002,Search - Generic,Generic,b2b marketing,USD,800,10,20.00,1.00,1.25%,2.00
2026-09-02,18840003,Display - Retargeting,Retargeting,--,CNY,"2,000",4,8.80,0.00,0.20%,2.20
Total: Account,,,,,CNY,"3,800",67,"1,074.10",2.50,1.76%,16.03
Total: Account,,,,,USD,800,10,20.00,1.00,1.25%,2.00
"""


def test_google_report_converts_and_skips_the_totals(workspace, tmp_path):
    with_campaigns(workspace, tmp_path)
    done = ads(workspace, "google_ads", write(tmp_path / "google.csv", REPORT))

    r = done.result
    assert (r.rows_read, r.inserted, r.rejected, r.warnings) == (4, 4, 0, 0)
    assert done.cost == Decimal("1216.10")
    assert done.totals_rows == [8, 9]
    assert done.derived_columns == ["CTR", "Avg. CPC"]
    d1, d2 = date(2026, 9, 1), date(2026, 9, 2)
    assert spend(workspace) == [
        (d1, "Search - Brand", "Brand", "starchart crm", 1500, 60, Decimal("1020.00"), 3,
         "CNY", "C-G1"),
        (d1, "search  -  brand", "Brand", "starchart pricing", 300, 3, Decimal("45.30"), 0,
         "CNY", "C-G1"),
        (d2, "Display - Retargeting", "Retargeting", None, 2000, 4, Decimal("8.80"), 0, "CNY",
         None),
        (d2, "Search - Generic", "Generic", "b2b marketing", 800, 10, Decimal("142.00"), 1,
         "USD", "C-G2"),
    ]
    extras = spend(workspace, "keyword", "extra")
    assert extras[0] == (None, '{"Campaign ID":"18840003"}')
    assert done.summary()["unmatched"] == {
        "rows": 1, "cost": 8.8, "campaigns": [
            {"name": "Display - Retargeting", "rows": 1, "cost": 8.8}], "ambiguous": []}


def test_usd_spend_without_a_rate_is_rejected_not_guessed(workspace, tmp_path):
    """No fx_rates imported: the USD row is rejected with the rate to import; the rest load."""
    done = ads(workspace, "google_ads", write(tmp_path / "google.csv", REPORT))
    assert (done.result.inserted, done.result.rejected) == (3, 1)
    assert done.cost == Decimal("1074.10")
