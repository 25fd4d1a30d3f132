"""Dashboards people save from the report designer, in the app database (`dashboards`).

A user sees the shipped dashboards, their own and those others shared. Only a dashboard's owner
or an admin may change or delete it (an admin's save keeps the owner). A saved spec may only
use catalog metrics and dimensions and registered analyses: it is checked against the
workspace's catalog before it is stored, and the error names the unknown id and the valid ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import or_, select

from revlens.appdb import AppDB
from revlens.appdb.models import DashboardRecord
from revlens.dashboards.exceptions import DashboardError, NotAllowed, UnknownDashboard
from revlens.dashboards.shipped import shipped_dashboards
from revlens.dashboards.spec import Dashboard, Tier
from revlens.dashboards.validation import check_dashboard
from revlens.metrics.catalog import Catalog, Text

ADMIN = "admin"


class Viewer(Protocol):
    """Who is asking: an app user (`revlens.appdb.models.User`) or anything with these."""

    username: str
    role: str


class DashboardEntry(BaseModel):
    """One line of the dashboard list."""

    id: str
    label: Text
    description: Text
    tier: Tier
    owner: str | None
    shared: bool
    shipped: bool
    editable: bool
    tiles: int
    updated_at: datetime | None = None


def _entry(d: Dashboard, viewer: Viewer, shipped: bool,
           updated_at: datetime | None = None) -> DashboardEntry:
    return DashboardEntry(id=d.id, label=d.label, description=d.description, tier=d.tier,
                          owner=d.owner, shared=d.shared, shipped=shipped,
                          editable=not shipped and _may_change(viewer, d.owner),
                          tiles=len(d.tiles), updated_at=updated_at)


def _may_change(viewer: Viewer, owner: str | None) -> bool:
    return viewer.role == ADMIN or viewer.username == owner


def _visible(viewer: Viewer):
    if viewer.role == ADMIN:
        return select(DashboardRecord)
    return select(DashboardRecord).where(or_(DashboardRecord.owner == viewer.username,
                                             DashboardRecord.shared.is_(True)))


def _spec(record: DashboardRecord) -> Dashboard:
    return Dashboard.model_validate({**record.spec, "id": record.id, "owner": record.owner,
                                     "shared": record.shared, "tier": "custom"})


def visible_dashboards(appdb: AppDB, viewer: Viewer) -> list[DashboardEntry]:
    """The shipped dashboards (cockpit first), then the viewer's own and the shared ones."""
    entries = [_entry(d, viewer, True) for d in shipped_dashboards().values()]
    with appdb.session() as s:
        records = list(s.scalars(_visible(viewer).order_by(DashboardRecord.name,
                                                           DashboardRecord.id)))
    entries += [_entry(_spec(r), viewer, False, r.updated_at) for r in records]
    return entries


def get_dashboard(appdb: AppDB, dashboard_id: str, viewer: Viewer) -> Dashboard:
    """A dashboard the viewer may see (else UnknownDashboard listing those they may)."""
    shipped = shipped_dashboards()
    if dashboard_id in shipped:
        return shipped[dashboard_id]
    with appdb.session() as s:
        record = s.scalar(_visible(viewer).where(DashboardRecord.id == dashboard_id))
    if record is None:
        raise UnknownDashboard(dashboard_id, [e.id for e in visible_dashboards(appdb, viewer)])
    return _spec(record)


def save_dashboard(appdb: AppDB, dashboard: Dashboard, viewer: Viewer, catalog: Catalog,
                   create: bool = False) -> Dashboard:
    """Store a user dashboard (a new one, or a change to one the viewer may change). With
    `create`, an id that is taken is an error instead of an update."""
    if dashboard.id in shipped_dashboards():
        raise DashboardError(f"{dashboard.id!r} is a shipped dashboard; save your version "
                             "under another id")
    check_dashboard(dashboard, catalog)
    now = datetime.now(UTC)
    with appdb.session() as s:
        record = s.get(DashboardRecord, dashboard.id)
        if record is not None and create:
            raise DashboardError(f"a dashboard {dashboard.id!r} exists already; choose "
                                 "another id")
        if record is not None and not _may_change(viewer, record.owner):
            raise NotAllowed(dashboard.id, viewer.username,
                             f"it belongs to {record.owner} (only its owner or an admin "
                             "may change it)")
        owner = record.owner if record is not None else viewer.username
        saved = dashboard.model_copy(update={"owner": owner, "tier": "custom"})
        spec = saved.model_dump(mode="json", exclude={"id", "owner", "shared"})
        if record is None:
            s.add(DashboardRecord(id=saved.id, name=saved.label.zh, owner=owner,
                                  shared=saved.shared, spec=spec, created_at=now,
                                  updated_at=now))
        else:
            record.name, record.shared, record.spec = saved.label.zh, saved.shared, spec
            record.updated_at = now
    return saved


def delete_dashboard(appdb: AppDB, dashboard_id: str, viewer: Viewer) -> None:
    if dashboard_id in shipped_dashboards():
        raise NotAllowed(dashboard_id, viewer.username, "shipped dashboards cannot be deleted")
    with appdb.session() as s:
        record = s.get(DashboardRecord, dashboard_id)
        found = record is not None and (record.shared or _may_change(viewer, record.owner))
        if found and not _may_change(viewer, record.owner):
            raise NotAllowed(dashboard_id, viewer.username,
                             f"it belongs to {record.owner} (only its owner or an admin may "
                             "delete it)")
        if found:
            s.delete(record)
    if not found:
        raise UnknownDashboard(dashboard_id, [e.id for e in visible_dashboards(appdb, viewer)
                                              if e.editable])
