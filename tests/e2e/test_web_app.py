"""The web app in Chromium on the tiny demo (README's `make demo`): log-in per role and what each
sees, the cockpit and every operations dashboard against the REST API, drill-down from the
funnel to a customer 360 page, cross-filtering from a table cell, the attribution switch, the
report designer, the language switch and the phone layout."""

from __future__ import annotations

from datetime import date

import pytest

from revlens.app.i18n import format_value

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PERIOD = (date(2026, 1, 1), date(2026, 10, 31))
"""The demo's last ten months: every test opens pages and asks the API for this period."""
OPERATIONS = ("events", "ads_web", "content", "sdr", "sales")


def _address(path: str, lang: str = "en") -> str:
    start, end = PERIOD
    return f"{path}?from={start}&to={end}&compare=previous_year&lang={lang}"


def _filters() -> dict:
    start, end = PERIOD
    return {"date_from": str(start), "date_to": str(end), "compare": "previous_year"}


def _loaded(page, timeout: float = 60_000) -> None:
    """Wait until no tile shows its loading skeleton."""
    page.get_by_test_id("tiles").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.q-skeleton').length === 0",
                           timeout=timeout)


def _kpi_texts(page, metric: str) -> str:
    return page.get_by_test_id(f"kpi-value-{metric}").first.inner_text().strip()


def _api_kpis(api, dashboard: str, tile: str) -> dict[str, tuple[float | None, str]]:
    body = api.post(f"/api/v1/dashboards/{dashboard}/tiles/{tile}?lang=en",
                    json={"filters": _filters()})
    assert body.status_code == 200, body.text
    return {k["metric"]: (k["value"], k["format"]) for k in body.json()["kpis"]}


def test_a_page_needs_a_log_in_and_a_wrong_password_is_refused(demo_server, browser):
    page = browser.new_page()
    page.goto(f"{demo_server.url}/d/sales")
    assert "/login" in page.url                              # sent to log in first
    page.get_by_test_id("login-username").fill("rep")
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("login-error").wait_for()
    assert "/login" in page.url


@pytest.mark.parametrize("username, sees_admin, sees_data", [
    ("admin", True, True), ("ceo", False, True), ("rep", False, False)])
def test_each_role_sees_what_it_may(demo_server, browser, username, sees_admin, sees_data):
    page = browser.new_page()
    demo_server.login(page, username)
    links = page.get_by_test_id("nav-drawer").text_content()    # every page the user may open
    assert ("Users" in links) == sees_admin
    assert ("Data" in links) == sees_data
    page.goto(f"{demo_server.url}/admin/users?lang=en")
    page.get_by_test_id("page-title").wait_for()
    assert page.get_by_test_id("forbidden").count() == (0 if sees_admin else 1)
    assert page.get_by_test_id("user-rep").count() == (1 if sees_admin else 0)
    page.goto(f"{demo_server.url}/workspace?lang=en")
    page.get_by_test_id("entity-table" if sees_data else "forbidden").wait_for()
    # the cockpit's bookings within the user's scope, as the API computes them for that user
    page.goto(demo_server.url + _address("/"))
    _loaded(page)
    with demo_server.api(username) as api:
        kpis = _api_kpis(api, "cockpit", "bookings")
    value, fmt = kpis["bookings"]
    assert _kpi_texts(page, "bookings") == format_value(value, fmt, "en", compact=True)


def test_a_rep_sees_less_than_the_executive(demo_server):
    with demo_server.api("ceo") as ceo, demo_server.api("rep") as rep:
        everyone = _api_kpis(ceo, "cockpit", "bookings")["bookings"][0]
        own = _api_kpis(rep, "cockpit", "bookings")["bookings"][0]
        assert 0 < own < everyone
        assert rep.get("/api/v1/users").status_code == 403


