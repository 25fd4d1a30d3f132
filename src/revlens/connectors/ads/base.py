"""The base class of the ad-platform adapters: one small declarative subclass per platform.

An adapter says what its platform's report export looks like: which headers mean which
`ad_spend` column, which columns are derived (CTR, CPC, ...: recomputed from impressions,
clicks and cost by the metric layer, so never imported), the account currency when the file
names none, and which report to download. The shared, `@final` methods turn such an export
into the text table the ingest pipeline validates:

- the header is the row, among the first :data:`HEAD_ROWS`, that names the most known
  columns (title and date-range lines above it are skipped);
- derived columns, and columns whose every value is a percentage, are dropped;
- totals rows (合计, 总计, 小计, ``Total: ...``) and blank rows are dropped and counted;
- ``--`` (and ``-``, ``—``) is empty; an empty metric (impressions, clicks, cost,
  conversions) is 0;
- the platform (and the currency, when the file has no currency column) is added.

Every step works on whole columns (pyarrow.compute); Python loops run over headers only.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, final

import pyarrow as pa
import pyarrow.compute as pc

from revlens.contract.entities import entity, header_aliases
from revlens.contract.values import clean_text
from revlens.ingest.headers import normalise_header
from revlens.ingest.readers import RawTable
from revlens.ingest.validate import TOTALS_ROW

HEAD_ROWS = 30
REQUIRED = ("date", "campaign_name", "cost")
METRICS = ("impressions", "clicks", "cost", "platform_conversions")
ADDED = ("platform", "currency")  # columns the adapter adds; a file's own "platform" is extra
EMPTY_MARKS = ("--", "-", "—", "－", "/")
# Derived figures every platform may export; each adapter adds its own names.
COMMON_DERIVED = (
    "CTR", "点击率", "CPC", "平均点击价格", "平均点击单价", "点击均价", "CPM", "千次展现消费",
    "千次展现成本", "千次曝光成本", "平均千次展现费用", "转化率", "转化成本", "平均转化成本",
    "CPA", "ROI",
)  # fmt: skip
_UNIT = re.compile(r"[(\[](元|人民币|rmb|cny|usd|¥|\$|次|个)[)\]]$")


def header_key(header: str) -> str:
    """How headers are compared: normalise_header (case, width, spaces, _ and -), and a unit
    suffix such as (元) dropped: '消耗（元）' and '消耗' are the same header."""
    return _UNIT.sub("", normalise_header(unicodedata.normalize("NFKC", str(header))))


@dataclass
class Prepared:
    """An export made ready for the pipeline: its rows, and what was left out of them."""

    raw: RawTable
    columns: dict[str, str]                  # file header (or added column) -> ad_spend column
    derived: list[str] = field(default_factory=list)   # headers dropped as derived figures
    totals_rows: list[int] = field(default_factory=list)  # file row numbers of totals rows
    blank_rows: int = 0


class AdPlatformAdapter(ABC):
    """One ad platform's report export -> the `ad_spend` entity.

    Subclasses declare the class variables below and may override :meth:`adjust` for a quirk
    of their platform; everything else is shared and final.
    """

    name: ClassVar[str]                       # the CLI's name: baidu, tencent, ...
    platform: ClassVar[str]                   # the contract's platform value
    label: ClassVar[str]                      # the platform's own name
    headers: ClassVar[Mapping[str, tuple[str, ...]]]  # ad_spend column -> export headers
    derived: ClassVar[tuple[str, ...]] = ()   # derived figures besides COMMON_DERIVED
    currency: ClassVar[str | None] = None     # account currency when no currency column
    report: ClassVar[str] = ""                # which report to download, for error messages

    def adjust(self, columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
        """A platform's own fix-ups of the cleaned text columns (by ad_spend column name)."""
        return columns

    @final
    def lookup(self, mapping: Mapping[str, str] | None = None) -> dict[str, str]:
        """Header key -> ad_spend column: the contract's aliases, then this platform's headers
        (which win: 巨量引擎's 广告组 is a campaign), then the user's mapping (which wins).
        A platform's own `Campaign ID` is not RevLens's campaign_id: only a mapping sets it."""
        table: dict[str, str] = {}
        for column, aliases in header_aliases(entity("ad_spend")).items():
            if column == "campaign_id":
                continue
            for alias in (column, *aliases):
                table[header_key(alias)] = column
        for column, names in self.headers.items():
            for name in names:
                table[header_key(name)] = column
        for header, column in (mapping or {}).items():
            table[header_key(header)] = column
        return table

    @final
    def derived_keys(self, mapping: Mapping[str, str] | None = None) -> set[str]:
        mapped = {header_key(h) for h in (mapping or {})}
        return {header_key(h) for h in (*COMMON_DERIVED, *self.derived)} - mapped

    @final
    def header_row(self, rows: list[list[str]], mapping: Mapping[str, str] | None = None) -> int:
        """Index of the header among the first rows: the row naming the most known columns
        (at least two; the first such row on a tie); else the first of the widest rows (title
        lines have one cell), so that an unknown layout fails naming its real headers."""
        known = set(self.lookup(mapping)) | self.derived_keys(mapping)
        scores = [len({header_key(c) for c in row if c} & known) for row in rows]
        if max(scores, default=0) >= 2:
            return scores.index(max(scores))
        widths = [sum(1 for c in row if c) for row in rows]
        return widths.index(max(widths)) if widths else 0

    @final
    def map_headers(self, headers: list[str],
                    mapping: Mapping[str, str] | None = None) -> dict[str, str]:
        """File header -> ad_spend column, for the headers this adapter recognises."""
        table = self.lookup(mapping)
        found = {h: table[header_key(h)] for h in headers if header_key(h) in table}
        return {h: c for h, c in found.items() if c not in ADDED or c == "currency"}

    @final
    def missing(self, columns: Mapping[str, str]) -> list[str]:
        return [c for c in REQUIRED if c not in columns.values()]

    @final
    def describe(self, column: str) -> str:
        """'cost (消费, 花费)': a column with the headers this platform uses for it."""
        names = self.headers.get(column, ())
        return f"{column} ({', '.join(names)})" if names else column

    @final
    def prepare(self, raw: RawTable, mapping: Mapping[str, str] | None = None) -> Prepared:
        """The export's data rows as the pipeline's text table (see the module docstring)."""
        headers = raw.table.column_names
        columns = self.map_headers(headers, mapping)
        derived_keys = self.derived_keys(mapping)
        text = {h: _blank_marks(clean_text(raw.table[h])) for h in headers}
        derived = [h for h in headers if h not in columns
                   and (header_key(h) in derived_keys or _all_percentages(text[h]))]
        totals = _totals_mask(text, [*headers[:2], *[h for h, c in columns.items()
                                                     if c in ("date", "campaign_name")]])
        blank = _blank_mask(text, [h for h in headers if h not in derived])
        keep = pc.invert(pc.or_(totals, blank))
        by_column = {c: text[h] for h, c in columns.items()}
        for column in METRICS:
            if column in by_column:
                by_column[column] = pc.fill_null(by_column[column], "0")
        by_column = self.adjust(by_column)
        kept = {h: by_column[columns[h]] if h in columns else text[h]
                for h in headers if h not in derived}
        n = raw.table.num_rows
        kept["platform"] = pa.repeat(pa.scalar(self.platform), n)
        columns = {**columns, "platform": "platform"}
        if self.currency and "currency" not in columns.values():
            kept["currency"] = pa.repeat(pa.scalar(self.currency), n)
            columns["currency"] = "currency"
        table = pa.table(kept).filter(keep)
        rows = raw.row_numbers.filter(keep)
        prepared = RawTable(table, rows, raw.source_format, raw.encoding, raw.malformed)
        return Prepared(prepared, columns, derived,
                        raw.row_numbers.filter(totals).to_pylist(),
                        int(pc.sum(pc.cast(blank, pa.int64())).as_py() or 0))


