"""The REST endpoints under /api/v1/attribution, served by uvicorn on loopback and called with
httpx: the same figures as the Python runners, a login required, errors as HTTP statuses."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from revlens.attribution.api import attribution_router
from revlens.config import load_settings
from tests.conftest import ADMIN_PASSWORD
from tests.http_server import served


@pytest.fixture
def api(account_story, workspace_dir) -> Iterator[httpx.Client]:
    account_story.close()
    settings = load_settings(workspace_dir)
    app = FastAPI()
    app.include_router(attribution_router(lambda: settings))
    with served(app) as url, httpx.Client(base_url=url, auth=("admin", ADMIN_PASSWORD),
                                          timeout=30) as client:
        yield client


def test_report_matches_the_hand_computed_linear_credits(api):
    got = api.get("/api/v1/attribution", params={"model": "linear", "conversion": "won",
                                                   "by": "campaign"})
    assert got.status_code == 200, got.text
    body = got.json()
    rows = {r["key"]: r for r in body["rows"]}
    # O1's six touches: CMP_S twice (TA1, TA6), CMP_W once (TA2) -> 2/6 and 1/6 of 120,000;
    # O3 has no touch: its lead source campaign CMP_E takes all of its 30,000
    assert rows["CMP_S"]["amount"] == pytest.approx(40_000)
    assert rows["CMP_W"]["amount"] == pytest.approx(20_000)
    assert rows["CMP_E"]["amount"] == pytest.approx(30_000)
    assert rows["CMP_S"]["spend"] == 5_000 and rows["CMP_S"]["roas"] == pytest.approx(8.0)
    assert body["total_conversions"] == pytest.approx(2.0)
    assert body["total_amount"] == pytest.approx(150_000)


def test_data_driven_reports_carry_the_channel_model(api):
    markov = api.get("/api/v1/attribution", params={"model": "markov",
                                                     "conversion": "opportunity_created"})
    assert markov.status_code == 200, markov.text
    channels = {c["channel"]: c for c in markov.json()["channel_model"]["channels"]}
    assert set(channels) == {"paid_search", "paid_social", "webinar", "email", "event"}
    assert sum(c["share"] for c in channels.values()) == pytest.approx(1.0)
    assert all(c["removal_effect"] >= 0 for c in channels.values())
    linear = api.get("/api/v1/attribution", params={"model": "linear"}).json()
    assert linear["channel_model"] is None


def test_compare_paths_and_explain(api):
    compare = api.get("/api/v1/attribution/compare",
                      params={"conversion": "won", "by": "channel"}).json()
    assert "markov" in compare["models"] and "w_shaped" in compare["models"]
    paid = next(r for r in compare["rows"] if r["key"] == "paid_search")
    assert paid["models"]["last_touch"]["conversions"] == pytest.approx(1.0)   # TA6 closes O1
    paths = api.get("/api/v1/attribution/paths",
                    params={"conversion": "opportunity_created"}).json()
    assert {r["path"] for r in paths["rows"]} == {
        "paid_search > webinar > email > event", "paid_social > webinar > email",
        "paid_search > email"}
    explained = api.get("/api/v1/attribution/explain/O1", params={"conversion": "won"}).json()
    assert [t["touchpoint_id"] for t in explained["touches"]] == [
        "TA1", "TA2", "TA3", "TA4", "TA5", "TA6"]
    for model in ("linear", "u_shaped", "markov"):
        assert sum(t["credits"][model] for t in explained["touches"]) == pytest.approx(1.0)


def test_a_login_is_required(api):
    anonymous = httpx.get(f"{api.base_url}/api/v1/attribution")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    wrong = httpx.get(f"{api.base_url}/api/v1/attribution", auth=("admin", "not-the-password"))
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text


def test_bad_requests_name_what_to_change(api):
    unknown = api.get("/api/v1/attribution", params={"model": "gut_feeling"})
    assert unknown.status_code == 400 and "gut_feeling" in unknown.text
    bad_by = api.get("/api/v1/attribution", params={"by": "weather"})
    assert bad_by.status_code == 422 and "by" in bad_by.text
    missing = api.get("/api/v1/attribution/explain/O404", params={"conversion": "won"})
    assert missing.status_code == 400 and "O404" in missing.text
