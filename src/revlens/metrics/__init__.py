"""The semantic layer: one definition per metric, compiled to Ibis, scoped per user.

    from revlens.metrics import MetricQuery, run_query
    with Workspace.open("~/revlens-demo", read_only=True) as ws:
        result = run_query(ws.warehouse, MetricQuery(metrics=["bookings", "win_rate"],
                                                     dimensions=["month"]))
"""

from revlens.metrics.catalog import Catalog, Metric
from revlens.metrics.compiler import run_query
from revlens.metrics.drill import drill
from revlens.metrics.query import DrillRequest, DrillResult, Filter, MetricQuery, MetricResult
from revlens.metrics.scope import Scope, resolve_scope

__all__ = ["Catalog", "DrillRequest", "DrillResult", "Filter", "Metric", "MetricQuery",
           "MetricResult", "Scope", "drill", "resolve_scope", "run_query"]
