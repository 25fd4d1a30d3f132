"""Probabilistic lead → account matching with Splink, for the leads the rules leave open.

The deterministic rules (`revlens.identity.companies`) settle a lead when its company name or
e-mail domain and its region agree with one account. What they leave — a bare brand name with
nothing else, a name with a typo, several candidate accounts — is scored here as a
Fellegi-Sunter model: every candidate (lead, account) pair gets a *match weight*, the log2 of
how much likelier its agreement pattern is for a true match than for two unrelated records,
summed over five comparisons, plus the log2 prior odds; `match_probability` is
2^w / (1 + 2^w).

Comparisons (lead side `_l`, account side `_r`; an account's phone prefix is the one its
contacts' and own leads' phones share most), levels best first:

- name (normalised): equal, and every mention of the name (accounts, leads, company names) is
  at one place · equal, but the name is seen at several places (the same brand in other
  cities) · one typo apart (`name_variants`) · Jaro-Winkler >= 0.9 · else;
- place: same city · same province, one city unknown · same province, other city · other
  province;
- phone prefix: same area code (landline) or country code (outside China) · same mobile
  prefix · else;
- e-mail domain: the lead's company e-mail domain is the account's website · else.

An unknown value on either side is a null level: it weighs nothing.

**Fixed m and u, not EM.** The pairs scored are the few the rules leave open (a handful in a
small workspace, hundreds on the demo), picked by blocking, so they are neither many nor a
random sample of lead–account pairs: EM on them has too little and too biased data, and its
estimates would move with every import. The m and u values below are therefore stated here,
the same on every workspace and backend, so a weight can be checked by hand and the same input
always gives the same matches. With the prior odds 1:9,999 (-13.29):

- a bare brand name known at one place only: 17.29 - 13.29 = +4.00 (p 0.94), -0.57 when the
  phone prefixes differ (p 0.92): a match at the default threshold 0.9;
- the same brand also seen in another city: 11.55 - 13.29 = -1.74 (p 0.23): kept for review;
  with the lead in another province, -6.65: no match;
- a one-character typo in the same city with the same area code: 9.97 + 5.32 + 3.91 - 13.29 =
  +5.91 (p 0.98): a match; the typo alone, -3.32 (p 0.09): none;
- a company e-mail domain other than the account's website: -13.32 on its own: never a match.

Blocking (pairs ever compared): equal normalised names; the same e-mail domain and website;
the same city and the same first two characters of the name (typos further on).

Backends: Splink's DuckDB backend (an in-memory database fed from Arrow) on DuckDB workspaces;
on a Spark warehouse its Spark backend, in a session of its own on the warehouse's Spark.
Spark has Jaro-Winkler only from the Scala jar shipped in the Splink wheel, which the
warehouse adds to `spark.jars` when it starts Spark (`revlens.warehouse.spark`); in a session
without it the Jaro-Winkler level is left out (its pairs fall to `else`, and weights differ
from DuckDB's). The jar counts characters where DuckDB counts UTF-8 bytes, so names go to it
as bytes (`_arrow`), and it counts an odd number of out-of-order characters as half a
transposition where DuckDB rounds down: such a pair, rare, can fall on the other side of
0.9. Nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from revlens.errors import MissingExtra
from revlens.warehouse import Warehouse

PRIOR = 1 / 10_000                       # a random lead-account pair is a match
LEAD_COLUMNS = ("unique_id", "name_key", "name_head", "name_variants", "name_places", "city",
                "province", "phone_prefix", "phone_kind", "site")


@dataclass(frozen=True)
class Level:
    """One comparison level: its condition (`_l` lead, `_r` account; `kind` says which Splink
    level builds it) and its m and u."""

    label: str
    m: float
    u: float
    sql: str = ""
    kind: str = "custom"        # custom | typo | jaro_winkler | else

    @property
    def weight(self) -> float:
        return math.log2(self.m / self.u)


NAME_LEVELS = (
    Level("equal, name at one place", 0.80, 0.000005,
          '"name_key_l" = "name_key_r" AND "name_places_l" <= 1 AND "name_places_r" <= 1'),
    Level("equal, name at several places", 0.15, 0.00005, '"name_key_l" = "name_key_r"'),
    Level("one typo", 0.02, 0.00002, kind="typo"),
    Level("Jaro-Winkler >= 0.9", 0.01, 0.0002, kind="jaro_winkler"),
    Level("else", 0.02, 0.999725, kind="else"),
)
PLACE_LEVELS = (
    Level("same city", 0.80, 0.02, '"city_l" = "city_r"'),
    Level("same province, a city unknown", 0.15, 0.05,
          '"province_l" = "province_r" AND ("city_l" IS NULL OR "city_r" IS NULL)'),
    Level("same province, other city", 0.02, 0.03, '"province_l" = "province_r"'),
    Level("other province", 0.03, 0.90, kind="else"),
)
PHONE_LEVELS = (
    Level("same area or country code", 0.30, 0.02,
          '"phone_prefix_l" = "phone_prefix_r" AND "phone_kind_l" <> \'mobile\''),
    Level("same mobile prefix", 0.08, 0.06, '"phone_prefix_l" = "phone_prefix_r"'),
    Level("else", 0.62, 0.92, kind="else"),
)
SITE_LEVELS = (
    Level("same domain", 0.90, 0.0001, '"site_l" = "site_r"'),
    Level("else", 0.10, 0.9999, kind="else"),
)
COMPARISONS = {  # output column -> (column whose null makes the null level, levels)
    "name": ("name_key", NAME_LEVELS),
    "place": ("province", PLACE_LEVELS),
    "phone": ("phone_prefix", PHONE_LEVELS),
    "site": ("site", SITE_LEVELS),
}
BLOCKING = (("name_key",), ("site",), ("city", "name_head"))


_DIGITS = re.compile(r"\D+")
# mainland area codes of three digits (010, 020-029); the others have four
_SHORT_AREA = re.compile(r"^0(10|2\d)")


def phone_prefix(phone: str | None) -> tuple[str | None, str | None]:
    """(prefix, kind) of a phone number as written: a Chinese mobile's first three digits
    (`mobile`), a landline's area code (`area`: 010, 0755), else the country code of an
    international number (`country`: +852, +61). (None, None) when it is not a number."""
    if not phone:
        return None, None
    text = phone.strip()
    digits = _DIGITS.sub("", text)
    if text.startswith("+") or digits.startswith("00"):
        digits = digits.removeprefix("00")
        if not digits.startswith("86"):
            for size in (1, 2, 3):       # E.164 country codes are 1-3 digits; the table of
                code = digits[:size]     # them is long, the common ones suffice here
                if code in _COUNTRY_CODES:
                    return "+" + code, "country"
            return None, None
        digits = digits[2:]
        if not (len(digits) == 11 and digits.startswith("1")):
            digits = "0" + digits           # +86 10 ... is the landline 010 ...
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3], "mobile"
    if digits.startswith("0") and len(digits) >= 10:
        return digits[:3] if _SHORT_AREA.match(digits) else digits[:4], "area"
    return None, None


_COUNTRY_CODES = frozenset({
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "39", "41", "43", "44", "45", "46", "47",
    "48", "49", "52", "55", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "90",
    "91", "852", "853", "886", "971", "972", "966",
})


def name_variants(key: str | None) -> list[str] | None:
    """The name and each form of it with one character left out: two names share one exactly
    when they are one typo apart (a character changed, added, dropped, or two swapped).
    Characters, not bytes: DuckDB's `levenshtein` counts UTF-8 bytes, so one changed Chinese
    character costs 2 or 3 there. Names under four characters get no variants (one character
    of two or three is not a typo but another name)."""
    if not key:
        return None
    if len(key) < 4:
        return [key]
    return sorted({key} | {key[:i] + key[i + 1:] for i in range(len(key))})


def settings(fuzzy: bool = True) -> object:
    """The Splink model (a `SettingsCreator`: a description, run by a `Linker`). `fuzzy`
    False leaves out the Jaro-Winkler level (a Spark session without Splink's jar)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def level(column: str, lv: Level) -> object:
        if lv.kind == "else":
            built = cll.ElseLevel()
        elif lv.kind == "typo":
            built = cll.ArrayIntersectLevel("name_variants", 1)
        elif lv.kind == "jaro_winkler":
            built = cll.JaroWinklerLevel(column, 0.9)
        else:
            built = cll.CustomLevel(lv.sql, lv.label, base_dialect_str="duckdb")
        return built.configure(m_probability=lv.m, u_probability=lv.u, label_for_charts=lv.label)

    comparisons = []
    for output, (column, levels) in COMPARISONS.items():
        kept = [lv for lv in levels if fuzzy or lv.kind != "jaro_winkler"]
        comparisons.append(cl.CustomComparison(
            [cll.NullLevel(column), *[level(column, lv) for lv in kept]],
            output_column_name=output))
    return SettingsCreator(
        link_type="link_only", comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*cols) for cols in BLOCKING],
        probability_two_random_records_match=PRIOR, retain_matching_columns=False)


