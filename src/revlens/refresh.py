"""`revlens refresh`: rebuild every derived table. Step modules register themselves here."""

from __future__ import annotations

from collections.abc import Callable

from revlens.workspace import Workspace

STEP_MODULES = ("revlens.analytics.lead_events", "revlens.identity.companies",
                "revlens.identity.graph",
                "revlens.attribution.credits", "revlens.cdp.tags", "revlens.cdp.segments",
                "revlens.metrics.materialize",
                "revlens.analytics.forecast")
"""In the order they run: attribution reads the identity map, the metric models read the
attribution credits, the forecast reads the metric models."""


def refresh(ws: Workspace, progress: Callable[[str], None] | None = None) -> list[str]:
    """Run every registered refresh step, each in its own transaction; returns their names."""
    import importlib

    for module in STEP_MODULES:
        importlib.import_module(module)
    return ws.warehouse.refresh(progress=progress, order=STEP_MODULES)
