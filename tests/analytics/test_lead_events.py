"""lead_status_events: history where a lead has it, else derived from the lead's timestamps."""

from __future__ import annotations

from revlens.ingest.pipeline import import_file
from revlens.refresh import refresh
from revlens.workspace import Workspace


def test_refresh_builds_lead_status_events(tmp_path):
    root = tmp_path / "ws"
    Workspace.init(root, admin_password="s3cret-pass")
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "lead_id,created_at,status,mql_at,sql_at\n"
        "L1,2026-01-05 10:00,sql,2026-01-06 10:00,2026-01-08 10:00\n"   # derived: 3 events
        "L2,2026-01-05 11:00,mql,2026-01-07 09:00,\n",                  # has history instead
        encoding="utf-8")
    history = tmp_path / "history.csv"
    history.write_text("lead_id,status,changed_at,changed_by\n"
                       "L2,new,2026-01-05 11:00,u1\nL2,contacted,2026-01-06 09:00,u1\n"
                       "L2,mql,2026-01-07 09:00,u1\nL2,sql,2026-01-09 09:00,u1\n",
                       encoding="utf-8")
    with Workspace.open(root) as ws:
        import_file(ws, "leads", leads)
        import_file(ws, "lead_status_history", history)
        assert refresh(ws) == ["lead_status_events", "account_matches", "identity_map",
                               "attribution_credits",
                               "tags", "segment_members", "metric_models",
                               "forecast_snapshots"]
        events = ws.warehouse.table("lead_status_events")
        rows = ws.warehouse.to_arrow(events.order_by(["lead_id", "changed_at"]).select(
            "lead_id", "status", "source")).to_pylist()
    assert [(r["lead_id"], r["status"], r["source"]) for r in rows] == [
        ("L1", "new", "derived"), ("L1", "mql", "derived"), ("L1", "sql", "derived"),
        ("L2", "new", "history"), ("L2", "contacted", "history"), ("L2", "mql", "history"),
        ("L2", "sql", "history"),
    ]
