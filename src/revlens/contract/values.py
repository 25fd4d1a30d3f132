"""Vectorised value parsers of the data contract (import format v1, section "Values").

Each value kind (text, timestamp, money, phone, ...) is one small class on :class:`ValueKind`,
registered in :data:`KINDS` and built with :func:`kind`. A parser takes a string array that has
been through :func:`clean_text` and returns a :class:`Parsed`. For every kind:

* ``len(values) == len(invalid) == len(input)`` and ``values.type == kind.arrow_type``;
* a null input gives a null value and ``invalid`` False;
* a non-null input gives exactly one of: a value, or ``invalid`` True (never both, never neither);
* nothing is guessed: an input that does not match an accepted form is invalid;
* the work is done by pyarrow.compute over whole columns; Python only loops over a fixed
  handful of patterns.

``Parsed.reason`` is a ``str.format`` template with one field, ``{value}``.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, final

import pyarrow as pa
import pyarrow.compute as pc

_TRIMMED = " \t\n\r\v\f\u3000\u00a0\ufeff"
_SPACE = r"[\s\x{3000}\x{00a0}]"
_DAY_US = 86_400_000_000
_EXCEL_EPOCH_OFFSET = 25_569  # Excel serial of 1970-01-01 (serial 0 = 1899-12-30)
_EXCEL_MAX_SERIAL = 2_958_466  # first serial after 9999-12-31


@dataclass(frozen=True)
class ValueContext:
    """Workspace settings a parser needs. Values without an offset are local to ``timezone``."""

    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"
    excel_serials: bool = False  # the source is XLSX: a plain number in a date column is a serial


@dataclass
class Parsed:
    """A parsed column: ``invalid`` is True exactly where a non-null input gave a null value."""

    values: pa.Array
    invalid: pa.Array
    reason: str
    currency: pa.Array | None = None  # money only: ISO code written with each value, else null


def clean_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trim whitespace (incl. U+3000, NBSP, tabs, BOM); empty -> null. Returns pa.string()."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    trimmed = pc.utf8_trim(arr, characters=_TRIMMED)
    return _where(pc.not_equal(trimmed, ""), trimmed)


def _where(mask: pa.Array, values: pa.Array) -> pa.Array:
    """``values`` where ``mask`` is True, null where it is False or null."""
    return pc.if_else(mask, values, pa.scalar(None, values.type))


def _lookup(keys: pa.Array, mapping: Mapping[str, Any], type_: pa.DataType) -> pa.Array:
    """Map each key through ``mapping`` (exact match); null where the key is not in it."""
    index = pc.index_in(keys, value_set=pa.array(list(mapping), pa.string()))
    return pc.take(pa.array(list(mapping.values()), type_), index)


def _int(text: pa.Array, default: str = "0") -> pa.Array:
    """Cast a regex group of digits to int64; an empty (non-participating) group is ``default``."""
    return pc.cast(pc.if_else(pc.equal(text, ""), default, text), pa.int64())


def _between(x: pa.Array, low: int | pa.Array, high: int | pa.Array) -> pa.Array:
    return pc.and_(pc.greater_equal(x, low), pc.less_equal(x, high))


def _all(*masks: pa.Array) -> pa.Array:
    return functools.reduce(pc.and_, masks)


class ValueKind(ABC):
    """One kind of value of the data contract; ``parse`` takes a clean_text()'ed array."""

    name: ClassVar[str]
    arrow_type: ClassVar[pa.DataType]
    invalid_is_warning: ClassVar[bool] = False  # True: row kept, column emptied, warning

    @abstractmethod
    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed: ...

    @final
    def _parsed(
        self, arr: pa.Array, values: pa.Array, reason: str, currency: pa.Array | None = None
    ) -> Parsed:
        """Type the values and derive ``invalid`` = input present and value missing."""
        values = pc.cast(values, self.arrow_type)
        invalid = pc.and_(pc.is_valid(arr), pc.is_null(values))
        if currency is not None:
            currency = _where(pc.is_valid(values), currency)
        return Parsed(values, invalid, reason, currency)


