"""What the ad-export stories share: the campaigns they match against, and helpers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from revlens.connectors.ads import AdImportResult, import_ads
from revlens.workspace import Workspace
from tests.ingest.support import load, write

# Two campaigns share the name 百度搜索-产品词 on different platforms: a Baidu row must link to
# the Baidu one. `Toutiao Feed` is written in full-width letters by one export.
CAMPAIGNS = """campaign_id,name,channel,platform
C-BD1,百度搜索-品牌词,paid_search,baidu
C-BD2,百度搜索-产品词,paid_search,baidu
C-TX9,百度搜索-产品词,paid_social,tencent
C-TX1,腾讯广告-朋友圈,paid_social,tencent
C-OE1,巨量引擎-头条信息流,paid_social,oceanengine
C-OE2,Toutiao Feed,paid_social,oceanengine
C-G1,Search - Brand,paid_search,google
C-G2,Search - Generic,paid_search,google
"""
FX_RATES = "date,currency,rate_to_workspace_currency\n2026-09-01,USD,7.10\n"
SPEND_COLUMNS = ("date", "campaign_name", "ad_group", "keyword", "impressions", "clicks",
                 "cost", "platform_conversions", "currency", "campaign_id")


def with_campaigns(ws: Workspace, tmp_path: Path) -> None:
    load(ws, "campaigns", write(tmp_path / "campaigns.csv", CAMPAIGNS))
    load(ws, "fx_rates", write(tmp_path / "fx_rates.csv", FX_RATES))


def ads(ws: Workspace, platform: str, path: Path, **options) -> AdImportResult:
    """Import an export and check the invariants every ad import keeps."""
    done = import_ads(ws, platform, path, **options)
    r = done.result
    assert r.entity == "ad_spend"
    assert r.rows_read == r.inserted + r.updated + r.unchanged + r.rejected, r
    assert done.unmatched.cost <= done.cost
    assert sum((c["cost"] for c in done.unmatched.campaigns), Decimal("0")) == done.unmatched.cost
    return done


def spend(ws: Workspace, *columns: str) -> list[tuple]:
    """Stored ad_spend rows as tuples of `columns` (SPEND_COLUMNS by default), sorted."""
    table = ws.warehouse.to_arrow(ws.warehouse.table("ad_spend"))
    names = list(columns or SPEND_COLUMNS)
    rows = [tuple(r[c] for c in names) for r in table.select(names).to_pylist()]
    return sorted(rows, key=lambda row: [(v is not None, str(v)) for v in row])