def _blank_marks(values: pa.Array) -> pa.Array:
    """`--` and its kin, which exports write for zero or not applicable, as empty."""
    marked = pc.is_in(values, value_set=pa.array(EMPTY_MARKS, pa.string()))
    return pc.if_else(pc.fill_null(marked, False), pa.scalar(None, pa.string()), values)


def _all_percentages(values: pa.Array) -> bool:
    """True when the column has values and every one is a percentage such as 4.00%."""
    if values.null_count == len(values):
        return False
    return bool(pc.all(pc.match_substring_regex(values, r"^-?[\d,]*\.?\d+\s*%$")).as_py())


def _totals_mask(text: dict[str, pa.Array], headers: list[str]) -> pa.Array:
    mask = pa.repeat(pa.scalar(False), len(next(iter(text.values()))))
    for header in dict.fromkeys(headers):
        hit = pc.match_substring_regex(text[header], TOTALS_ROW, ignore_case=True)
        mask = pc.or_(mask, pc.fill_null(hit, False))
    return mask


def _blank_mask(text: dict[str, pa.Array], headers: list[str]) -> pa.Array:
    mask = pa.repeat(pa.scalar(True), len(next(iter(text.values()))))
    for header in headers:
        mask = pc.and_(mask, pc.is_null(text[header]))
    return mask