@dataclass(frozen=True)
class Text(ValueKind):
    name: ClassVar[str] = "text"
    arrow_type: ClassVar[pa.DataType] = pa.string()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        return self._parsed(arr, arr, "'{value}' is not text")


# --- dates and times -------------------------------------------------------------------------

# 2026/1/5, 2026年1月5日 and 2026.1.5 are rewritten to 2026-1-5 before the ISO-like pattern.
_DATE_FORMS = (
    r"^(?:(\d{4})/(\d{1,2})/(\d{1,2})"
    r"|(\d{4})年(\d{1,2})月(\d{1,2})日?"
    r"|(\d{4})\.(\d{1,2})\.(\d{1,2}))"
)
_DATE_REWRITE = r"\1\4\7-\2\5\8-\3\6\9 "
_DATETIME = (
    rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})"
    rf"(?:(?:{_SPACE}*T|{_SPACE}+)(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}})(?:[.,](?P<f>\d+))?)?)?"
    rf"{_SPACE}*(?P<tz>[Zz]|(?P<sign>[+-])(?P<oh>\d{{2}})(?::?(?P<om>\d{{2}}))?)?{_SPACE}*$"
)
_SERIAL = r"^\d+(?:\.\d+)?$"
# The commonest form, `2026-01-05 10:00:00`: its _DATETIME groups sit at fixed positions.
_PLAIN_DATETIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
_PLAIN_FIELDS = {"y": (0, 4), "m": (5, 7), "d": (8, 10), "H": (11, 13), "M": (14, 16),
                 "S": (17, 19)}


@dataclass(frozen=True)
class _WallClock:
    """A date/time as written: null ``days`` where the text is not a valid date/time."""

    days: pa.Array  # int64 days from 1970-01-01 to the written date
    micros: pa.Array  # int64 microseconds since the written midnight (0 when no time is given)
    offset_us: pa.Array  # int64 written UTC offset in microseconds; null when none is written


def _days_in_month(y: pa.Array, m: pa.Array) -> pa.Array:
    leap = pc.or_(
        pc.and_(pc.equal(pc.modulo(y, 4), 0), pc.not_equal(pc.modulo(y, 100), 0)),
        pc.equal(pc.modulo(y, 400), 0),
    )
    february = pc.if_else(leap, 29, 28)
    short = pc.if_else(pc.is_in(m, value_set=pa.array([4, 6, 9, 11], pa.int64())), 30, 31)
    return pc.if_else(pc.equal(m, 2), february, short)


def _days_from_civil(y: pa.Array, m: pa.Array, d: pa.Array) -> pa.Array:
    """Days since 1970-01-01 of a proleptic Gregorian date, year >= 1 (H. Hinnant's algorithm)."""
    y = pc.subtract(y, pc.cast(pc.less_equal(m, 2), pa.int64()))
    era = pc.divide(y, 400)
    yoe = pc.subtract(y, pc.multiply(era, 400))
    month_from_march = pc.modulo(pc.add(m, 9), 12)
    doy = pc.add(pc.divide(pc.add(pc.multiply(month_from_march, 153), 2), 5), pc.subtract(d, 1))
    leap_days = pc.subtract(pc.divide(yoe, 4), pc.divide(yoe, 100))
    doe = pc.add(pc.add(pc.multiply(yoe, 365), leap_days), doy)
    return pc.subtract(pc.add(pc.multiply(era, 146_097), doe), 719_468)


