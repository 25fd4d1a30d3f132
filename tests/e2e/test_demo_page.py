"""README's demo command brings the app up with the demo data: the data page in Chromium and
the workspace API show the generated row counts."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_data_page_shows_entities_with_demo_row_counts(demo_server, browser):
    manifest = json.loads((demo_server.workspace / "demo-data" / "manifest.json").read_text())
    page = browser.new_page()
    demo_server.login(page, "admin")
    page.goto(f"{demo_server.url}/workspace?lang=en")
    table = page.get_by_test_id("entity-table")
    table.wait_for()
    shown = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        shown[cells[0].strip()] = int(cells[1].replace(",", ""))
    for entity in ("users", "accounts", "leads", "opportunities", "touchpoints"):
        assert shown[entity] == manifest["rows"][entity], entity
    imports = page.get_by_test_id("imports-table")
    assert "touchpoints" in imports.inner_text()
    assert "completed" in imports.inner_text()


def test_api_lists_the_same_counts(demo_server):
    manifest = json.loads((demo_server.workspace / "demo-data" / "manifest.json").read_text())
    with demo_server.api("admin") as api:
        body = api.get("/api/v1/workspace").json()
    counts = {e["entity"]: e["rows"] for e in body["entities"]}
    assert counts["leads"] == manifest["rows"]["leads"]
    assert body["total_rows"] == sum(counts.values())