@pytest.mark.parametrize("dashboard", ["cockpit", *OPERATIONS])
def test_every_dashboard_loads_and_its_kpis_match_the_api(demo_server, browser, dashboard):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    demo_server.login(page, "ceo")
    page.goto(demo_server.url + _address("/" if dashboard == "cockpit" else f"/d/{dashboard}"))
    _loaded(page)
    assert page.get_by_test_id("tile-error").count() == 0
    assert page.get_by_test_id("error").count() == 0
    with demo_server.api("ceo") as api:
        spec = api.get(f"/api/v1/dashboards/{dashboard}").json()
        for tile in spec["tiles"]:
            page.get_by_test_id(f"tile-{tile['id']}").wait_for()
            if tile["kind"] != "kpi":
                continue
            for metric, (value, fmt) in _api_kpis(api, dashboard, tile["id"]).items():
                assert _kpi_texts(page, metric) == format_value(value, fmt, "en",
                                                                compact=True), metric
    assert page.locator("canvas").count() >= 1          # charts drawn


def _chart_id(page, tile: str) -> str:
    return page.get_by_test_id(f"chart-{tile}").get_attribute("id").removeprefix("c")


def test_drill_from_a_funnel_stage_to_a_customer_360_page(demo_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    demo_server.login(page, "ceo")
    page.goto(demo_server.url + _address("/"))
    _loaded(page)
    chart = page.get_by_test_id("chart-lead_funnel")
    chart.scroll_into_view_if_needed()
    element = _chart_id(page, "lead_funnel")
    # the middle of the funnel's first stage (all leads), from the chart's own layout
    x, y = page.evaluate("""(id) => {
        const chart = getElement(id).chart;
        const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
        const points = layout.points || layout;
        const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
        return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    }""", element)
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    dialog = page.get_by_test_id("drill-dialog")
    dialog.wait_for()
    page.get_by_test_id("drill").locator(".ag-row").first.wait_for()
    total = page.get_by_test_id("drill-total").inner_text()
    assert "of" in total
    link = page.get_by_test_id("drill").locator("a[href^='/customers/']").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    page.get_by_test_id("tab-timeline").wait_for()
    assert page.get_by_test_id("not-found").count() == 0
    assert page.get_by_test_id("attributes").count() == 1


def test_a_table_cell_cross_filters_the_other_tiles(demo_server, browser):
    """A cell of the cockpit's target-by-team table: the records behind its row and the
    button that filters the other tiles by the row's team, as a bar of that team would."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    demo_server.login(page, "ceo")
    page.goto(demo_server.url + _address("/"))
    _loaded(page)
    with demo_server.api("ceo") as api:
        rows = api.post("/api/v1/dashboards/cockpit/tiles/target_by_team?lang=en",
                        json={"filters": _filters()}).json()["rows"]
    index, team = next((i, r["team"]) for i, r in enumerate(rows) if r["team"])
    table = page.get_by_test_id("table-target_by_team")
    table.scroll_into_view_if_needed()
    row = table.locator(f".ag-center-cols-container .ag-row[row-index='{index}']")
    row.locator(".ag-cell").nth(1).click()                   # the row's bookings
    page.get_by_test_id("drill-dialog").wait_for()
    page.get_by_test_id("drill-total").wait_for()           # its records are listed
    assert team in page.get_by_test_id("drill-dialog").inner_text()
    page.get_by_test_id("cross-apply").click()
    chip = page.get_by_test_id("cross-team")
    chip.wait_for()
    assert team in chip.inner_text()
    _loaded(page)
    assert page.get_by_test_id("tile-error").count() == 0


def _ranking(page) -> list[str]:
    element = _chart_id(page, "attribution")
    return page.evaluate("""(id) => {
        const series = getElement(id).chart.getOption().series[0];
        return series.data.map((d, i) => [d.value || 0, Object.values(d.group)[0]])
                          .sort((a, b) => b[0] - a[0]).map(p => p[1]);
    }""", element)


def test_switching_the_attribution_model_changes_the_channel_ranking(demo_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    demo_server.login(page, "ceo")
    rankings = {}
    for model in ("first_touch", "last_touch"):
        page.goto(demo_server.url + _address("/") + f"&sw.attribution={model}")
        _loaded(page)
        rankings[model] = _ranking(page)
        with demo_server.api("ceo") as api:
            body = api.post("/api/v1/dashboards/cockpit/tiles/attribution?lang=en",
                            json={"filters": _filters(), "switch": model}).json()
        metric = body["metrics"][0]["id"]
        expected = sorted(body["rows"], key=lambda r: -(r[metric] or 0))
        assert rankings[model][:3] == [r["channel"] for r in expected][:3]
    assert rankings["first_touch"] != rankings["last_touch"]
    # the switch on the page: choosing another model redraws the tile
    page.get_by_test_id("switch-attribution").click()
    page.get_by_role("option", name="First touch").click()
    page.wait_for_function("() => document.querySelectorAll('.q-skeleton').length === 0")
    page.wait_for_timeout(500)
    assert _ranking(page) == rankings["first_touch"]


def test_build_and_save_a_report_in_the_designer(demo_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    demo_server.login(page, "marketing")
    page.goto(f"{demo_server.url}/designer?lang=en")
    page.get_by_test_id("designer-catalog").get_by_text("Marketing", exact=True).click()
    page.get_by_test_id("metric-leads").click()
    page.get_by_test_id("dimension-channel").click()
    page.get_by_test_id("designer-preview").wait_for()
    page.get_by_test_id("designer-filter").click()                  # only two channels
    page.get_by_role("option", name="Channel", exact=True).click()
    page.get_by_role("option", name="No filter").wait_for(state="hidden")  # that menu closed
    page.get_by_test_id("designer-filter-values").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    chosen = [options.nth(0).inner_text(), options.nth(1).inner_text()]
    options.nth(0).click()
    options.nth(1).click()
    page.keyboard.press("Escape")
    page.get_by_test_id("dashboard-name").fill("Leads by channel")
    page.get_by_test_id("designer-save").click()
    page.wait_for_url("**/d/marketing-*")
    _loaded(page)
    assert "Leads by channel" in page.get_by_test_id("page-title").inner_text()
    assert page.locator("canvas").count() == 1
    with demo_server.api("marketing") as api:
        mine = [d for d in api.get("/api/v1/dashboards").json() if d["owner"] == "marketing"]
        (tile,) = api.get(f"/api/v1/dashboards/{mine[0]['id']}").json()["tiles"]
    assert [d["label"]["en"] for d in mine] == ["Leads by channel"]
    assert tile["metrics"] == ["leads"] and tile["dimensions"] == ["channel"]
    assert sorted(tile["filters"][0]["values"]) == sorted(chosen)


def test_the_language_switch_and_the_phone_layout(demo_server, browser):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    demo_server.login(page, "sales_lead", lang="zh-CN")
    page.goto(demo_server.url + _address("/d/sales", lang="zh-CN"))
    _loaded(page)
    assert page.get_by_test_id("page-title").inner_text() == "销售效率"
    assert page.get_by_test_id("nav-menu").is_visible()        # the drawer button on a phone
    widths = page.evaluate("""() => [...document.querySelectorAll('[data-testid=tiles] > *')]
        .map(e => e.getBoundingClientRect().width)""")
    assert widths and min(widths) > 300                          # tiles stacked, full width
    page.screenshot(path=str(demo_server.workspace.parent / "phone.png"), full_page=True)
    page.get_by_test_id("switch-language").click()
    page.wait_for_url("**lang=en**")
    _loaded(page)
    assert page.get_by_test_id("page-title").inner_text() == "Sales efficiency"
    page.goto(f"{demo_server.url}/d/sales")                     # remembered for the user
    assert page.get_by_test_id("page-title").inner_text() == "Sales efficiency"
