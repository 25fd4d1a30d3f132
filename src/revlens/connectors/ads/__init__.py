"""Ad-platform report exports -> the `ad_spend` entity. See README.md in this folder.

    with revlens.open("~/revlens-demo") as ws:
        result = import_ads(ws, "baidu", "baidu_2026-09.csv")
        result.summary()["unmatched"]
"""

from revlens.connectors.ads.base import AdPlatformAdapter
from revlens.connectors.ads.importer import AdImportResult, UnmatchedSpend, import_ads
from revlens.connectors.ads.registry import ADAPTERS, UnknownAdPlatform, adapter

__all__ = ["ADAPTERS", "AdImportResult", "AdPlatformAdapter", "UnknownAdPlatform",
           "UnmatchedSpend", "adapter", "import_ads"]