def _wall_clock(arr: pa.Array) -> _WallClock:
    """Split each value into its written date, time of day and offset; validate every field."""
    g = _datetime_groups(arr)
    y, m, d = _int(g["y"]), _int(g["m"]), _int(g["d"])
    hh, mm, ss = _int(g["H"]), _int(g["M"]), _int(g["S"])
    frac = _int(pc.utf8_rpad(pc.utf8_slice_codeunits(g["f"], 0, 6), 6, "0"))
    oh, om = _int(g["oh"]), _int(g["om"])
    valid = _all(
        _between(y, 1000, 9999),
        _between(m, 1, 12),
        _between(d, 1, _days_in_month(y, m)),
        _between(hh, 0, 23),
        _between(mm, 0, 59),
        _between(ss, 0, 59),
        _between(oh, 0, 23),
        _between(om, 0, 59),
    )
    seconds = pc.add(pc.multiply(pc.add(pc.multiply(hh, 60), mm), 60), ss)
    offset_us = pc.multiply(pc.add(pc.multiply(oh, 60), om), 60_000_000)
    offset_us = pc.if_else(pc.equal(g["sign"], "-"), pc.negate(offset_us), offset_us)
    return _WallClock(
        days=_where(valid, _days_from_civil(y, m, d)),
        micros=pc.add(pc.multiply(seconds, 1_000_000), frac),
        offset_us=_where(pc.not_equal(g["tz"], ""), offset_us),
    )


def _datetime_groups(arr: pa.Array) -> dict[str, pa.Array]:
    """The named groups of _DATETIME per value: '' where a group is not written, null where
    the value is null or does not match."""
    if pc.all(pc.match_substring_regex(arr, _PLAIN_DATETIME)).as_py():  # slicing beats regex
        unwritten = pc.utf8_slice_codeunits(arr, 0, 0)
        names = pc.extract_regex(arr.slice(0, 0), _DATETIME).type.names
        groups = dict.fromkeys(names, unwritten)
        groups.update({name: pc.utf8_slice_codeunits(arr, start, stop)
                       for name, (start, stop) in _PLAIN_FIELDS.items()})
        return groups
    if pc.any(pc.match_substring_regex(arr, _DATE_FORMS)).as_py():
        arr = pc.replace_substring_regex(arr, _DATE_FORMS, _DATE_REWRITE)
    parts = pc.extract_regex(arr, _DATETIME)
    return {name: pc.struct_field(parts, name) for name in parts.type.names}


def _excel_serial(arr: pa.Array) -> pa.Array:
    """float64 Excel serial date (1 <= serial < year 10000) where the text is a plain number."""
    serial = pc.cast(_where(pc.match_substring_regex(arr, _SERIAL), arr), pa.float64())
    return _where(_all(pc.greater_equal(serial, 1), pc.less(serial, _EXCEL_MAX_SERIAL)), serial)


@dataclass(frozen=True)
class Timestamp(ValueKind):
    """UTC instant. No offset written: local to ctx.timezone (earliest on DST gaps and folds)."""

    name: ClassVar[str] = "timestamp"
    arrow_type: ClassVar[pa.DataType] = pa.timestamp("us", tz="UTC")

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        wall = _wall_clock(arr)
        local_us = pc.add(pc.multiply(wall.days, _DAY_US), wall.micros)
        if ctx.excel_serials:
            serial_days = pc.subtract(_excel_serial(arr), _EXCEL_EPOCH_OFFSET)
            serial_ms = pc.round(pc.multiply(serial_days, 86_400_000.0))  # nearest millisecond
            local_us = pc.coalesce(local_us, pc.multiply(pc.cast(serial_ms, pa.int64()), 1000))
        zoned = pc.assume_timezone(
            pc.cast(local_us, pa.timestamp("us")),
            timezone=ctx.timezone,
            ambiguous="earliest",
            nonexistent="earliest",
        )
        utc_us = pc.if_else(
            pc.is_valid(wall.offset_us),
            pc.subtract(local_us, wall.offset_us),
            pc.cast(zoned, pa.int64()),
        )
        reason = (
            "'{value}' is not a date/time "
            "(expected e.g. 2026-01-05 10:00, 2026/1/5 10:00 or 2026年1月5日 10:00)"
        )
        return self._parsed(arr, pc.cast(utc_us, self.arrow_type), reason)


