"""Base models stored by refresh give the same numbers as built live, and are not read once an
import has changed the data they were built from."""

from __future__ import annotations

from revlens.metrics import MetricQuery, run_query
from revlens.metrics.materialize import fresh_models
from revlens.metrics.models import all_models
from revlens.refresh import refresh
from tests.ingest.support import load
from tests.metrics.story import load_story

QUERY = MetricQuery(metrics=["leads", "bookings", "win_rate", "open_pipeline", "spend", "nps",
                             "influenced_pipeline", "target_attainment", "collections"],
                    dimensions=["owner"])


def test_stored_models_match_live_ones_and_go_stale_on_import(workspace, tmp_path):
    load_story(workspace, tmp_path)
    wh = workspace.warehouse
    assert fresh_models(wh) == set()                     # nothing stored yet
    refresh(workspace)
    stored = {m.name for m in all_models().values() if m.materialise}
    assert fresh_models(wh) == stored and "customers" not in stored
    live = run_query(wh, QUERY, live=True).rows
    assert run_query(wh, QUERY).rows == live
    assert any(r["influenced_pipeline"] for r in live)
    extra = tmp_path / "more.csv"
    extra.write_text("lead_id,created_at,owner_id\nL9,2026-03-30 10:00,U2\n", encoding="utf-8")
    load(workspace, "leads", extra)
    assert fresh_models(wh) == set()                     # an import since: read live again
    after = {r["owner"]: r["leads"] for r in run_query(wh, QUERY).rows}
    assert after["U2"] == {r["owner"]: r["leads"] for r in live}["U2"] + 1
