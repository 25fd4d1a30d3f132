"""The same metric gives the same number through the Python API, the CLI and the REST API;
the REST API needs a login and measures within the logged-in user's scope."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import httpx
import pytest
from fastapi import FastAPI

from revlens.config import load_settings
from revlens.metrics import MetricQuery, run_query
from revlens.metrics.api import metrics_router
from tests.http_server import served
from tests.metrics.story import PASSWORD

QUERY = ["bookings", "win_rate", "collections", "--by", "month", "--from", "2026-04-01",
         "--to", "2026-05-31"]


@pytest.fixture
def app_db_url():
    return None


@pytest.fixture(scope="module")
def api(story_dir):
    settings = load_settings(story_dir)
    app = FastAPI()
    app.include_router(metrics_router(lambda: settings))
    with served(app) as url:
        yield url


def _python(story) -> list[dict]:
    return run_query(story.warehouse, MetricQuery(
        metrics=["bookings", "win_rate", "collections"], dimensions=["month"],
        date_from=date(2026, 4, 1), date_to=date(2026, 5, 31))).rows


def test_cli_json_and_csv_match_the_python_api(story, story_dir, cli):
    expected = _python(story)
    assert [r["month"] for r in expected] == ["2026-04", "2026-05"]
    got = cli("query", *QUERY, "--format", "json", "-w", str(story_dir))
    assert got.exit_code == 0, got.stderr
    assert json.loads(got.stdout) == expected
    table = cli("query", *QUERY, "--format", "csv", "-w", str(story_dir))
    rows = list(csv.DictReader(io.StringIO(table.stdout)))
    assert [float(r["bookings"]) for r in rows] == [r["bookings"] for r in expected]


def test_rest_api_matches_and_needs_a_login(story, api):
    expected = _python(story)
    params = {"metric": ["bookings", "win_rate", "collections"], "by": "month",
              "date_from": "2026-04-01", "date_to": "2026-05-31"}
    assert httpx.get(f"{api}/api/v1/metrics/query", params=params).status_code == 401
    wrong = httpx.get(f"{api}/api/v1/metrics/query", params=params, auth=("analyst", "nope!!!!"))
    assert wrong.status_code == 401
    got = httpx.get(f"{api}/api/v1/metrics/query", params=params, auth=("analyst", PASSWORD))
    assert got.status_code == 200, got.text
    assert got.json()["rows"] == expected


def test_rest_api_applies_the_users_scope_to_queries_and_drill_down(api):
    body = {"metrics": ["opportunities_created"], "dimensions": ["owner"]}
    rep = httpx.post(f"{api}/api/v1/metrics/query", json=body, auth=("zhangsan", PASSWORD))
    manager = httpx.post(f"{api}/api/v1/metrics/query", json=body, auth=("zhao", PASSWORD))
    assert [(r["owner"], r["opportunities_created"]) for r in rep.json()["rows"]] == [("U1", 2)]
    assert {r["owner"] for r in manager.json()["rows"]} == {"U1", "U2"}
    drilled = httpx.post(f"{api}/api/v1/metrics/drill", auth=("zhangsan", PASSWORD),
                         json={"metric": "new_pipeline", "where": {"owner": "U3"}})
    assert drilled.status_code == 200 and drilled.json()["total"] == 0
    mine = httpx.post(f"{api}/api/v1/metrics/drill", auth=("zhangsan", PASSWORD),
                      json={"metric": "new_pipeline"}).json()
    assert sorted(r["opportunity_id"] for r in mine["rows"]) == ["O1", "O4"]


def test_rest_api_catalog_and_errors(api):
    auth = ("analyst", PASSWORD)
    catalog = httpx.get(f"{api}/api/v1/metrics", params={"lang": "en"}, auth=auth).json()
    bookings = next(m for m in catalog if m["id"] == "bookings")
    assert bookings["label"] == "Bookings" and "month" in bookings["dimensions"]
    unknown = httpx.post(f"{api}/api/v1/metrics/query", json={"metrics": ["nope"]}, auth=auth)
    assert unknown.status_code == 400 and "unknown metric" in unknown.json()["detail"]
    bad = httpx.post(f"{api}/api/v1/metrics/query", json={"metrics": []}, auth=auth)
    assert bad.status_code == 422


def test_cli_errors_are_one_line(story_dir, cli):
    got = cli("query", "leads", "--by", "stage", "-w", str(story_dir))
    assert got.exit_code == 1 and "cannot be grouped" in got.stderr
    backwards = cli("query", "leads", "--from", "2026-05-01", "--to", "2026-04-01",
                    "-w", str(story_dir))
    assert backwards.exit_code == 1 and "is after" in backwards.stderr


def test_cli_drill_lists_the_records_and_prints_the_query(story_dir, cli):
    got = cli("drill", "bookings", "--where", "month=2026-04", "--from", "2026-04-01",
              "--to", "2026-04-30", "--format", "json", "-w", str(story_dir))
    assert got.exit_code == 0, got.stderr
    assert sorted(r["order_id"] for r in json.loads(got.stdout)) == ["SO1", "SO2", "SO3"]
    sql = cli("drill", "bookings", "--sql", "-w", str(story_dir))
    assert sql.stdout.lstrip().startswith("SELECT")
    rep = cli("query", "bookings", "--user", "zhangsan", "--format", "json",
              "-w", str(story_dir))
    assert json.loads(rep.stdout) == [{"bookings": 140_000}]
