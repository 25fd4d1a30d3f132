"""Matching an export's campaign names to the workspace's campaigns.

A name matches a campaign of the same platform whose name is equal after normalising: NFKC
(full-width letters, digits, punctuation and spaces folded to half-width), lower case, and
whitespace removed — `百度搜索 - 品牌词` and `百度搜索－品牌词`, `Brand Search` and `brand  search`
are one name. A name no campaign of the platform has is looked up among the campaigns with
no platform set. A name two campaigns share (at the same level) is ambiguous and is not
matched. Unmatched rows keep an empty campaign_id; nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revlens.warehouse import Warehouse


def name_key(names: pa.Array) -> pa.Array:
    """The normalised form names are compared in."""
    folded = pc.utf8_lower(pc.utf8_normalize(names, "NFKC"))
    return pc.replace_substring_regex(folded, r"\s+", "")


@dataclass
class CampaignMatch:
    campaign_id: pa.Array      # one per name; null where none matched
    ambiguous: list[str]       # names (as written) that two campaigns share


def match_campaigns(wh: Warehouse, platform: str, names: pa.Array) -> CampaignMatch:
    campaigns = wh.table("campaigns")
    candidates = campaigns.filter((campaigns.platform == platform) | campaigns.platform.isnull())
    found = wh.to_arrow(candidates.select("campaign_id", "name", "platform"))
    frame = pd.DataFrame({
        "key": name_key(found["name"]).to_pandas(),
        "campaign_id": found["campaign_id"].to_pandas(),
        "level": found["platform"].is_null().to_pandas().astype(int),  # 0: this platform
    }).dropna(subset=["key"])
    frame = frame[frame["level"] == frame.groupby("key")["level"].transform("min")]
    ids_per_key = frame.groupby("key")["campaign_id"].nunique()
    unique = frame.drop_duplicates("key").set_index("key").loc[ids_per_key[ids_per_key == 1].index]
    keys = name_key(names)
    index = pc.index_in(keys, value_set=pa.array(unique.index.to_numpy(dtype=object), pa.string()))
    ids = pc.take(pa.array(unique["campaign_id"].to_numpy(dtype=object), pa.string()), index)
    shared = pa.array(ids_per_key[ids_per_key > 1].index.to_numpy(dtype=object), pa.string())
    ambiguous = pc.unique(pc.filter(names, pc.is_in(keys, value_set=shared))).to_pylist()
    return CampaignMatch(ids, sorted(ambiguous))