@dataclass(frozen=True)
class Date(ValueKind):
    """Calendar date as written; a time or offset after it is accepted and ignored."""

    name: ClassVar[str] = "date"
    arrow_type: ClassVar[pa.DataType] = pa.date32()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        days = _wall_clock(arr).days
        if ctx.excel_serials:
            serial_days = pc.subtract(pc.floor(_excel_serial(arr)), _EXCEL_EPOCH_OFFSET)
            days = pc.coalesce(days, pc.cast(serial_days, pa.int64()))
        days = pc.cast(pc.cast(days, pa.int32()), self.arrow_type)
        reason = "'{value}' is not a date (expected e.g. 2026-01-05, 2026/1/5 or 2026年1月5日)"
        return self._parsed(arr, days, reason)


# --- numbers ---------------------------------------------------------------------------------

_GROUPED = r"\d{1,3}(?:,\d{3})+|\d+"  # 1234 or 1,234 (commas only in groups of three)
_CODES = {code: code for code in ("CNY", "USD", "EUR", "HKD", "GBP", "JPY")} | {"RMB": "CNY"}
_CURRENCY_BEFORE = _CODES | {
    "¥": "CNY", "￥": "CNY", "US$": "USD", "$": "USD", "€": "EUR", "HK$": "HKD", "£": "GBP",
}  # fmt: skip
_CURRENCY_AFTER = _CODES | {
    "元": "CNY", "人民币": "CNY", "美元": "USD", "欧元": "EUR", "港元": "HKD", "港币": "HKD",
    "英镑": "GBP", "日元": "JPY",
}  # fmt: skip


def _alternation(tokens: Mapping[str, str]) -> str:
    return "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))


_MONEY = (
    rf"(?i)^(?P<sign>-)?{_SPACE}*(?P<before>{_alternation(_CURRENCY_BEFORE)})?{_SPACE}*"
    rf"(?P<sign2>-)?(?P<int>{_GROUPED})?(?:\.(?P<frac>\d+))?"
    rf"{_SPACE}*(?P<after>{_alternation(_CURRENCY_AFTER)})?$"
)
_MAX_INT_DIGITS = 15  # money up to 999 trillion; rounding can never overflow decimal128(18, 2)


@dataclass(frozen=True)
class Money(ValueKind):
    """Amount rounded half away from zero to 2 places; currency taken from its symbol or word."""

    name: ClassVar[str] = "money"
    arrow_type: ClassVar[pa.DataType] = pa.decimal128(18, 2)
    allow_negative: bool = False

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        parts = pc.extract_regex(arr, _MONEY)
        g = {name: pc.struct_field(parts, name) for name in parts.type.names}
        before = _lookup(pc.utf8_upper(g["before"]), _CURRENCY_BEFORE, pa.string())
        after = _lookup(pc.utf8_upper(g["after"]), _CURRENCY_AFTER, pa.string())
        minus_before, minus_after = pc.equal(g["sign"], "-"), pc.equal(g["sign2"], "-")
        negative = pc.or_(minus_before, minus_after)
        digits = pc.utf8_ltrim(pc.replace_substring(g["int"], ",", ""), "0")
        digits = pc.if_else(pc.equal(digits, ""), "0", digits)
        valid = _all(
            pc.or_(pc.not_equal(g["int"], ""), pc.not_equal(g["frac"], "")),
            pc.less_equal(pc.utf8_length(digits), _MAX_INT_DIGITS),
            pc.invert(pc.and_(minus_before, minus_after)),
            pc.invert(pc.fill_null(pc.not_equal(before, after), False)),
        )
        if not self.allow_negative:
            valid = pc.and_(valid, pc.invert(negative))
        frac3 = pc.utf8_rpad(pc.utf8_slice_codeunits(g["frac"], 0, 3), 3, "0")
        text = pc.binary_join_element_wise(digits, frac3, ".")
        # The third decimal alone decides half-up rounding, so later digits can be dropped.
        exact = pc.cast(_where(valid, text), pa.decimal128(19, 3))
        amount = pc.round(exact, 2, round_mode="half_towards_infinity")
        amount = pc.if_else(negative, pc.negate(amount), amount)
        expected = "a number like" if self.allow_negative else "a non-negative number like"
        reason = f"'{{value}}' is not an amount (expected {expected} 1234.50 or ¥1,234.50)"
        return self._parsed(arr, amount, reason, currency=pc.coalesce(before, after))


