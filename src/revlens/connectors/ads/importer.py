"""`revlens import-ads PLATFORM FILE`: one platform export into `ad_spend`, through the one
ingest path (`import_file` with an export `FileShape`): the same batch log, rejects with file
row numbers, single transaction and natural-key upsert as `revlens import`.

Invariants:
- rows_read == inserted + updated + unchanged + rejected, over the export's data rows; totals
  rows and blank rows are not data and are counted apart (`totals_rows`);
- `cost` is the sum of the accepted rows' cost in the workspace currency, and
  `unmatched.cost` the part of it whose campaign name matched no campaign; unmatched rows are
  stored (with an empty campaign_id), never dropped;
- importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from revlens.connectors.ads.base import HEAD_ROWS, AdPlatformAdapter, Prepared
from revlens.connectors.ads.matching import match_campaigns
from revlens.connectors.ads.registry import adapter
from revlens.contract.entities import Entity
from revlens.errors import ImportFileError
from revlens.ingest.headers import HeaderMap, load_mapping
from revlens.ingest.pipeline import ImportResult, Progress, import_file
from revlens.ingest.readers import RawTable, head_rows, read_file
from revlens.ingest.validate import Validated
from revlens.workspace import Workspace

ZERO = Decimal("0.00")


@dataclass
class UnmatchedSpend:
    """Accepted rows whose campaign name matched no campaign of the platform."""

    rows: int = 0
    cost: Decimal = ZERO
    campaigns: list[dict] = field(default_factory=list)  # name, rows, cost; most cost first
    ambiguous: list[str] = field(default_factory=list)   # names two campaigns share

    def summary(self) -> dict[str, object]:
        return {"rows": self.rows, "cost": float(self.cost),
                "campaigns": [{**c, "cost": float(c["cost"])} for c in self.campaigns],
                "ambiguous": self.ambiguous}


@dataclass
class AdImportResult:
    """What one ad export import did: the pipeline's counts plus the export's own facts."""

    result: ImportResult
    platform: str
    cost: Decimal
    currency: str
    totals_rows: list[int]
    derived_columns: list[str]
    unmatched: UnmatchedSpend

    def summary(self) -> dict[str, object]:
        """The `--format json` object: `revlens import`'s, plus the ad-specific part."""
        return {**self.result.summary(), "platform": self.platform, "cost": float(self.cost),
                "currency": self.currency, "totals_rows": len(self.totals_rows),
                "derived_columns": self.derived_columns, "unmatched": self.unmatched.summary()}


class ExportShape:
    """The `FileShape` of one platform's export, for one import (it keeps what it found)."""

    def __init__(self, ad: AdPlatformAdapter, mapping: dict[str, str]):
        self.adapter, self.mapping = ad, mapping
        self.name = f"ads:{ad.name}"
        self.prepared: Prepared | None = None
        self.file_headers: list[str] = []
        self.cost = ZERO
        self.unmatched = UnmatchedSpend()

    def read(self, path: Path, fmt: str | None) -> RawTable:
        skip = self.adapter.header_row(head_rows(path, fmt, HEAD_ROWS), self.mapping)
        raw = read_file(path, fmt, skip_rows=skip)
        self.file_headers = raw.table.column_names
        self.prepared = self.adapter.prepare(raw, self.mapping)
        return self.prepared.raw

    def match(self, raw: RawTable, ent: Entity, mapping: dict[str, str],
              source: Path) -> HeaderMap:
        columns = self.prepared.columns
        for column in mapping.values():
            if column not in ent.column_names:
                raise ImportFileError(source, f"the mapping names {column!r}, which is not a "
                                              f"column of {ent.name}; columns: "
                                              f"{', '.join(ent.column_names)}")
        missing = self.adapter.missing(columns)
        if missing:
            ad = self.adapter
            raise ImportFileError(
                source,
                f"not a {ad.label} report RevLens can read: it needs the column(s) "
                f"{'; '.join(ad.describe(m) for m in missing)}, but the file has: "
                f"{', '.join(self.file_headers) or 'no header'}. To get one, {ad.report}; or "
                f"give a mapping file with --mapping (lines like `your header: {missing[0]}`)")
        first: dict[str, str] = {}
        for header, column in columns.items():
            if first.setdefault(column, header) != header:
                raise ImportFileError(source, f"columns {first[column]!r} and {header!r} both "
                                              f"mean {column!r}; keep one, or map one elsewhere "
                                              "with --mapping")
        headers = raw.table.column_names
        return HeaderMap({h: columns[h] for h in headers if h in columns},
                         [h for h in headers if h not in columns])

    def refine(self, ws: Workspace, checked: Validated) -> Validated:
        """Link each row to its campaign by name within the platform; note what is unmatched."""
        rows = checked.rows
        names = rows["campaign_name"].combine_chunks()
        found = match_campaigns(ws.warehouse, self.adapter.platform, names)
        ids = found.campaign_id
        if "campaign_id" in rows.column_names:  # a mapped campaign id column wins
            ids = pc.coalesce(rows["campaign_id"].combine_chunks(), ids)
            rows = rows.set_column(rows.column_names.index("campaign_id"), "campaign_id", ids)
        else:
            rows = rows.append_column("campaign_id", ids)
        self.cost = _total(rows["cost"])
        self.unmatched = _unmatched(rows.filter(pc.is_null(ids)), found.ambiguous)
        return Validated(rows, checked.issues, checked.rows_read, checked.rejected,
                         [*checked.columns, "campaign_id"])


def _total(cost: pa.ChunkedArray) -> Decimal:
    total = pc.sum(cost).as_py()
    return ZERO if total is None else Decimal(total).quantize(ZERO)


def _unmatched(rows: pa.Table, ambiguous: list[str]) -> UnmatchedSpend:
    if rows.num_rows == 0:
        return UnmatchedSpend(ambiguous=ambiguous)
    grouped = rows.group_by("campaign_name").aggregate([("cost", "sum"), ("cost", "count")])
    grouped = grouped.sort_by([("cost_sum", "descending"), ("campaign_name", "ascending")])
    campaigns = [{"name": name, "rows": n, "cost": Decimal(cost).quantize(ZERO)}
                 for name, cost, n in zip(grouped["campaign_name"].to_pylist(),
                                          grouped["cost_sum"].to_pylist(),
                                          grouped["cost_count"].to_pylist(), strict=True)]
    return UnmatchedSpend(rows.num_rows, _total(rows["cost"]), campaigns, ambiguous)


def import_ads(ws: Workspace, platform: str, path: str | Path, *,
               mapping: str | Path | None = None, fmt: str | None = None, user: str = "cli",
               progress: Progress | None = None) -> AdImportResult:
    """Import one report export of `platform` (baidu, tencent, oceanengine, google_ads)."""
    ad = adapter(platform)
    shape = ExportShape(ad, load_mapping(Path(mapping) if mapping else None))
    result = import_file(ws, "ad_spend", path, mapping=mapping, fmt=fmt, user=user,
                         progress=progress, shape=shape)
    return AdImportResult(result, ad.name, shape.cost, ws.settings.currency,
                          shape.prepared.totals_rows, shape.prepared.derived, shape.unmatched)
