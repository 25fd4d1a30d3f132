"""The demo generator: complete, consistent, reproducible data whose planted effects are real.

The small scale is generated once for the module; every check recomputes its figure from the CSV
files themselves (with DuckDB, the way an analyst would) and compares it with the planted truth.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from revlens.contract.entities import ENTITIES
from revlens.demo.generate import generate
from revlens.demo.schema import IMPORT_ORDER

# (child entity, child column, parent entity, parent column): every non-empty child value exists
FOREIGN_KEYS = [
    ("accounts", "owner_id", "users", "user_id"),
    ("contacts", "account_id", "accounts", "account_id"),
    ("campaigns", "owner_id", "users", "user_id"),
    ("content", "campaign_id", "campaigns", "campaign_id"),
    ("ad_spend", "campaign_id", "campaigns", "campaign_id"),
    ("touchpoints", "campaign_id", "campaigns", "campaign_id"),
    ("touchpoints", "content_id", "content", "content_id"),
    ("touchpoints", "lead_id", "leads", "lead_id"),
    ("touchpoints", "contact_id", "contacts", "contact_id"),
    ("leads", "campaign_id", "campaigns", "campaign_id"),
    ("leads", "owner_id", "users", "user_id"),
    ("leads", "account_id", "accounts", "account_id"),
    ("leads", "contact_id", "contacts", "contact_id"),
    ("leads", "opportunity_id", "opportunities", "opportunity_id"),
    ("lead_status_history", "lead_id", "leads", "lead_id"),
    ("opportunities", "account_id", "accounts", "account_id"),
    ("opportunities", "owner_id", "users", "user_id"),
    ("opportunities", "lead_id", "leads", "lead_id"),
    ("opportunity_stage_history", "opportunity_id", "opportunities", "opportunity_id"),
    ("quotes", "opportunity_id", "opportunities", "opportunity_id"),
    ("orders", "account_id", "accounts", "account_id"),
    ("orders", "opportunity_id", "opportunities", "opportunity_id"),
    ("payments", "order_id", "orders", "order_id"),
    ("activities", "user_id", "users", "user_id"),
    ("activities", "opportunity_id", "opportunities", "opportunity_id"),
    ("tickets", "account_id", "accounts", "account_id"),
    ("nps_responses", "account_id", "accounts", "account_id"),
    ("users", "manager_id", "users", "user_id"),
]

# Columns outside the contract, on purpose: an import keeps them in the row's `extra` JSON
EXTRA_COLUMNS = {"accounts": {"unified_social_credit_code"}, "contacts": {"is_decision_maker"},
                 "campaigns": {"utm_campaign"}, "leads": {"lead_score_vendor"}}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo-small")
    generate(out, "small", seed=42)
    return out


@pytest.fixture(scope="module")
def db(small: Path):
    con = duckdb.connect()
    for entity in IMPORT_ORDER:
        con.read_csv(str(small / f"{entity}.csv"), header=True,
                     all_varchar=True).to_table(entity)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth(small: Path) -> dict:
    return json.loads((small / "truth.json").read_text(encoding="utf-8"))


def scalar(con, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


def test_every_entity_file_with_its_contract_columns(small: Path, db) -> None:
    manifest = json.loads((small / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["import_order"] == list(IMPORT_ORDER)
    assert set(IMPORT_ORDER) == set(ENTITIES)
    for entity in IMPORT_ORDER:
        columns = [r[0] for r in db.execute(f"DESCRIBE {entity}").fetchall()]
        extra = set(columns) - set(ENTITIES[entity].column_names) - {"updated_at"}
        assert extra <= EXTRA_COLUMNS.get(entity, set()), entity
        assert set(ENTITIES[entity].key) <= set(columns), entity
        assert scalar(db, f"SELECT count(*) FROM {entity}") == manifest["rows"][entity] > 0


def test_sizes_match_the_small_scale(db) -> None:
    touchpoints = scalar(db, "SELECT count(*) FROM touchpoints")
    assert 285_000 <= touchpoints <= 315_000          # "about 300k touchpoints"
    assert scalar(db, "SELECT count(*) FROM leads") == 20_000
    assert scalar(db, "SELECT count(*) FROM accounts") == 3_000


@pytest.mark.parametrize("entity", IMPORT_ORDER)
def test_natural_keys_are_unique(db, entity: str) -> None:
    key = ", ".join(ENTITIES[entity].key)
    duplicates = scalar(db, f"SELECT count(*) FROM (SELECT {key} FROM {entity} "
                            f"GROUP BY {key} HAVING count(*) > 1)")
    assert duplicates == 0


@pytest.mark.parametrize(("child", "column", "parent", "parent_column"), FOREIGN_KEYS,
                         ids=[f"{c}.{col}" for c, col, _, _ in FOREIGN_KEYS])
def test_references_resolve(db, child: str, column: str, parent: str,
                            parent_column: str) -> None:
    dangling = db.execute(
        f"SELECT DISTINCT c.{column} FROM {child} c ANTI JOIN {parent} p "
        f"ON c.{column} = p.{parent_column} WHERE c.{column} IS NOT NULL LIMIT 5").fetchall()
    assert dangling == []


def test_totals_in_truth_match_the_files(db, truth: dict) -> None:
    totals = truth["totals"]
    for entity, rows in totals["rows"].items():
        assert scalar(db, f"SELECT count(*) FROM {entity}") == rows
    assert scalar(db, "SELECT count(*) FROM opportunities WHERE is_won = 'true'") \
        == totals["won_opportunities"]
    bookings = scalar(db, "SELECT sum(amount::DECIMAL(18,2)) FROM opportunities "
                          "WHERE is_won = 'true'")
    assert float(bookings) == pytest.approx(totals["bookings"], abs=0.005)
    # every won deal has an order for the same amount
    orders = scalar(db, "SELECT sum(amount::DECIMAL(18,2)) FROM orders "
                        "WHERE opportunity_id IS NOT NULL AND type = 'new'")
    assert orders is None or float(orders) <= totals["orders_amount"]
    net = scalar(db, "SELECT sum(amount::DECIMAL(18,2)) FROM payments")
    assert float(net) == pytest.approx(totals["payments_net"], abs=0.005)
    by_status = dict(db.execute("SELECT status, count(*) FROM leads GROUP BY 1").fetchall())
    assert by_status == totals["leads_by_status"]
    by_type = dict(db.execute("SELECT type, count(*) FROM touchpoints GROUP BY 1").fetchall())
    assert by_type == totals["touchpoints_by_type"]
    spend = dict(db.execute(
        "SELECT platform || '/' || currency, round(sum(cost::DECIMAL(18,2)), 2) "
        "FROM ad_spend GROUP BY 1").fetchall())
    assert {k: float(v) for k, v in spend.items()} == pytest.approx(totals["ad_spend_cost"])


def test_stage_histories_are_ordered_and_end_at_the_current_stage(db) -> None:
    mismatched = scalar(db, """
        SELECT count(*) FROM opportunities o JOIN (
            SELECT opportunity_id, arg_max(stage, entered_at::TIMESTAMP) AS last_stage
            FROM opportunity_stage_history GROUP BY 1) h USING (opportunity_id)
        WHERE h.last_stage <> o.stage""")
    assert mismatched == 0
    closed_before_created = scalar(db, "SELECT count(*) FROM opportunities "
                                       "WHERE closed_at::TIMESTAMP < created_at::TIMESTAMP")
    assert closed_before_created == 0


def test_planted_slow_rep_is_in_the_stage_history(db, truth: dict) -> None:
    """Days in the solution stage (to the next stage), median per rep: the planted rep's is
    about 2.5x everyone else's."""
    planted = truth["effects"]["slow_rep_stage"]
    rows = db.execute("""
        WITH h AS (
            SELECT opportunity_id, stage, entered_at::TIMESTAMP AS t,
                   lead(entered_at::TIMESTAMP) OVER (PARTITION BY opportunity_id
                                                     ORDER BY entered_at::TIMESTAMP) AS t_next
            FROM opportunity_stage_history)
        SELECT o.owner_id = ? AS is_rep,
               median(date_diff('second', h.t, h.t_next) / 86400.0) AS days, count(*) AS n
        FROM h JOIN opportunities o USING (opportunity_id)
        WHERE h.stage = ? AND h.t_next IS NOT NULL
        GROUP BY 1""", [planted["user_id"], planted["stage"]]).fetchall()
    days = {is_rep: d for is_rep, d, _ in rows}
    deals = {is_rep: n for is_rep, _, n in rows}
    assert deals[True] >= 30 and deals[False] >= 500
    ratio = days[True] / days[False]
    assert ratio == pytest.approx(planted["realized"]["ratio"], rel=0.02)
    assert 1.8 < ratio < 3.5