@dataclass(frozen=True)
class Int(ValueKind):
    """Whole number; thousands separators allowed; a zero fraction (12.0) is accepted."""

    name: ClassVar[str] = "int"
    arrow_type: ClassVar[pa.DataType] = pa.int64()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        parts = pc.extract_regex(arr, rf"^(?P<sign>[+-])?(?P<int>{_GROUPED})(?:\.0*)?$")
        sign, digits = pc.struct_field(parts, "sign"), pc.struct_field(parts, "int")
        digits = pc.utf8_ltrim(pc.replace_substring(digits, ",", ""), "0")
        digits = pc.if_else(pc.equal(digits, ""), "0", digits)
        text = pc.binary_join_element_wise(pc.replace_substring(sign, "+", ""), digits, "")
        fits = pc.less_equal(pc.utf8_length(digits), 18)  # int64 holds every 18-digit number
        reason = "'{value}' is not a whole number (expected e.g. 12345 or 12,345)"
        return self._parsed(arr, pc.cast(_where(fits, text), pa.int64()), reason)


@dataclass(frozen=True)
class Number(ValueKind):
    """Float; thousands separators allowed. With ``percent``, '12.5%' is 0.125 (0.125 stays)."""

    name: ClassVar[str] = "number"
    arrow_type: ClassVar[pa.DataType] = pa.float64()
    percent: bool = False

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        pct = "%?" if self.percent else ""
        pattern = rf"^[+-]?(?:(?:{_GROUPED})(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{{1,3}})?{pct}$"
        matched = pc.match_substring_regex(arr, pattern)
        number = pc.cast(pc.replace_substring_regex(_where(matched, arr), "[,%]", ""), pa.float64())
        number = _where(pc.is_finite(number), number)
        if self.percent:
            is_pct = pc.ends_with(arr, "%")
            number = pc.if_else(is_pct, pc.divide(number, 100.0), number)
        example = "0.125 or 12.5%" if self.percent else "1234.5 or 1,234.5"
        return self._parsed(arr, number, f"'{{value}}' is not a number (expected e.g. {example})")


# --- labels ----------------------------------------------------------------------------------

_BOOLS = {
    **dict.fromkeys(["true", "1", "yes", "y", "t", "是", "真"], True),
    **dict.fromkeys(["false", "0", "no", "n", "f", "否", "假"], False),
}


@dataclass(frozen=True)
class Bool(ValueKind):
    name: ClassVar[str] = "bool"
    arrow_type: ClassVar[pa.DataType] = pa.bool_()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        reason = (
            "'{value}' is not a yes/no value "
            "(expected true/false, 1/0, yes/no, y/n, t/f, 是/否 or 真/假)"
        )
        return self._parsed(arr, _lookup(pc.utf8_lower(arr), _BOOLS, pa.bool_()), reason)


