"""The demo's platform exports (DIR/ad_exports, cut from the demo's ad_spend.csv) import
cleanly and reconcile with ad_spend.csv to the cent, campaign by campaign and day by day."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from revlens.demo import generate
from revlens.demo.ad_exports import EXPORT_MONTHS
from tests.connectors.ads.support import ads
from tests.ingest.support import load

PLATFORMS = {"baidu": "baidu", "tencent": "tencent", "oceanengine": "oceanengine",
             "google_ads": "google"}
KEY = ("date", "platform", "campaign_name", "ad_group", "keyword")
FACTS = ("impressions", "clicks", "cost", "platform_conversions", "currency")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate(folder, scale="tiny", seed=42)
    return folder


def _exports(demo: Path) -> list[tuple[str, Path]]:
    found = [(name, path) for name in PLATFORMS
             for path in sorted((demo / "ad_exports").glob(f"{name}_*"))]
    assert len(found) == len(PLATFORMS) * len(EXPORT_MONTHS)
    return found


def _rows(ws) -> dict[tuple, dict]:
    table = ws.warehouse.to_arrow(ws.warehouse.table("ad_spend"))
    return {tuple(r[k] for k in KEY): r for r in table.to_pylist()}


def _in_exports(row: dict) -> bool:
    return (row["platform"] in PLATFORMS.values()
            and row["date"].strftime("%Y-%m") in EXPORT_MONTHS)


def test_demo_exports_import_cleanly(workspace, demo):
    load(workspace, "campaigns", demo / "campaigns.csv")
    load(workspace, "fx_rates", demo / "fx_rates.csv")
    totals = Counter()
    for name, path in _exports(demo):
        done = ads(workspace, name, path)
        r = done.result
        assert (r.rejected, r.warnings, done.unmatched.rows) == (0, 0, 0), path.name
        assert r.inserted == r.rows_read > 0
        totals[name] += len(done.totals_rows)
    months = len(EXPORT_MONTHS)
    assert totals == Counter(baidu=months, oceanengine=months, google_ads=months, tencent=0)


def test_demo_exports_reconcile_with_ad_spend_csv(workspace, demo):
    for entity in ("campaigns", "fx_rates", "ad_spend"):
        load(workspace, entity, demo / f"{entity}.csv")
    before = _rows(workspace)
    ids = {(r["platform"], r["name"]): r["campaign_id"] for r in workspace.warehouse.to_arrow(
        workspace.warehouse.table("campaigns")).to_pylist()}
    exported = {k: r for k, r in before.items() if _in_exports(r)}
    named_only = sum(1 for r in exported.values() if r["campaign_id"] is None)
    assert named_only > 0  # the demo hides some campaign ids: they are matched by name

    cost = Counter()
    updated = read = 0
    for name, path in _exports(demo):
        done = ads(workspace, name, path)
        assert (done.result.inserted, done.result.rejected, done.unmatched.rows) == (0, 0, 0)
        updated += done.result.updated
        read += done.result.rows_read
        cost[PLATFORMS[name]] += done.cost

    assert read == len(exported)
    assert updated == named_only  # only the campaign ids found by name changed
    after = _rows(workspace)
    assert after.keys() == before.keys()
    for key, row in exported.items():
        assert {f: after[key][f] for f in FACTS} == {f: row[f] for f in FACTS}, key
        assert after[key]["campaign_id"] == ids[(row["platform"], row["campaign_name"])], key
    by_platform = Counter()
    for row in exported.values():
        by_platform[row["platform"]] += row["cost"]
    assert cost == by_platform
    assert all(isinstance(v, Decimal) and v > 0 for v in cost.values())