def test_planted_fast_segment_closes_faster(db, truth: dict) -> None:
    planted = truth["effects"]["fast_segment"]
    rows = dict(db.execute("""
        SELECT a.is_specialized = 'true',
               median(date_diff('second', o.created_at::TIMESTAMP, o.closed_at::TIMESTAMP)
                      / 86400.0)
        FROM opportunities o JOIN accounts a USING (account_id)
        WHERE o.is_won = 'true' AND o.type = 'new_business'
        GROUP BY 1""").fetchall())
    ratio = rows[True] / rows[False]
    assert ratio == pytest.approx(planted["realized"]["ratio"], rel=0.02)
    assert 0.55 < ratio < 0.85


def test_planted_webinar_lift_is_visible_in_win_rates(db, truth: dict) -> None:
    """Accounts whose contacts attended a webinar before the deal was created win more often.
    Attendance is matched to contacts by e-mail (case-insensitive) or phone digits, as the
    generator's truth describes; the recomputed win rates agree with the truth file."""
    planted = truth["effects"]["webinar_win_lift"]
    rates = dict(db.execute("""
        WITH people AS (
            SELECT account_id, lower(email) AS email,
                   right(regexp_replace(phone, '[^0-9]', '', 'g'), 11) AS phone
            FROM contacts),
        attended AS (
            SELECT DISTINCT p.account_id, t.occurred_at::TIMESTAMP AS at
            FROM touchpoints t JOIN people p
              ON lower(t.email) = p.email
              OR right(regexp_replace(t.phone, '[^0-9]', '', 'g'), 11) = p.phone
            WHERE t.type = 'webinar_attend'),
        deals AS (
            SELECT o.opportunity_id, o.is_won = 'true' AS won,
                   EXISTS (SELECT 1 FROM attended a WHERE a.account_id = o.account_id
                           AND a.at < o.created_at::TIMESTAMP) AS touched
            FROM opportunities o
            WHERE o.type = 'new_business' AND o.stage IN ('won', 'lost'))
        SELECT touched, avg(won::INT) FROM deals GROUP BY 1""").fetchall())
    realized = planted["realized"]
    assert rates[True] == pytest.approx(realized["touched_win_rate"], abs=0.03)
    assert rates[False] == pytest.approx(realized["untouched_win_rate"], abs=0.03)
    assert rates[True] / rates[False] > 1.4


