"""The value parsers of the data contract, one hand-checkable case per accepted or rejected form."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from revlens.contract.values import KINDS, Parsed, ValueContext, clean_text, kind

SHANGHAI = ValueContext()
XLSX = ValueContext(excel_serials=True)
CHANNELS = {"paid_search": ["搜索广告"], "paid_social": ["信息流", "社交广告"], "direct": []}


def parse(name: str, text: str | None, ctx: ValueContext = SHANGHAI, **options) -> Parsed:
    return kind(name, **options).parse(clean_text(pa.array([text], pa.string())), ctx)


def accepted(name: str, text: str, ctx: ValueContext = SHANGHAI, **options):
    parsed = parse(name, text, ctx, **options)
    assert parsed.invalid.to_pylist() == [False], parsed.reason.format(value=text)
    return parsed.values[0].as_py()


def rejected(name: str, text: str, ctx: ValueContext = SHANGHAI, **options) -> str:
    parsed = parse(name, text, ctx, **options)
    assert parsed.invalid.to_pylist() == [True]
    assert parsed.values.to_pylist() == [None]
    return parsed.reason.format(value=text)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  华为 ", "华为"),
        ("\u3000华为\u3000", "华为"),
        ("\ufeffname\t", "name"),
        ("\u00a0a b\u00a0", "a b"),
        ("", None),
        (" \u3000\t", None),
        (None, None),
    ],
)
def test_clean_text_trims_and_empties_to_null(raw, expected):
    assert clean_text(pa.array([raw], pa.string())).to_pylist() == [expected]


def test_clean_text_casts_to_string_and_joins_chunks():
    cleaned = clean_text(pa.chunked_array([[1, 2], [None]]))
    assert cleaned.type == pa.string()
    assert cleaned.to_pylist() == ["1", "2", None]


# --- timestamp -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05 10:00", utc(2026, 1, 5, 2, 0)),  # naive = Shanghai, UTC+8
        ("2026-01-05 10:00:00", utc(2026, 1, 5, 2, 0)),
        ("2026-01-05T10:00:00", utc(2026, 1, 5, 2, 0)),
        ("2026-01-05T10:00:00+08:00", utc(2026, 1, 5, 2, 0)),
        ("2026-01-05T10:00:00+0800", utc(2026, 1, 5, 2, 0)),
        ("2026-01-05T02:00:00Z", utc(2026, 1, 5, 2, 0)),
        ("2026-01-05T10:00:00-05:30", utc(2026, 1, 5, 15, 30)),
        ("2026-01-05T10:00:00.250+08:00", utc(2026, 1, 5, 2, 0, 0, 250_000)),
        ("2026/1/5 10:00", utc(2026, 1, 5, 2, 0)),
        ("2026/01/05", utc(2026, 1, 4, 16, 0)),  # a date alone is local midnight
        ("2026年1月5日 10:00", utc(2026, 1, 5, 2, 0)),
        ("2026年1月5日", utc(2026, 1, 4, 16, 0)),
        ("2026-1-5 9:05", utc(2026, 1, 5, 1, 5)),
        ("2024-02-29 08:00", utc(2024, 2, 29, 0, 0)),
    ],
)
def test_timestamp_accepted_forms_are_stored_as_utc(text, expected):
    assert accepted("timestamp", text) == expected


def test_timestamp_without_offset_uses_the_workspace_time_zone():
    new_york = ValueContext(timezone="America/New_York")
    assert accepted("timestamp", "2026-01-05 10:00", new_york) == utc(2026, 1, 5, 15, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("46027", utc(2026, 1, 4, 16, 0)),  # 2026-01-05 00:00 Shanghai
        ("46027.5", utc(2026, 1, 5, 4, 0)),  # 2026-01-05 12:00 Shanghai
        ("46027.4166666667", utc(2026, 1, 5, 2, 0)),  # 10:00, rounded to the millisecond
    ],
)
def test_timestamp_excel_serials_are_local_days_since_1899_12_30(text, expected):
    assert accepted("timestamp", text, XLSX) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-02-30", "2026-13-01", "2026-01-05 24:00", "2026-01-05 10:60", "5/1/2026", "tomorrow"],
)
def test_timestamp_rejects_impossible_or_unknown_forms(text):
    assert rejected("timestamp", text) == (
        f"'{text}' is not a date/time "
        "(expected e.g. 2026-01-05 10:00, 2026/1/5 10:00 or 2026年1月5日 10:00)"
    )


def test_timestamp_plain_number_is_not_a_date_outside_xlsx():
    rejected("timestamp", "46027")


# --- date ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ctx", "expected"),
    [
        ("2026-01-05", SHANGHAI, date(2026, 1, 5)),
        ("2026/1/5", SHANGHAI, date(2026, 1, 5)),
        ("2026年1月5日", SHANGHAI, date(2026, 1, 5)),
        ("2026-01-05 23:30", SHANGHAI, date(2026, 1, 5)),  # the date as written
        ("2026-01-05T23:30:00Z", SHANGHAI, date(2026, 1, 5)),
        ("2000-02-29", SHANGHAI, date(2000, 2, 29)),
        ("46027", XLSX, date(2026, 1, 5)),
        ("46027.9", XLSX, date(2026, 1, 5)),
    ],
)
def test_date_accepted_forms(text, ctx, expected):
    assert accepted("date", text, ctx) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "2100-02-29", "2026-00-10", "46027", "Jan 5"])
def test_date_rejects_impossible_or_unknown_forms(text):
    reason = rejected("date", text)
    assert reason.startswith(f"'{text}' is not a date (expected e.g. 2026-01-05")


# --- money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("1234.5", "1234.50", None),
        ("¥1,234.50", "1234.50", "CNY"),
        ("￥1234.5", "1234.50", "CNY"),
        ("1,234.50元", "1234.50", "CNY"),
        ("RMB 1234.5", "1234.50", "CNY"),
        ("CNY 1234.5", "1234.50", "CNY"),
        ("$1,234.50", "1234.50", "USD"),
        ("USD 1234.5", "1234.50", "USD"),
        ("US$12", "12.00", "USD"),
        ("100美元", "100.00", "USD"),
        ("€12", "12.00", "EUR"),
        ("HK$12", "12.00", "HKD"),
        ("£12", "12.00", "GBP"),
        ("JPY 1200", "1200.00", "JPY"),
        ("1.005", "1.01", None),  # half-up
        ("1.0049", "1.00", None),
    ],
)
def test_money_amount_and_currency_written_with_it(text, amount, currency):
    parsed = parse("money", text)
    assert parsed.values.type == pa.decimal128(18, 2)
    assert parsed.values.to_pylist() == [Decimal(amount)]
    assert parsed.currency.to_pylist() == [currency]


@pytest.mark.parametrize("text", ["12,3a4", "1.2.3", "1,23", "¥", "¥12 USD", "12 apples", "-12.5"])
def test_money_rejects_malformed_amounts_and_negatives(text):
    assert rejected("money", text) == (
        f"'{text}' is not an amount (expected a non-negative number like 1234.50 or ¥1,234.50)"
    )


def test_money_rejection_leaves_no_currency():
    assert parse("money", "¥12,3a4").currency.to_pylist() == [None]


@pytest.mark.parametrize(("text", "amount"), [("-12.5", "-12.50"), ("-¥1.005", "-1.01")])
def test_money_negative_allowed_where_stated(text, amount):
    assert accepted("money", text, allow_negative=True) == Decimal(amount)


# --- int and number --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("12345", 12345), ("12,345", 12345), ("12.0", 12), ("-3", -3)]
)
def test_int_accepted_forms(text, expected):
    assert accepted("int", text) == expected


@pytest.mark.parametrize("text", ["12.5", "1,23", "twelve", "1234567890123456789012"])
def test_int_rejected_forms(text):
    assert rejected("int", text).startswith(f"'{text}' is not a whole number")


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("1,234.5", {}, 1234.5),
        ("-0.5", {}, -0.5),
        ("1.5e3", {}, 1500.0),
        ("12.5%", {"percent": True}, 0.125),
        ("0.125", {"percent": True}, 0.125),
    ],
)
def test_number_accepted_forms(text, options, expected):
    assert accepted("number", text, **options) == expected


@pytest.mark.parametrize(
    ("text", "options"), [("12.5%", {}), ("1.2.3", {}), ("abc", {"percent": True})]
)
def test_number_rejected_forms(text, options):
    assert rejected("number", text, **options).startswith(f"'{text}' is not a number")


# --- bool and enum ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("是", True), ("否", False), ("真", True), ("假", False), ("TRUE", True), ("no", False)]
    + [("1", True), ("0", False), ("Y", True), ("n", False), ("t", True), ("F", False)],
)
def test_bool_accepted_forms(text, expected):
    assert accepted("bool", text) is expected


def test_bool_rejection_lists_accepted_forms():
    assert rejected("bool", "maybe") == (
        "'maybe' is not a yes/no value (expected true/false, 1/0, yes/no, y/n, t/f, 是/否 or 真/假)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("搜索广告", "paid_search"), ("Paid_Search", "paid_search"), ("社交广告", "paid_social")],
)
def test_enum_maps_labels_and_case_to_canonical_values(text, expected):
    assert accepted("enum", text, values=CHANNELS) == expected


def test_enum_rejection_lists_allowed_values_with_their_labels():
    assert rejected("enum", "电视", values=CHANNELS) == (
        "'电视' is not one of: paid_search (搜索广告), paid_social (信息流/社交广告), direct"
    )


def test_enum_label_given_to_two_values_is_refused():
    with pytest.raises(ValueError, match="'广告'"):
        kind("enum", values={"paid_search": ["广告"], "display": ["广告"]})


# --- email, phone, json ----------------------------------------------------------------------


def test_email_is_lower_cased():
    assert accepted("email", "Li.Lei@Example.COM") == "li.lei@example.com"


@pytest.mark.parametrize("text", ["li.lei", "li@example", "li@@example.com", "li lei@example.com"])
def test_email_rejected_forms(text):
    assert rejected("email", text) == f"'{text}' is not an email address"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("+86 13812345678", "+8613812345678"),
        ("+86-138-1234-5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("86 13812345678", "+8613812345678"),
        ("(+86)13812345678", "+8613812345678"),
        ("010-12345678", "+861012345678"),
        ("0755-1234567", "+867551234567"),
        ("(021) 1234 5678", "+862112345678"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("0044 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_normalised_to_e164(text, expected):
    assert accepted("phone", text) == expected


@pytest.mark.parametrize(
    "text", ["12345", "1381234567", "138123456789", "call me", "+86 12345678901", "+12345"]
)
def test_phone_never_guessed(text):
    assert rejected("phone", text) == (
        f"'{text}' is not a phone number that can be normalised to E.164 "
        "(e.g. +8613812345678); the column was left empty"
    )


def test_only_phone_is_a_warning():
    assert [name for name, k in KINDS.items() if k.invalid_is_warning] == ["phone"]


def test_json_object_kept_as_text():
    assert accepted("json", '{"utm_source": "baidu"}') == '{"utm_source": "baidu"}'


@pytest.mark.parametrize("text", ["[1, 2]", "utm=baidu"])
def test_json_rejects_non_objects(text):
    assert rejected("json", text) == f"'{text}' is not a JSON object"


# --- every kind ------------------------------------------------------------------------------


def make(name: str):
    return kind(name, values=CHANNELS) if name == "enum" else kind(name)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_missing_values_stay_null_and_are_not_invalid(name):
    parsed = make(name).parse(clean_text(pa.array([None, "", " \u3000"], pa.string())), XLSX)
    assert parsed.values.type == KINDS[name].arrow_type
    assert parsed.values.to_pylist() == [None, None, None]
    assert parsed.invalid.to_pylist() == [False, False, False]


def test_unknown_kind_lists_the_kinds():
    with pytest.raises(ValueError, match="expected one of: text, timestamp"):
        kind("currency")


SAMPLES = {
    "text": ["华为", "x"],
    "timestamp": ["2026-01-05 10:00", "2026-01-05T10:00:00+08:00", "2026年1月5日", "46027.5"],
    "date": ["2026-01-05", "2026/1/5", "46027", "bad"],
    "money": ["¥1,234.50", "1,234.50元", "$12", "12,3a4"],
    "int": ["12,345", "12.0", "12.5"],
    "number": ["1,234.5", "0.5", "x"],
    "bool": ["是", "false", "maybe"],
    "enum": ["搜索广告", "direct", "tv"],
    "email": ["Li@Example.com", "bad"],
    "phone": ["138 1234 5678", "+86-138-1234-5678", "010-12345678", "12345"],
    "json": ['{"a": 1}', "[1]"],
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_200k_values_parse_in_one_pass(name):
    n = 200_000
    samples = SAMPLES[name]
    arr = clean_text(pa.array((samples * (n // len(samples) + 1))[:n]))
    parsed = make(name).parse(arr, XLSX)
    assert len(parsed.values) == len(parsed.invalid) == n
    assert parsed.values.type == KINDS[name].arrow_type
    assert parsed.invalid.type == pa.bool_()