@dataclass(frozen=True)
class Enum(ValueKind):
    """One of ``values`` (canonical -> accepted labels); case-insensitive; labels map to canon."""

    name: ClassVar[str] = "enum"
    arrow_type: ClassVar[pa.DataType] = pa.string()
    values: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("an enum needs at least one allowed value")
        self._table()  # fail at definition time on a label given to two values

    def _table(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for canonical, labels in self.values.items():
            for label in (canonical, *labels):
                key = label.strip(_TRIMMED).lower()
                if table.setdefault(key, canonical) != canonical:
                    raise ValueError(
                        f"enum label {label!r} is given to both {table[key]!r} and {canonical!r}"
                    )
        return table

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        keys = pc.utf8_lower(pc.utf8_trim(arr, characters=_TRIMMED))
        allowed = ", ".join(
            f"{canonical} ({'/'.join(labels)})" if labels else canonical
            for canonical, labels in self.values.items()
        )
        allowed = allowed.replace("{", "{{").replace("}", "}}")
        reason = f"'{{value}}' is not one of: {allowed}"
        return self._parsed(arr, _lookup(keys, self._table(), pa.string()), reason)


_EMAIL = r"^[^@\s\x{3000}\x{00a0}]+@[^@\s\x{3000}\x{00a0}.]+(?:\.[^@\s\x{3000}\x{00a0}.]+)+$"


@dataclass(frozen=True)
class Email(ValueKind):
    """Lower-cased; one @, no spaces, and a dot between non-empty labels of the domain."""

    name: ClassVar[str] = "email"
    arrow_type: ClassVar[pa.DataType] = pa.string()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        lower = pc.utf8_lower(arr)
        values = _where(pc.match_substring_regex(lower, _EMAIL), lower)
        return self._parsed(arr, values, "'{value}' is not an email address")


_PHONE_SEPARATORS = r"[\s\x{3000}\x{00a0}\-.()（）]"
_PHONE_RULES = (  # (pattern, E.164 rewrite) over the separator-free text; first match wins
    (r"^(?:\+86|0086|86)?(1[3-9]\d{9})$", r"+86\1"),  # mainland mobile
    (r"^0(10|2\d|[3-9]\d{2})(\d{7,8})$", r"+86\1\2"),  # landline with trunk 0
    (r"^(?:\+|00)860?(10|2\d|[3-9]\d{2})(\d{7,8})$", r"+86\1\2"),  # landline with +86
    (r"^(?:\+|00)((?:[1-79]\d|8[0-57-9])\d{5,13})$", r"+\1"),  # other country: 7-15 digits
)


@dataclass(frozen=True)
class Phone(ValueKind):
    """E.164. Chinese mobiles/landlines, or any +CC/00CC number; a +86 number must be Chinese."""

    name: ClassVar[str] = "phone"
    arrow_type: ClassVar[pa.DataType] = pa.string()
    invalid_is_warning: ClassVar[bool] = True

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        compact = pc.replace_substring_regex(arr, _PHONE_SEPARATORS, "")
        e164 = pa.nulls(len(arr), pa.string())
        for pattern, rewrite in _PHONE_RULES:
            hit = pc.and_(pc.is_null(e164), pc.match_substring_regex(compact, pattern))
            rewritten = pc.replace_substring_regex(compact, pattern, rewrite)
            e164 = pc.if_else(pc.fill_null(hit, False), rewritten, e164)
        reason = (
            "'{value}' is not a phone number that can be normalised to E.164 "
            "(e.g. +8613812345678); the column was left empty"
        )
        return self._parsed(arr, e164, reason)


@dataclass(frozen=True)
class Json(ValueKind):
    """JSON object text, kept as text; checked only for the enclosing braces."""

    name: ClassVar[str] = "json"
    arrow_type: ClassVar[pa.DataType] = pa.string()

    def parse(self, arr: pa.Array, ctx: ValueContext) -> Parsed:
        braced = pc.and_(pc.starts_with(arr, "{"), pc.ends_with(arr, "}"))
        return self._parsed(arr, _where(braced, arr), "'{value}' is not a JSON object")


KINDS: dict[str, type[ValueKind]] = {
    k.name: k for k in (Text, Timestamp, Date, Money, Int, Number, Bool, Enum, Email, Phone, Json)
}


def kind(name: str, **options: Any) -> ValueKind:
    """Build the parser of kind ``name``, e.g. ``kind("money", allow_negative=True)``."""
    if name not in KINDS:
        raise ValueError(f"unknown value kind {name!r}; expected one of: {', '.join(KINDS)}")
    return KINDS[name](**options)
