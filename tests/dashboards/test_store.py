"""Dashboards saved from the report designer, on SQLite and on PostgreSQL: who sees them, who
may change them, and specs that may only use the catalog."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from revlens.dashboards.exceptions import DashboardError, NotAllowed, UnknownDashboard
from revlens.dashboards.spec import Dashboard
from revlens.dashboards.store import (
    delete_dashboard,
    get_dashboard,
    save_dashboard,
    visible_dashboards,
)
from revlens.metrics import Catalog

SHIPPED = ["cockpit", "events", "ads_web", "content", "sdr", "sales"]


@dataclass
class Person:
    username: str
    role: str


ANNA, BEN, ADMIN = Person("anna", "marketing"), Person("ben", "sales_rep"), \
    Person("admin", "admin")


def mine(shared: bool = False, metric: str = "leads") -> Dashboard:
    return Dashboard.model_validate({
        "id": "anna-leads", "label": {"zh": "我的线索", "en": "My leads"}, "shared": shared,
        "tiles": [{"id": "by_channel", "label": {"zh": "各渠道线索", "en": "Leads by channel"},
                   "kind": "bar", "metrics": [metric], "dimensions": ["channel"],
                   "width": 12},
                  {"id": "total", "label": {"zh": "线索数", "en": "Leads"}, "kind": "kpi",
                   "metrics": ["leads"], "compare": True, "width": 3}]})



def test_a_saved_dashboard_round_trips_and_is_seen_by_its_owner(workspace):
    db, catalog = workspace.appdb, Catalog.load()
    saved = save_dashboard(db, mine(), ANNA, catalog, create=True)
    assert saved.owner == "anna" and saved.tier == "custom"
    assert get_dashboard(db, "anna-leads", ANNA) == saved
    listed = visible_dashboards(db, ANNA)
    assert [e.id for e in listed] == [*SHIPPED, "anna-leads"]
    entry = listed[-1]
    assert (entry.owner, entry.shared, entry.shipped, entry.editable, entry.tiles) == \
        ("anna", False, False, True, 2)
    assert all(e.shipped and not e.editable for e in listed[:-1])
    assert [e.id for e in visible_dashboards(db, BEN)] == SHIPPED    # not shared
    with pytest.raises(UnknownDashboard, match="dashboards you can see: cockpit"):
        get_dashboard(db, "anna-leads", BEN)


def test_sharing_and_who_may_change_or_delete(workspace):
    db, catalog = workspace.appdb, Catalog.load()
    save_dashboard(db, mine(shared=True), ANNA, catalog)
    assert get_dashboard(db, "anna-leads", BEN).owner == "anna"      # shared: seen
    assert not visible_dashboards(db, BEN)[-1].editable
    with pytest.raises(NotAllowed, match="it belongs to anna"):
        save_dashboard(db, mine(shared=False), BEN, catalog)
    with pytest.raises(NotAllowed, match="only its owner or an admin may delete it"):
        delete_dashboard(db, "anna-leads", BEN)
    renamed = mine(shared=True).model_copy(update={"label": mine().label.model_copy(
        update={"en": "Anna's leads"})})
    by_admin = save_dashboard(db, renamed, ADMIN, catalog)
    assert by_admin.owner == "anna"                                  # an admin keeps the owner
    assert get_dashboard(db, "anna-leads", ANNA).label.en == "Anna's leads"
    with pytest.raises(DashboardError, match="exists already"):
        save_dashboard(db, mine(), ANNA, catalog, create=True)
    delete_dashboard(db, "anna-leads", ANNA)
    assert [e.id for e in visible_dashboards(db, ANNA)] == SHIPPED
    with pytest.raises(UnknownDashboard):
        delete_dashboard(db, "anna-leads", ANNA)


def test_only_catalog_metrics_and_dimensions_may_be_saved(workspace):
    db, catalog = workspace.appdb, Catalog.load()
    with pytest.raises(DashboardError, match=r"unknown metric 'leadz' \(did you mean leads"):
        save_dashboard(db, mine(metric="leadz"), ANNA, catalog)
    wrong_dimension = mine().model_dump()
    wrong_dimension["tiles"][0]["dimensions"] = ["stage"]
    with pytest.raises(DashboardError, match="cannot be grouped or filtered by 'stage'; "
                                             "dimensions they share: .*lead_age"):
        save_dashboard(db, Dashboard.model_validate(wrong_dimension), ANNA, catalog)
    no_analysis = mine().model_dump()
    no_analysis["tiles"][0] = {"id": "x", "label": {"zh": "x", "en": "x"}, "kind": "table",
                               "analysis": "crystal_ball"}
    with pytest.raises(DashboardError, match="unknown analysis 'crystal_ball'; analyses: "
                                             "lead_funnel, pipeline_funnel"):
        save_dashboard(db, Dashboard.model_validate(no_analysis), ANNA, catalog)
    with pytest.raises(DashboardError, match="'cockpit' is a shipped dashboard"):
        save_dashboard(db, mine().model_copy(update={"id": "cockpit"}), ADMIN, catalog)
    assert [e.id for e in visible_dashboards(db, ANNA)] == SHIPPED    # nothing was stored