def test_people_recur_across_identifiers(db, truth: dict) -> None:
    """The truth's examples are real: the same person's leads share the e-mail or phone."""
    for example in truth["identity"]["examples"][:6]:
        leads = db.execute("SELECT email, phone FROM leads WHERE list_contains(?, lead_id)",
                           [example["lead_ids"]]).fetchall()
        assert len(leads) == len(example["lead_ids"])
        for email, phone in leads:
            same_email = email is not None and email.lower() == (example["email"] or "").lower()
            digits = "".join(ch for ch in (phone or "") if ch.isdigit())
            same_phone = example["phone_e164"] is not None and digits.endswith(
                example["phone_e164"].lstrip("+")[-9:])
            assert same_email or same_phone, (example, email, phone)
    assert truth["identity"]["persons_with_multiple_leads"] > 0


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    generate(tmp_path / "a", "tiny", seed=7)
    generate(tmp_path / "b", "tiny", seed=7)
    generate(tmp_path / "c", "tiny", seed=8)
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert a["touchpoints.csv"] != c["touchpoints.csv"]


def test_ad_exports_and_messy_files_are_written(small: Path) -> None:
    manifest = json.loads((small / "manifest.json").read_text(encoding="utf-8"))
    platforms = {Path(p).name.rsplit("_", 1)[0] for p in manifest["ad_exports"]}
    assert platforms == {"baidu", "tencent", "oceanengine", "google_ads"}
    for relative in manifest["ad_exports"] + manifest["messy"]:
        assert (small / relative).stat().st_size > 0


def test_unknown_scale_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown demo scale 'huge'"):
        generate(tmp_path, "huge")
