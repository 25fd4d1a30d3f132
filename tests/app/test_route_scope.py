"""Every route under /api/v1, as `revlens serve` mounts them, called by the story's sales rep
zhangsan (staff U1, scope own) and by the analyst (scope all): the rep gets 403, or only what
is theirs, or what holds no business rows (the metric catalog, rule definitions).

`BEHAVIOUR` names the expected behaviour of each route; `test_no_route_is_left_out` fails when
a route is added without an entry here, so no new route can skip the row-level scope.

The story (tests/metrics/story.py): U1 owns leads L1 and L4, account A1 and opportunities O1
(¥100,000) and O4 (¥40,000); U2 owns L2, A3 and O3; U3 owns L3, L5, A2 and O2. Added for these
tests (`served_story` in conftest.py): the tag VIP by hand on accounts A1 and A2 and on the
people of L1 and L3, and the account segment 制造业客户 (industry 制造: A1 and A3).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.app.conftest import MANUFACTURING, api_app, api_routes, log_in
from tests.metrics.story import PASSWORD


@pytest.fixture(scope="module")
def rep(served_story) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served_story[0], timeout=60) as c:
        assert log_in(c, "zhangsan", PASSWORD).status_code == 200
        yield c


@pytest.fixture(scope="module")
def analyst(served_story) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served_story[0], timeout=60) as c:
        assert log_in(c, "analyst", PASSWORD).status_code == 200
        yield c


@pytest.fixture(scope="module")
def people(served_story) -> dict[str, str]:
    return served_story[1]


def ok(response: httpx.Response):
    assert response.status_code == 200, response.text
    return response.json()


# -- the expected behaviour of each route ---------------------------------------------------
def forbidden(method: str, path: str, body: dict | None = None) -> Callable:
    def check(rep, analyst, people):
        got = rep.request(method, path, json=body)
        assert got.status_code == 403, got.text
    return check


def same_for_all(path: str) -> Callable:
    """Definitions, not business records: the same for the rep as for the analyst."""
    def check(rep, analyst, people):
        assert ok(rep.get(path)) == ok(analyst.get(path))
    return check


def metrics_query_get(rep, analyst, people):
    params = {"metric": "opportunities_created", "by": "owner"}
    mine = ok(rep.get("/api/v1/metrics/query", params=params))["rows"]
    everyone = ok(analyst.get("/api/v1/metrics/query", params=params))["rows"]
    assert [(r["owner"], r["opportunities_created"]) for r in mine] == [("U1", 2)]
    assert {r["owner"] for r in everyone} == {"U1", "U2", "U3"}


def metrics_query_post(rep, analyst, people):
    body = {"metrics": ["leads", "bookings"], "dimensions": ["owner"]}
    mine = ok(rep.post("/api/v1/metrics/query", json=body))["rows"]
    everyone = ok(analyst.post("/api/v1/metrics/query", json=body))["rows"]
    assert {r["owner"] for r in mine} == {"U1"}
    assert {r["owner"] for r in everyone} >= {"U1", "U2", "U3"}


def metrics_dimension_values(rep, analyst, people):
    """A filter's choices: the rep is offered only themself; everyone's by their leads
    (U1: L1, L4; U3: L3, L5; U2: L2), most first."""
    url = "/api/v1/metrics/dimensions/owner/values"
    assert ok(rep.get(url))["values"] == ["U1"]
    assert ok(analyst.get(url))["values"] == ["U1", "U3", "U2"]
    assert rep.get("/api/v1/metrics/dimensions/colour/values").status_code == 400


def metrics_drill(rep, analyst, people):
    body = {"metric": "new_pipeline"}
    mine = ok(rep.post("/api/v1/metrics/drill", json=body))["rows"]
    everyone = ok(analyst.post("/api/v1/metrics/drill", json=body))["rows"]
    assert sorted((r["opportunity_id"], r["owner_id"]) for r in mine) == [("O1", "U1"),
                                                                         ("O4", "U1")]
    assert sorted(r["opportunity_id"] for r in everyone) == ["O1", "O2", "O3", "O4"]


def metrics_export(rep, analyst, people):
    def rows(client):
        got = client.post("/api/v1/metrics/export", params={"format": "csv"},
                          json={"metric": "new_pipeline"})
        assert got.status_code == 200, got.text
        return list(csv.DictReader(io.StringIO(got.content.decode("utf-8-sig"))))

    assert sorted((r["opportunity_id"], r["owner_id"]) for r in rows(rep)) == [("O1", "U1"),
                                                                             ("O4", "U1")]
    assert len(rows(analyst)) == 4


def attribution_report(rep, analyst, people):
    mine = ok(rep.get("/api/v1/attribution", params={"by": "campaign"}))
    everyone = ok(analyst.get("/api/v1/attribution", params={"by": "campaign"}))
    assert (mine["total_conversions"], mine["total_amount"], mine["total_spend"]) == (
        2.0, 140_000, 0.0)
    assert (everyone["total_conversions"], everyone["total_amount"]) == (4.0, 270_000)


def attribution_compare(rep, analyst, people):
    def linear(client):
        rows = ok(client.get("/api/v1/attribution/compare"))["rows"]
        return sum(r["models"]["linear"]["conversions"] for r in rows)

    assert (linear(rep), linear(analyst)) == (pytest.approx(2.0), pytest.approx(4.0))


def attribution_paths(rep, analyst, people):
    def converted(client):
        return sum(r["total_conversions"] for r in
                   ok(client.get("/api/v1/attribution/paths"))["rows"])

    assert (converted(rep), converted(analyst)) == (2.0, 3.0)   # O3 has no touch


def attribution_explain(rep, analyst, people):
    assert ok(rep.get("/api/v1/attribution/explain/O1"))["conversion_id"] == "O1"
    theirs = rep.get("/api/v1/attribution/explain/O2")
    assert theirs.status_code == 400 and "'O2'" in theirs.text
    assert ok(analyst.get("/api/v1/attribution/explain/O2"))["amount"] == 50_000


def person_profile(rep, analyst, people):
    mine = ok(rep.get(f"/api/v1/profiles/person/{people['L1']}"))
    assert {o["owner_id"] for o in mine["opportunities"]} == {"U1"}
    assert rep.get(f"/api/v1/profiles/person/{people['L3']}").status_code == 404
    assert ok(analyst.get(f"/api/v1/profiles/person/{people['L3']}"))["people"]


def account_profile(rep, analyst, people):
    mine = ok(rep.get("/api/v1/profiles/account/A1"))
    assert sorted(o["opportunity_id"] for o in mine["opportunities"]) == ["O1", "O4"]
    assert {o["owner_id"] for o in mine["opportunities"]} == {"U1"}
    assert rep.get("/api/v1/profiles/account/A2").status_code == 404
    assert ok(analyst.get("/api/v1/profiles/account/A2"))["account_id"] == "A2"


def tag_members(rep, analyst, people):
    def members(client, level):
        rows = ok(client.get("/api/v1/tags/VIP/members", params={"level": level}))
        return sorted(r[f"{level}_id"] for r in rows)

    assert members(rep, "account") == ["A1"]
    assert members(analyst, "account") == ["A1", "A2"]
    assert members(rep, "person") == [people["L1"]]
    assert members(analyst, "person") == sorted([people["L1"], people["L3"]])


def segment_preview(rep, analyst, people):
    body = {"level": "account", "condition": MANUFACTURING}
    assert ok(rep.post("/api/v1/segments/preview", json=body))["count"] == 1        # A1
    assert ok(analyst.post("/api/v1/segments/preview", json=body))["count"] == 2    # A1, A3


def segment_compare(rep, analyst, people):
    mine = ok(rep.get("/api/v1/segments/制造业客户/compare"))
    everyone = ok(analyst.get("/api/v1/segments/制造业客户/compare"))
    # the rep sees one account (A1, in the segment) and its deals O1 and O4 only
    assert (mine["segment_figures"]["members"], mine["rest"]["members"]) == (1, 0)
    assert mine["segment_figures"]["closed_deals"] == 2
    assert (everyone["segment_figures"]["members"], everyone["rest"]["members"]) == (2, 1)


def log_in_self(rep, analyst, people):
    with httpx.Client(base_url=rep.base_url) as fresh:
        assert ok(log_in(fresh, "zhangsan", PASSWORD))["username"] == "zhangsan"


def me(rep, analyst, people):
    assert ok(rep.get("/api/v1/auth/me"))["username"] == "zhangsan"
    assert ok(analyst.get("/api/v1/auth/me"))["username"] == "analyst"


def change_me(rep, analyst, people):
    assert ok(rep.patch("/api/v1/auth/me", json={"locale": "en"}))["username"] == "zhangsan"
    assert ok(analyst.get("/api/v1/auth/me"))["locale"] is None


def change_password(rep, analyst, people):
    """Only your own password, and only with it: the body names no user."""
    wrong = rep.post("/api/v1/auth/password", json={"old_password": "not-mine-at-all",
                                                    "new_password": "another-one-1"})
    assert wrong.status_code == 400
    assert ok(analyst.get("/api/v1/auth/me"))["username"] == "analyst"


APRIL = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
LEADS_BY_STATUS = {"id": "by_status", "label": {"zh": "按状态", "en": "By status"},
                   "kind": "pie", "metrics": ["leads"], "dimensions": ["status"]}


def dashboard(dashboard_id: str, shared: bool = False) -> dict:
    return {"id": dashboard_id, "label": {"zh": "我的线索", "en": "My leads"},
            "tiles": [LEADS_BY_STATUS], "shared": shared}


def dashboard_list(rep, analyst, people):
    """Shipped, own and shared dashboards: the analyst's private one is not the rep's."""
    assert analyst.post("/api/v1/dashboards", json=dashboard("analyst-list")).status_code == 201
    try:
        mine = {d["id"] for d in ok(rep.get("/api/v1/dashboards"))}
        theirs = {d["id"] for d in ok(analyst.get("/api/v1/dashboards"))}
        assert theirs - mine == {"analyst-list"}
    finally:
        analyst.delete("/api/v1/dashboards/analyst-list")


def dashboard_spec(rep, analyst, people):
    assert ok(rep.get("/api/v1/dashboards/cockpit")) == ok(
        analyst.get("/api/v1/dashboards/cockpit"))
    assert analyst.post("/api/v1/dashboards", json=dashboard("analyst-spec")).status_code == 201
    try:
        assert rep.get("/api/v1/dashboards/analyst-spec").status_code == 404
    finally:
        analyst.delete("/api/v1/dashboards/analyst-spec")


def dashboard_tile(rep, analyst, people):
    url, body = "/api/v1/dashboards/cockpit/tiles/bookings", {"filters": APRIL}
    # April bookings: SO1 ¥100,000 and SO2 ¥40,000 (U1's deals), SO3 ¥20,000 (U3's account)
    assert ok(rep.post(url, json=body))["kpis"][0]["value"] == 140_000
    assert ok(analyst.post(url, json=body))["kpis"][0]["value"] == 160_000


def dashboard_drill(rep, analyst, people):
    url = "/api/v1/dashboards/cockpit/tiles/bookings/drill"
    body = {"filters": APRIL, "metric": "bookings"}
    assert sorted(r["order_id"] for r in ok(rep.post(url, json=body))["rows"]) == ["SO1",
                                                                                  "SO2"]
    assert len(ok(analyst.post(url, json=body))["rows"]) == 3


def dashboard_preview(rep, analyst, people):
    tile = {**LEADS_BY_STATUS, "id": "preview", "kind": "bar", "dimensions": ["owner"]}
    def owners(client):
        return {r["owner"] for r in ok(client.post("/api/v1/dashboards/preview",
                                                   json={"tile": tile}))["rows"]}
    assert (owners(rep), owners(analyst)) == ({"U1"}, {"U1", "U2", "U3"})


def dashboard_create(rep, analyst, people):
    made = rep.post("/api/v1/dashboards", json=dashboard("rep-create"))
    assert made.status_code == 201 and made.json()["owner"] == "zhangsan"
    try:
        assert analyst.get("/api/v1/dashboards/rep-create").status_code == 404
        tile = ok(rep.post("/api/v1/dashboards/rep-create/tiles/by_status", json={}))
        assert {r["status"]: r["leads"] for r in tile["rows"]} == {"new": 1, "converted": 1}
    finally:
        rep.delete("/api/v1/dashboards/rep-create")


def dashboard_change(rep, analyst, people):
    assert analyst.post("/api/v1/dashboards", json=dashboard("analyst-put")).status_code == 201
    try:
        taken = rep.put("/api/v1/dashboards/analyst-put", json=dashboard("analyst-put"))
        assert taken.status_code in (403, 404), taken.text
        assert rep.put("/api/v1/dashboards/cockpit", json=dashboard("cockpit")
                       ).status_code == 400
    finally:
        analyst.delete("/api/v1/dashboards/analyst-put")


def dashboard_delete(rep, analyst, people):
    assert analyst.post("/api/v1/dashboards", json=dashboard("analyst-del")).status_code == 201
    try:
        assert rep.delete("/api/v1/dashboards/analyst-del").status_code in (403, 404)
        assert analyst.get("/api/v1/dashboards/analyst-del").status_code == 200
    finally:
        analyst.delete("/api/v1/dashboards/analyst-del")


def lead_pool(rep, analyst, people):
    params = {"as_of": "2026-04-01T00:00:00+08:00"}      # open then: L2 (U2's), L4 (U1's)
    assert [x["lead_id"] for x in ok(rep.get("/api/v1/leads/pool", params=params))["leads"]
            ] == ["L4"]
    assert sorted(x["lead_id"] for x in ok(analyst.get("/api/v1/leads/pool", params=params))[
        "leads"]) == ["L2", "L4"]


BEHAVIOUR: dict[tuple[str, str], Callable] = {
    ("GET", "/api/v1/metrics"): same_for_all("/api/v1/metrics"),
    ("GET", "/api/v1/metrics/query"): metrics_query_get,
    ("POST", "/api/v1/metrics/query"): metrics_query_post,
    ("GET", "/api/v1/metrics/dimensions/{dimension}/values"): metrics_dimension_values,
    ("POST", "/api/v1/metrics/drill"): metrics_drill,
    ("POST", "/api/v1/metrics/export"): metrics_export,
    ("GET", "/api/v1/attribution"): attribution_report,
    ("GET", "/api/v1/attribution/compare"): attribution_compare,
    ("GET", "/api/v1/attribution/paths"): attribution_paths,
    ("GET", "/api/v1/attribution/explain/{conversion_id}"): attribution_explain,
    ("GET", "/api/v1/profiles/person/{key}"): person_profile,
    ("GET", "/api/v1/profiles/account/{account_id}"): account_profile,
    ("GET", "/api/v1/tags"): same_for_all("/api/v1/tags"),
    ("PUT", "/api/v1/tags/{name}"): forbidden("PUT", "/api/v1/tags/VIP", {
        "level": "account", "condition": MANUFACTURING}),
    ("GET", "/api/v1/tags/{name}/members"): tag_members,
    ("GET", "/api/v1/segments"): same_for_all("/api/v1/segments"),
    ("PUT", "/api/v1/segments/{name}"): forbidden("PUT", "/api/v1/segments/mine", {
        "level": "account", "condition": MANUFACTURING}),
    ("POST", "/api/v1/segments/preview"): segment_preview,
    ("GET", "/api/v1/segments/{name}/compare"): segment_compare,
    ("GET", "/api/v1/workspace"): forbidden("GET", "/api/v1/workspace"),
    ("POST", "/api/v1/auth/login"): log_in_self,
    ("GET", "/api/v1/auth/me"): me,
    ("PATCH", "/api/v1/auth/me"): change_me,
    ("POST", "/api/v1/auth/password"): change_password,
    ("GET", "/api/v1/users"): forbidden("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"): forbidden("POST", "/api/v1/users", {
        "username": "mole", "password": "long-enough-1", "role": "admin"}),
    ("PATCH", "/api/v1/users/{username}"): forbidden("PATCH", "/api/v1/users/zhangsan", {
        "scope": "all"}),
    ("POST", "/api/v1/users/{username}/password"): forbidden(
        "POST", "/api/v1/users/analyst/password", {"password": "taken-over-1"}),
    ("GET", "/api/v1/audit"): forbidden("GET", "/api/v1/audit"),
    ("GET", "/api/v1/dashboards"): dashboard_list,
    ("GET", "/api/v1/dashboards/catalog"): same_for_all("/api/v1/dashboards/catalog"),
    ("GET", "/api/v1/dashboards/{dashboard_id}"): dashboard_spec,
    ("POST", "/api/v1/dashboards/{dashboard_id}/tiles/{tile_id}"): dashboard_tile,
    ("POST", "/api/v1/dashboards/{dashboard_id}/tiles/{tile_id}/drill"): dashboard_drill,
    ("POST", "/api/v1/dashboards/preview"): dashboard_preview,
    ("POST", "/api/v1/dashboards"): dashboard_create,
    ("PUT", "/api/v1/dashboards/{dashboard_id}"): dashboard_change,
    ("DELETE", "/api/v1/dashboards/{dashboard_id}"): dashboard_delete,
    ("GET", "/api/v1/leads/pool"): lead_pool,
}


def test_no_route_is_left_out():
    """Every /api/v1 route of the served app has an expected behaviour above."""
    app = api_app(lambda: None)
    routes = api_routes(app)
    documented = {(method.upper(), path) for path, item in app.openapi()["paths"].items()
                  if path.startswith("/api/v1") for method in item}
    assert documented and documented <= routes          # the walk finds every route
    assert routes - set(BEHAVIOUR) == set(), "new routes: say how each is scoped"
    assert set(BEHAVIOUR) - routes == set(), "routes gone: remove them here"


@pytest.mark.parametrize("route", list(BEHAVIOUR), ids=[f"{m} {p}" for m, p in BEHAVIOUR])
def test_the_rep_gets_403_or_only_their_own_rows(route, rep, analyst, people):
    BEHAVIOUR[route](rep, analyst, people)


def test_every_route_needs_a_login(served_story):
    """Without a session or credentials, every /api/v1 route but the log-in answers 401."""
    url = served_story[0]
    with httpx.Client(base_url=url) as anonymous:
        for method, path in BEHAVIOUR:
            if path == "/api/v1/auth/login":
                continue
            concrete = path.format(conversion_id="O1", key="L1", account_id="A1", name="VIP",
                                   username="zhangsan", dashboard_id="cockpit",
                                   tile_id="bookings", dimension="owner")
            body = {} if method in ("POST", "PUT", "PATCH") else None
            got = anonymous.request(method, concrete, json=body)
            assert got.status_code == 401, (method, path, got.status_code)