def score_pairs(wh: Warehouse, leads: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """(lead_id, account_id, match_weight, match_probability) of every blocked pair, sorted.

    `leads` and `accounts` carry LEAD_COLUMNS with `unique_id` the lead_id / account_id."""
    empty = pd.DataFrame({"lead_id": pd.Series([], dtype=object),
                          "account_id": pd.Series([], dtype=object),
                          "match_weight": pd.Series([], dtype="float64"),
                          "match_probability": pd.Series([], dtype="float64")})
    if leads.empty or accounts.empty:
        return empty
    from splink import Linker

    with _database_api(wh) as (db_api, fuzzy, by_character):
        tables = [db_api.register(_arrow(frame, by_character), table_name=f"__revlens_{name}",
                                  dataset_display_name=name)
                  for frame, name in ((leads, "leads"), (accounts, "accounts"))]
        linker = Linker(tables, settings(fuzzy), log_level=logging.WARNING)
        scored = linker.inference.predict(warning_mode="never").as_pyarrow_table().to_pandas()
    if scored.empty:
        return empty
    left_is_lead = scored["source_dataset_l"] == "leads"
    frame = pd.DataFrame({
        "lead_id": scored["unique_id_l"].where(left_is_lead, scored["unique_id_r"]),
        "account_id": scored["unique_id_r"].where(left_is_lead, scored["unique_id_l"]),
        "match_weight": scored["match_weight"].astype("float64").round(6),
        "match_probability": scored["match_probability"].astype("float64").round(6),
    })
    return frame.sort_values(["lead_id", "account_id"]).reset_index(drop=True)


def _arrow(frame: pd.DataFrame, by_character: bool) -> pa.Table:
    """The frame as Splink reads it. Where the backend's Jaro-Winkler counts characters
    (Spark's jar), `name_key` goes as its UTF-8 bytes, one character each (Latin-1), so that
    it gives DuckDB's similarity, which counts bytes: a Chinese name of four characters is 12
    bytes there, and 星帆科技 / 星帆科枝 come out 0.93 in bytes but 0.88 in characters. Equal
    names stay equal, so the other levels and the blocking do not change."""
    types = {"name_places": pa.int64(), "name_variants": pa.list_(pa.string())}
    schema = pa.schema([(c, types.get(c, pa.string())) for c in LEAD_COLUMNS])
    frame = frame[list(LEAD_COLUMNS)]
    if by_character:
        frame = frame.assign(name_key=frame["name_key"].str.encode("utf-8").str.decode(
            "latin-1"))
    return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)


