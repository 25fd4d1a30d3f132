"""Account matching on Spark: the Splink model weighs every lead–account pair as on DuckDB,
Jaro-Winkler included (from the jar the Splink wheel ships, which the warehouse puts on
`spark.jars`), and the refresh step writes the same `account_matches`.

The story is the one of tests/identity/test_companies.py, with three leads more, so that every
level of every comparison is met once; each weight is the sum of the log2 Bayes factors of
its levels (m / u of `company_linkage`) and the prior odds 1:9,999:

- M1 星帆科枝, 北京, 010: a typo, same city, same area code: +9.97 +5.32 +3.91 -13.29 = +5.91;
- M2 the same with a mobile: a typo, same city, phone else (-0.57): +1.43;
- M3 星帆科技 in 上海: a name seen at several places, other province: +11.55 -4.91 -13.29;
- M4 云舟软件, no place: the name, seen at one place only: +17.29 -13.29 = +4.00;
- M5 云舟软件系统, 杭州, 139...: Jaro-Winkler 0.93 (+5.64), same city, same mobile prefix
  (+0.42): -1.91, p 0.21: listed for review;
- M6 京东贸易 with B1's e-mail domain, 北京 without a city: name else (-5.64), same province
  and a city unknown (+1.58), same domain (+13.14): -4.21;
- M7 星帆科技 in 海淀 (北京) with another company domain: a name seen at several places, same
  province and another city (-0.58), domain else (-3.32): -5.65.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from revlens.identity.companies import (
    linkage_frame,
    match_inputs,
    refresh_account_matches,
)
from revlens.identity.company_linkage import PRIOR, score_pairs
from revlens.warehouse.spark import SparkWarehouse, _with_splink_jar
from revlens.workspace import Workspace
from tests.identity.test_companies import SPLINK_ACCOUNTS, SPLINK_CONTACTS, SPLINK_LEADS
from tests.ingest.support import load
from tests.spark.conftest import spark_overrides

pytestmark = [pytest.mark.spark, pytest.mark.slow]

LEADS = SPLINK_LEADS.rstrip() + """
M5,2026-03-01 10:00,m5@qq.com,13987654321,云舟软件系统,浙江,杭州
M6,2026-03-01 10:00,m6@bjxingfan.cn,,京东贸易,北京,
M7,2026-03-01 10:00,m7@xfkj.cn,,星帆科技,北京,海淀
"""
B = {  # log2 Bayes factor of each level met
    "name at one place": math.log2(0.8 / 0.000005), "name at places": math.log2(0.15 / 0.00005),
    "typo": math.log2(0.02 / 0.00002), "jaro-winkler": math.log2(0.01 / 0.0002),
    "name else": math.log2(0.02 / 0.999725),
    "same city": math.log2(0.8 / 0.02), "city unknown": math.log2(0.15 / 0.05),
    "other city": math.log2(0.02 / 0.03), "other province": math.log2(0.03 / 0.9),
    "area code": math.log2(0.3 / 0.02), "mobile prefix": math.log2(0.08 / 0.06),
    "phone else": math.log2(0.62 / 0.92),
    "same domain": math.log2(0.9 / 0.0001), "domain else": math.log2(0.1 / 0.9999),
}
PAIRS = {
    ("M1", "B1"): ("typo", "same city", "area code"),
    ("M2", "B1"): ("typo", "same city", "phone else"),
    ("M3", "B1"): ("name at places", "other province"),
    ("M4", "B2"): ("name at one place",),
    ("M5", "B2"): ("jaro-winkler", "same city", "mobile prefix"),
    ("M6", "B1"): ("name else", "city unknown", "same domain"),
    ("M7", "B1"): ("name at places", "other city", "domain else"),
}
WEIGHTS = {pair: sum(B[level] for level in levels) + math.log2(PRIOR / (1 - PRIOR))
           for pair, levels in PAIRS.items()}


def _loaded(ws_dir: Path, data: Path, **overrides: str) -> Workspace:
    Workspace.init(ws_dir, admin_password="spark-password-1", **overrides)
    ws = Workspace.open(ws_dir, **overrides)
    for entity, text in (("accounts", SPLINK_ACCOUNTS), ("contacts", SPLINK_CONTACTS),
                         ("leads", LEADS)):
        path = data / f"{entity}.csv"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        assert load(ws, entity, path).rejected == 0
    return ws


@pytest.fixture(scope="module")
def engines(spark_root, tmp_path_factory):
    """The story in a DuckDB workspace and in a Spark one."""
    data = tmp_path_factory.mktemp("matching-data")
    duck = _loaded(tmp_path_factory.mktemp("matching-duckdb") / "ws", data)
    spark = _loaded(spark_root / "matching", data, **spark_overrides("matching"))
    yield duck, spark
    duck.close()
    spark.close()


def scored(ws: Workspace):
    lead_rows, account_rows = match_inputs(ws.warehouse)
    return score_pairs(ws.warehouse, linkage_frame(lead_rows, "lead_id"),
                       linkage_frame(account_rows, "account_id"))


def test_the_warehouse_puts_splinks_jar_after_the_users_jars():
    jar = _with_splink_jar({})["spark.jars"]
    assert jar.endswith(".jar") and "scala-udf-similarity" in jar and Path(jar).is_file()
    assert _with_splink_jar({"spark.jars": "/opt/own.jar"}) == {
        "spark.jars": f"/opt/own.jar,{jar}"}
    assert _with_splink_jar({"spark.jars": f"/opt/own.jar,{jar}"}) == {}


def test_every_level_weighs_on_spark_as_worked_out_by_hand_and_as_on_duckdb(engines):
    duck, spark = engines
    assert isinstance(spark.warehouse, SparkWarehouse)
    assert "scala-udf-similarity" in spark.warehouse.session.conf.get("spark.jars")
    on_spark, on_duckdb = scored(spark), scored(duck)
    weights = {(r.lead_id, r.account_id): r.match_weight for r in on_spark.itertuples()}
    assert weights == pytest.approx(WEIGHTS, abs=1e-5)
    assert on_spark.equals(on_duckdb)
    for r in on_spark.itertuples():
        assert r.match_probability == pytest.approx(
            2 ** r.match_weight / (1 + 2 ** r.match_weight), abs=1e-6)
    # Splink's own tables and views stay out of the warehouse's session
    listed = [t.name for t in spark.warehouse.session.catalog.listTables()]
    assert "leads" in listed and not [t for t in listed if t.startswith("__")]


def test_the_refresh_step_writes_the_same_account_matches(engines):
    def matches(ws: Workspace) -> list[dict]:
        refresh_account_matches(ws.warehouse)
        rows = ws.warehouse.to_arrow(ws.warehouse.table("account_matches")).to_pylist()
        return sorted(rows, key=lambda r: (r["lead_id"], r["account_id"]))

    duck, spark = engines
    on_duckdb, on_spark = matches(duck), matches(spark)
    assert on_spark == on_duckdb
    got = {(r["lead_id"], r["account_id"]): (r["method"], r["status"]) for r in on_spark}
    assert got == {
        ("M1", "B1"): ("splink", "certain"),          # p 0.98
        ("M2", "B1"): ("splink", "uncertain"),        # p 0.73
        ("M3", "B1"): ("name", "uncertain"),
        ("M4", "B2"): ("name+splink", "certain"),     # p 0.94
        ("M5", "B2"): ("splink", "uncertain"),        # p 0.21, over the review threshold 0.2
        ("M6", "B1"): ("email_domain", "uncertain"),  # the rules' candidate, against its name
        ("M7", "B1"): ("name", "uncertain"),          # the rules' candidate, another city
    }
    assert {(r["lead_id"], r["account_id"]): r["match_weight"] for r in on_spark} == \
        pytest.approx(WEIGHTS, abs=1e-5)

