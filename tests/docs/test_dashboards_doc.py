"""docs/dashboards.md says what the code does: its table lists the shipped dashboards, its
example is a dashboard the designer may save and that runs, and its routes exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from revlens.dashboards import GlobalFilters, run_dashboard, shipped_dashboards
from revlens.dashboards.api import dashboards_router
from revlens.dashboards.spec import Dashboard
from revlens.dashboards.validation import check_dashboard
from revlens.metrics import Catalog
from tests.docs.support import code_blocks

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "dashboards.md").read_text(encoding="utf-8")


def test_the_table_lists_every_shipped_dashboard():
    listed = re.findall(r"^\| `([a-z_]+)` ", DOC, flags=re.M)
    assert listed == list(shipped_dashboards())
    for d in shipped_dashboards().values():
        assert f"`{d.id}` {d.label.zh} | {d.tier} |" in DOC


def test_the_example_is_a_dashboard_that_saves_and_runs(story):
    (example,) = code_blocks(DOC, "yaml")
    dashboard = Dashboard.model_validate(yaml.safe_load(example))
    check_dashboard(dashboard, Catalog.load())
    results = run_dashboard(story.warehouse, dashboard, GlobalFilters())
    assert [r.error for r in results] == [None, None]
    assert {r["channel"] for r in results[0].rows} == {"paid_search", "event"}


def test_the_routes_exist():
    router = dashboards_router(lambda: None)
    routes = {(m, r.path) for r in router.routes for m in r.methods}
    (block,) = code_blocks(DOC, "text")
    for line in block.splitlines():
        for method, path in re.findall(r"(GET|POST|PUT|DELETE)\s+(\S+)", line):
            path = path.split("?")[0]
            known = {p for m, p in routes if m == method}
            pattern = [re.sub(r"\{[^}]+\}", "[^/]+", p) for p in known]
            assert any(re.fullmatch(p, path) for p in pattern), (method, path)