@contextlib.contextmanager
def _database_api(wh: Warehouse) -> Iterator[tuple[object, bool, bool]]:
    """Splink's backend for the warehouse, whether Jaro-Winkler is available on it, and
    whether its Jaro-Winkler counts characters (DuckDB's counts UTF-8 bytes).

    On Spark, Splink runs in a session of its own on the warehouse's Spark (`newSession`:
    same cluster and settings, its own temporary views and functions), whose views, and the
    frames they cache, are dropped afterwards: Splink leaves some of its intermediate tables
    as temporary views, and in the warehouse's session they would be listed beside its
    tables."""
    session = getattr(wh, "session", None)
    if session is None:
        import duckdb
        from splink import DuckDBAPI

        con = duckdb.connect(":memory:")
        try:
            yield DuckDBAPI(con), True, False
        finally:
            con.close()
        return
    try:
        from splink import SparkAPI
    except ImportError:
        raise MissingExtra("account matching on Spark", "pip install 'revlens[spark]'") from None
    with_jar = "scala-udf-similarity" in session.conf.get("spark.jars", "")
    own = session.newSession()
    try:
        yield SparkAPI(spark_session=own, register_udfs_automatically=with_jar,
                       break_lineage_method="persist"), with_jar, True
    finally:
        for view in own.catalog.listTables():
            if view.isTemporary:
                own.catalog.dropTempView(view.name)
