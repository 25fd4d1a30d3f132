"""Turn a file's text columns into typed contract columns, collecting every problem.

Invariants:
- every row read is either accepted or rejected (rows_read == accepted + rejected);
- a rejected row has at least one issue of severity `error` naming its row, column and reason;
- a warning (a phone that cannot be normalised, for instance) empties that value only; the row
  is accepted.
All work is columnar (pyarrow.compute); Python loops run over columns, or over issues only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revlens.config import Settings
from revlens.contract.channels import derive_channel
from revlens.contract.entities import Column, Entity
from revlens.contract.values import Parsed, ValueContext, ValueKind, clean_text, kind
from revlens.ingest.currency import convert_money
from revlens.ingest.headers import HeaderMap
from revlens.ingest.readers import RawTable

# A label alone, or followed by a colon or bracket ("合计", "总计：", "Total: Account");
# "Total Energies" is a name, not a totals row.
TOTALS_ROW = r"^(合计|总计|小计|汇总|total|totals|grand total|sum)(\s*[:：(（].*)?$"
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"
ISSUE_SCHEMA = pa.schema({"row_number": pa.int64(), "column": pa.string(),
                          "value": pa.string(), "reason": pa.string(), "severity": pa.string()})


@dataclass
class Validated:
    rows: pa.Table                  # accepted rows: contract columns present, extra, _row
    issues: pa.Table                # ISSUE_SCHEMA, sorted by row then column
    rows_read: int
    rejected: int
    columns: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return int(pc.sum(pc.equal(self.issues["severity"], "warning")).as_py() or 0)


class _Issues:
    """Issues collected column by column, as Arrow chunks."""

    def __init__(self, row_numbers: pa.Array):
        self.row_numbers = row_numbers
        self.chunks: list[pa.Table] = []
        self.error_mask = pa.repeat(pa.scalar(False), len(row_numbers))

    def add(self, mask: pa.Array, column: str, values: pa.Array | None,
            reason: str | pa.Array, severity: str = "error") -> None:
        """Record `reason` (a template with {value}, or one finished reason per row) for the
        rows where `mask` is true."""
        mask = pc.fill_null(mask, False)
        index = pc.indices_nonzero(mask)
        if len(index) == 0:
            return
        shown = (values.take(index).to_pylist() if values is not None else [None] * len(index))
        if isinstance(reason, str):
            reasons = [reason.format(value=_short(v)) for v in shown]
        else:
            reasons = reason.take(index).to_pylist()
        self.chunks.append(pa.table({
            "row_number": self.row_numbers.take(index), "column": pa.repeat(column, len(index)),
            "value": pa.array([None if v is None else _short(v) for v in shown], pa.string()),
            "reason": pa.array(reasons, pa.string()),
            "severity": pa.repeat(severity, len(index)),
        }, schema=ISSUE_SCHEMA))
        if severity == "error":
            self.error_mask = pc.or_(self.error_mask, mask)

    def table(self) -> pa.Table:
        if not self.chunks:
            return ISSUE_SCHEMA.empty_table()
        return pa.concat_tables(self.chunks).sort_by([("row_number", "ascending")])


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PeriodKind(ValueKind):
    """A target period: `2026-11`, `2026-Q4` or `2026`."""

    name = "period"
    arrow_type = pa.string()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        upper = pc.utf8_upper(arr)
        ok = pc.match_substring_regex(upper, PERIOD)
        invalid = pc.fill_null(pc.invert(ok), False)
        return Parsed(pc.if_else(invalid, pa.scalar(None, pa.string()), upper), invalid,
                      "'{value}' is not a period (expected 2026-11, 2026-Q4 or 2026)")


class CurrencyKind(ValueKind):
    """An ISO 4217 currency code, stored upper-case: `usd` -> `USD`."""

    name = "currency"
    arrow_type = pa.string()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        upper = pc.utf8_upper(arr)
        invalid = pc.fill_null(pc.invert(pc.match_substring_regex(upper, r"^[A-Z]{3}$")), False)
        return Parsed(pc.if_else(invalid, pa.scalar(None, pa.string()), upper), invalid,
                      "'{value}' is not a currency code (expected 3 letters such as USD or CNY)")


def parser_for(column: Column, settings: Settings) -> ValueKind:
    if column.kind == "stage":
        return kind("enum", values={s.name: [s.label_zh] if s.label_zh else []
                                    for s in settings.stages})
    if column.kind == "period":
        return PeriodKind()
    if column.kind == "currency":
        return CurrencyKind()
    return kind(column.kind, **column.parser_options())


@dataclass
class _Context:
    ent: Entity
    settings: Settings
    raw: RawTable
    headers: HeaderMap
    issues: _Issues
    typed: dict[str, pa.Array] = field(default_factory=dict)
    currencies: dict[str, pa.Array] = field(default_factory=dict)


def validate(raw: RawTable, headers: HeaderMap, ent: Entity, settings: Settings,
             fx_rates: Callable[[], pa.Table] | None = None) -> Validated:
    """Parse, check and derive every column of `raw` as entity `ent`."""
    ctx = _Context(ent, settings, raw, headers, _Issues(raw.row_numbers))
    values_ctx = ValueContext(settings.timezone, settings.currency,
                              excel_serials=raw.source_format == "xlsx")
    _flag_malformed_rows(ctx)
    _flag_totals_rows(ctx)
    for header, name in headers.columns.items():
        _parse_column(ctx, header, ent.column(name), values_ctx)
    _check_one_of(ctx)
    _convert_currencies(ctx, fx_rates)
    _derive(ctx)
    rows = _accepted_table(ctx)
    if pc.any(ctx.issues.error_mask).as_py():  # a filter copies every column: only when needed
        rows = rows.filter(pc.invert(ctx.issues.error_mask))
    rejected = len(raw.row_numbers) - rows.num_rows
    return Validated(rows, ctx.issues.table(), len(raw.row_numbers), rejected,
                     list(ctx.typed))


def _flag_malformed_rows(ctx: _Context) -> None:
    if not ctx.raw.malformed:
        return
    numbers = pa.array(list(ctx.raw.malformed), pa.int64())
    hit = pc.is_in(ctx.raw.row_numbers, value_set=numbers)
    position = pc.index_in(ctx.raw.row_numbers, value_set=numbers)
    reasons = pc.take(pa.array(list(ctx.raw.malformed.values()), pa.string()), position)
    ctx.issues.add(hit, "", None, reasons)


def _flag_totals_rows(ctx: _Context) -> None:
    for header in ctx.raw.table.column_names[:2]:
        text = clean_text(ctx.raw.table[header])
        hit = pc.match_substring_regex(text, TOTALS_ROW, ignore_case=True)
        ctx.issues.add(hit, header, text, "'{value}': a totals row, not data; it was not imported")


def _parse_column(ctx: _Context, header: str, column: Column, values_ctx: ValueContext) -> None:
    text = clean_text(ctx.raw.table[header])
    parser = parser_for(column, ctx.settings)
    parsed = parser.parse(text, values_ctx)
    severity = "warning" if parser.invalid_is_warning else "error"
    ctx.issues.add(parsed.invalid, header, text, parsed.reason, severity)
    values = parsed.values
    if column.required and not (ctx.ent.generated_key and column.name in ctx.ent.key):
        missing = pc.and_(pc.is_null(values), pc.invert(pc.fill_null(parsed.invalid, False)))
        ctx.issues.add(missing, header, None, f"{column.name} is required but empty")
    if column.min_value is not None or column.max_value is not None:
        low = column.min_value if column.min_value is not None else float("-inf")
        high = column.max_value if column.max_value is not None else float("inf")
        outside = pc.or_(pc.less(values, low), pc.greater(values, high))
        bounds = f"{low:g} to {high:g}" if column.max_value is not None else f"at least {low:g}"
        ctx.issues.add(outside, header, text, f"'{{value}}' is out of range ({bounds})")
    if column.default is not None:
        values = pc.fill_null(values, pa.scalar(column.default, values.type))
    ctx.typed[column.name] = values
    if parsed.currency is not None:
        ctx.currencies[column.name] = parsed.currency


def _check_one_of(ctx: _Context) -> None:
    present = [ctx.typed[c] for c in ctx.ent.one_of if c in ctx.typed]
    if not present:
        return
    none = pc.is_null(present[0])
    for values in present[1:]:
        none = pc.and_(none, pc.is_null(values))
    ctx.issues.add(none, ctx.ent.one_of[0], None,
                   f"needs at least one of {', '.join(ctx.ent.one_of)}")


def _convert_currencies(ctx: _Context, fx_rates: Callable[[], pa.Table] | None) -> None:
    row_currency = ctx.typed.get("currency")
    when = ctx.typed.get(ctx.ent.time_column) if ctx.ent.time_column else None
    for name, symbols in ctx.currencies.items():
        converted, failed, reason_by_row = convert_money(
            ctx.typed[name], symbols, row_currency, when, ctx.settings.currency, fx_rates)
        ctx.typed[name] = converted
        if failed is not None:
            header = ctx.headers.header_of(name)
            ctx.issues.add(failed, header, clean_text(ctx.raw.table[header]), reason_by_row)


def _derive(ctx: _Context) -> None:
    """Columns the contract derives when absent: touchpoint ids and channels, is_won."""
    n = len(ctx.raw.row_numbers)
    if ctx.ent.name == "touchpoints":
        channel = ctx.typed.get("channel")
        if channel is None:
            ctx.typed["channel"] = derive_channel(ctx.typed, n)
        elif channel.null_count:  # derived for the rows without a channel only
            missing = pc.is_null(channel)
            rows = {name: values.filter(missing) for name, values in ctx.typed.items()}
            derived = derive_channel(rows, channel.null_count)
            ctx.typed["channel"] = pc.replace_with_mask(channel, missing, derived)
        given = ctx.typed.get("touchpoint_id")
        if given is None or given.null_count:
            ids = _content_hash_ids(ctx.typed, n)
            ctx.typed["touchpoint_id"] = ids if given is None else pc.coalesce(given, ids)
    if ctx.ent.name == "opportunities" and "stage" in ctx.typed:
        stage = ctx.typed["stage"]
        won = pc.if_else(pc.equal(stage, ctx.settings.won_stage.name), True,
                         pc.if_else(pc.equal(stage, ctx.settings.lost_stage.name), False,
                                    pa.scalar(None, pa.bool_())))
        ctx.typed["is_won"] = pc.coalesce(ctx.typed.get("is_won", won), won)


def _content_hash_ids(typed: dict[str, pa.Array], n: int) -> pa.Array:
    """`tp_` + 16 hex digits of a stable hash of the touch's time, type and identifiers."""
    parts = [c for c in ("occurred_at", "type", "anonymous_id", "email", "phone",
                         "wechat_openid", "wechat_unionid", "contact_id", "lead_id",
                         "campaign_id", "content_id", "url") if c in typed]
    frame = pd.DataFrame({c: typed[c].cast(pa.string()).to_pandas() for c in parts})
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return pa.array(pd.Series(hashed).map("tp_{:016x}".format).to_numpy(), pa.string())


def _accepted_table(ctx: _Context) -> pa.Table:
    columns = dict(ctx.typed)
    if ctx.headers.extra:  # no unknown columns: the stored `extra` is kept, like any column
        columns["extra"] = _extra_json(ctx.raw.table, ctx.headers.extra)
    columns["_row"] = ctx.raw.row_numbers
    return pa.table(columns)


def _extra_json(table: pa.Table, headers: list[str]) -> pa.Array:
    """Unknown columns as one JSON object per row (null when the file has none)."""
    if not headers:
        return pa.nulls(table.num_rows, pa.string())
    frame = pd.DataFrame({h: clean_text(table[h]).to_pandas() for h in headers})
    lines = frame.to_json(orient="records", lines=True, force_ascii=False)
    return pa.array(re.split(r"\n(?=\{)", lines.rstrip("\n")), pa.string())
