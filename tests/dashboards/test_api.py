"""The REST API of dashboards and of the lead pool, on a real server: the same numbers as the
Python API, within the logged-in user's scope, with personal data masked for users without the
permission, and user dashboards only changed by their owners."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from revlens.config import load_settings
from revlens.dashboards import GlobalFilters, run_tile, shipped_dashboards
from revlens.dashboards.api import dashboards_router
from tests.http_server import served
from tests.metrics.story import PASSWORD

APRIL = {"date_from": "2026-04-01", "date_to": "2026-04-30", "compare": "previous_period"}
SHIPPED = ["cockpit", "events", "ads_web", "content", "sdr", "sales"]
ANALYST, REP, OTHER_REP, ADMIN = (("analyst", PASSWORD), ("zhangsan", PASSWORD),
                                  ("lisi", PASSWORD), ("admin", PASSWORD))


@pytest.fixture(scope="module")
def api(dash_story_dir):
    settings = load_settings(dash_story_dir)
    app = FastAPI()
    app.include_router(dashboards_router(lambda: settings))
    with served(app) as url:
        yield url


def test_the_dashboards_you_can_see_and_their_specs(api, dash_story):
    assert httpx.get(f"{api}/api/v1/dashboards").status_code == 401
    listed = httpx.get(f"{api}/api/v1/dashboards", auth=ANALYST)
    assert listed.status_code == 200, listed.text
    assert [d["id"] for d in listed.json()] == SHIPPED
    assert listed.json()[0]["label"] == {"en": "Executive cockpit", "zh": "战略驾驶舱"}
    spec = httpx.get(f"{api}/api/v1/dashboards/cockpit", auth=REP).json()
    assert spec == shipped_dashboards()["cockpit"].model_dump(mode="json")
    missing = httpx.get(f"{api}/api/v1/dashboards/nowhere", auth=REP)
    assert missing.status_code == 404 and "cockpit" in missing.json()["detail"]


def test_a_tile_in_the_users_scope(api, dash_story):
    body = {"filters": APRIL}
    url = f"{api}/api/v1/dashboards/cockpit/tiles/bookings"
    analyst = httpx.post(url, json=body, auth=ANALYST).json()
    expected = run_tile(dash_story.warehouse, shipped_dashboards()["cockpit"], "bookings",
                        GlobalFilters(**APRIL))
    assert analyst["kpis"] == [k.model_dump() for k in expected.kpis]
    assert analyst["kpis"][0]["value"] == 160_000
    rep = httpx.post(url, json=body, auth=REP).json()
    assert rep["kpis"][0]["value"] == 140_000 and rep["scope"].startswith("own records of U1")
    en = httpx.post(url, params={"lang": "en"}, json=body, auth=REP).json()
    assert en["title"] == "Bookings"
    switched = httpx.post(f"{api}/api/v1/dashboards/cockpit/tiles/attribution", auth=ANALYST,
                          json={"filters": {}, "switch": "last_touch"}).json()
    assert switched["rows"][0]["channel"] == "email"
    wrong = httpx.post(f"{api}/api/v1/dashboards/cockpit/tiles/attribution", auth=ANALYST,
                       json={"switch": "wishful"})
    assert wrong.status_code == 200 and "choose one of: first_touch" in wrong.json()["error"]
    assert httpx.post(f"{api}/api/v1/dashboards/cockpit/tiles/nothing", auth=ANALYST,
                      json=body).status_code == 404
    accuracy = httpx.post(f"{api}/api/v1/dashboards/cockpit/tiles/forecast_accuracy",
                          auth=REP, json=body).json()
    assert "whole company" in accuracy["error"]


def test_drill_down_and_the_designers_preview(api):
    drilled = httpx.post(f"{api}/api/v1/dashboards/cockpit/tiles/sourced_vs_influenced/drill",
                         auth=REP, json={"where": {"channel": "paid_search"},
                                         "metric": "sourced_pipeline"})
    assert drilled.status_code == 200, drilled.text
    assert [r["opportunity_id"] for r in drilled.json()["rows"]] == ["O1"]   # L1's deal
    tile = {"id": "preview", "label": {"zh": "线索", "en": "Leads"}, "kind": "bar",
            "metrics": ["leads", "mqls"], "dimensions": ["channel"]}
    preview = httpx.post(f"{api}/api/v1/dashboards/preview", auth=ANALYST,
                         json={"tile": tile, "filters": {"date_from": "2026-03-01",
                                                         "date_to": "2026-03-31"}})
    assert preview.status_code == 200, preview.text
    assert {r["channel"]: (r["leads"], r["mqls"]) for r in preview.json()["rows"]} == {
        "event": (2, 1), "paid_search": (2, 2)}
    catalog = httpx.get(f"{api}/api/v1/dashboards/catalog", params={"lang": "en"},
                        auth=ANALYST).json()
    metrics = {m["id"]: m for g in catalog["metrics"] for m in g["metrics"]}
    assert metrics["idle_leads"]["label"] == "Leads idle over 3 days"
    assert "lead_age" in metrics["idle_leads"]["dimensions"]
    assert "attribution_model" in metrics["attributed_pipeline"]["params"]
    assert {a["id"] for a in catalog["analyses"]} >= {"lead_funnel", "forecast", "lead_pool"}
    assert "heatmap" in catalog["kinds"] and "markov" in catalog["parameters"][
        "attribution_model"]


def test_saving_changing_and_deleting_a_dashboard(api):
    spec = {"id": "zhangsan-leads", "label": {"zh": "我的线索", "en": "My leads"},
            "tiles": [{"id": "by_status", "label": {"zh": "按状态", "en": "By status"},
                       "kind": "pie", "metrics": ["leads"], "dimensions": ["status"]}]}
    made = httpx.post(f"{api}/api/v1/dashboards", json=spec, auth=REP)
    assert made.status_code == 201, made.text
    assert made.json()["owner"] == "zhangsan" and made.json()["tier"] == "custom"
    assert httpx.get(f"{api}/api/v1/dashboards/zhangsan-leads", auth=OTHER_REP
                     ).status_code == 404
    tile = httpx.post(f"{api}/api/v1/dashboards/zhangsan-leads/tiles/by_status", auth=REP,
                      json={}).json()
    assert {r["status"]: r["leads"] for r in tile["rows"]} == {"new": 1, "converted": 1}
    shared = httpx.put(f"{api}/api/v1/dashboards/zhangsan-leads", auth=REP,
                       json={**spec, "shared": True})
    assert shared.status_code == 200 and shared.json()["shared"] is True
    seen = httpx.post(f"{api}/api/v1/dashboards/zhangsan-leads/tiles/by_status",
                      auth=OTHER_REP, json={}).json()
    assert {r["status"]: r["leads"] for r in seen["rows"]} == {"mql": 1}   # lisi's own
    refused = httpx.put(f"{api}/api/v1/dashboards/zhangsan-leads", auth=OTHER_REP, json=spec)
    assert refused.status_code == 403 and "belongs to zhangsan" in refused.json()["detail"]
    assert httpx.delete(f"{api}/api/v1/dashboards/zhangsan-leads", auth=OTHER_REP
                        ).status_code == 403
    bad = {**spec, "id": "bad", "tiles": [{**spec["tiles"][0], "metrics": ["leadz"]}]}
    rejected = httpx.post(f"{api}/api/v1/dashboards", json=bad, auth=REP)
    assert rejected.status_code == 400 and "unknown metric 'leadz'" in rejected.text
    assert httpx.delete(f"{api}/api/v1/dashboards/zhangsan-leads", auth=REP
                        ).status_code == 204
    assert [d["id"] for d in httpx.get(f"{api}/api/v1/dashboards", auth=REP).json()] == \
        SHIPPED


def test_the_lead_pool_scoped_filtered_and_masked(api):
    url = f"{api}/api/v1/leads/pool"
    as_of = {"as_of": "2026-04-01T00:00:00+08:00"}
    everyone = httpx.get(url, params=as_of, auth=ADMIN).json()
    # open on 1 April: L2 (MQL, last touch 3 March), L4 (new, never touched)
    assert [(lead["lead_id"], lead["status"]) for lead in everyone["leads"]] == [
        ("L2", "mql"), ("L4", "new")]
    assert everyone["total"] == 2 and everyone["idle"] == 2
    assert everyone["by_status"] == {"mql": 1, "new": 1}
    assert everyone["leads"][0]["email"] == "l2@example.cn"          # admins see personal data
    mine = httpx.get(url, params=as_of, auth=REP).json()
    assert [lead["lead_id"] for lead in mine["leads"]] == ["L4"]
    assert mine["leads"][0]["email"] == "l***@example.cn"
    assert mine["leads"][0]["lead_age"] == "7-30d"
    assert mine["leads"][0]["age_days"] == pytest.approx(11 + 14 / 24)   # since 20 March 10:00
    young = httpx.get(url, params={**as_of, "age": ["<1d", "1-3d"]}, auth=ADMIN).json()
    assert young["total"] == 0
    converted = httpx.get(url, params={**as_of, "status": "converted"}, auth=ADMIN).json()
    assert sorted(lead["lead_id"] for lead in converted["leads"]) == ["L1", "L3"]
    assert converted["idle"] == 0                    # not open, so never idle
    paged = httpx.get(url, params={**as_of, "limit": 1, "offset": 1}, auth=ADMIN).json()
    assert [lead["lead_id"] for lead in paged["leads"]] == ["L4"] and paged["total"] == 2
    assert httpx.get(url).status_code == 401
