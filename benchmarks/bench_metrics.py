"""The executive cockpit's query set through the metric layer, against the same queries written
by hand in DuckDB SQL.

Input: the demo at the run's scale, imported and refreshed (attribution credits), cached in the
data folder. Fifteen queries, each what a cockpit tile asks over the demo's last twelve months
(bookings and collections by month, win rate by quarter, attainment and open pipeline by team,
the lead funnel by channel, spend and cost per lead, influenced pipeline, new vs returning
revenue, NPS and CSAT ...). Each is run through `run_query` (catalog, base models — the ones
`refresh` stored —, row-level scope `all`, the compiler) and as one hand-written SQL statement
that computes the same numbers, checked equal on the first run. Figures per query: the first run
(the compiler builds and compiles the plan; the SQL is parsed and planned), then p50 and p95
over the runs (the compiled plan is cached and prepared in the warehouse, as it is for a
dashboard opened again). The ratio is RevLens' time over the SQL's (target: within 1.2x); the
latency targets are p95 under 1 s on `medium` and under 3 s on `large`.
"""

from __future__ import annotations

import math
import statistics
import time
from datetime import date
from pathlib import Path

from benchmarks.bench_attribution import demo_workspace
from benchmarks.registry import Figure, RunContext, benchmark

NAME = "cockpit"
PEER = "hand-written DuckDB SQL"
DIFFERENT = "DIFFERENT RESULT"
DATE_FROM, DATE_TO = date(2025, 11, 1), date(2026, 10, 31)
MONTH = "strftime(date_trunc('month', {c} + INTERVAL (480) MINUTE), '%Y-%m')"
QUARTER = ("strftime(date_trunc('quarter', {c} + INTERVAL (480) MINUTE), '%Y') || '-Q' || "
           "CAST(quarter({c} + INTERVAL (480) MINUTE) AS VARCHAR)")
IN_RANGE = "{c} >= $lo AND {c} < $hi"
WON = "(coalesce(o.is_won, false) OR o.stage = 'won')"
CLOSED = f"({WON} OR o.stage = 'lost' OR o.closed_at IS NOT NULL)"
OWNER_TEAM = """
  LEFT JOIN opportunities d ON d.opportunity_id = s.opportunity_id
  LEFT JOIN accounts a ON a.account_id = s.account_id
  LEFT JOIN users u ON u.user_id = coalesce(d.owner_id, a.owner_id)"""

# (name, metrics, dimensions, hand-written SQL giving the same columns)
QUERIES: list[tuple[str, list[str], list[str], str]] = [
    ("bookings by month", ["bookings"], ["month"],
     f"SELECT {MONTH.format(c='signed_at')} AS month, sum(amount) AS bookings FROM orders "
     f"WHERE {IN_RANGE.format(c='signed_at')} GROUP BY 1"),
    ("collections by month", ["collections"], ["month"],
     f"SELECT {MONTH.format(c='paid_at')} AS month, sum(amount) AS collections FROM payments "
     f"WHERE {IN_RANGE.format(c='paid_at')} GROUP BY 1"),
    ("new pipeline by month", ["opportunities_created", "new_pipeline"], ["month"],
     f"SELECT {MONTH.format(c='created_at')} AS month, count(*) AS opportunities_created, "
     f"sum(amount) AS new_pipeline FROM opportunities WHERE {IN_RANGE.format(c='created_at')} "
     "GROUP BY 1"),
    ("win rate by quarter", ["won_deals", "win_rate"], ["quarter"],
     f"SELECT {QUARTER.format(c='o.closed_at')} AS quarter, count(*) FILTER ({WON}) AS won_deals, "
     f"count(*) FILTER ({WON}) / count(*) FILTER ({CLOSED}) AS win_rate FROM opportunities o "
     f"WHERE {IN_RANGE.format(c='o.closed_at')} GROUP BY 1"),
    ("attainment by team", ["bookings", "target_attainment"], ["team"],
     "WITH b AS (SELECT u.team, sum(s.amount) AS bookings FROM orders s" + OWNER_TEAM +
     f" WHERE {IN_RANGE.format(c='s.signed_at')} GROUP BY 1), "
     "p AS (SELECT user_id, value, CASE WHEN period LIKE '%Q%' THEN 3 WHEN length(period) = 4 "
     "THEN 12 ELSE 1 END AS months, CASE WHEN period LIKE '%Q%' THEN make_date(CAST(left(period,"
     " 4) AS INT), (CAST(right(period, 1) AS INT) - 1) * 3 + 1, 1) WHEN length(period) = 4 THEN "
     "make_date(CAST(period AS INT), 1, 1) ELSE CAST(period || '-01' AS DATE) END AS first "
     "FROM targets WHERE metric = 'bookings' AND user_id IS NOT NULL "
     "QUALIFY months = min(months) OVER (PARTITION BY user_id, left(period, 4))), "
     "t AS (SELECT u.team, sum(p.value / p.months) AS target FROM p, range(12) AS r(k) "
     "JOIN users u ON u.user_id = p.user_id WHERE k < p.months AND "
     "CAST(p.first + to_months(CAST(k AS INT)) AS DATE) BETWEEN $dlo AND $dhi GROUP BY 1) "
     "SELECT coalesce(b.team, t.team) AS team, coalesce(b.bookings, 0) AS bookings, "
     "coalesce(b.bookings, 0) / t.target AS target_attainment "
     "FROM b FULL JOIN t ON b.team IS NOT DISTINCT FROM t.team"),
    ("gross margin rate", ["gross_margin_rate"], [],
     "SELECT sum(amount - cost) FILTER (cost IS NOT NULL) / sum(amount) FILTER "
     f"(cost IS NOT NULL) AS gross_margin_rate FROM orders WHERE {IN_RANGE.format(c='signed_at')}"),
    ("open pipeline by team", ["open_pipeline"], ["team"],
     "SELECT u.team, sum(o.amount) AS open_pipeline FROM opportunities o LEFT JOIN users u "
     f"ON u.user_id = o.owner_id WHERE o.created_at < $hi AND ((o.closed_at IS NULL AND NOT "
     f"{CLOSED}) OR o.closed_at >= $hi) GROUP BY 1"),
    ("leads and MQLs by month", ["leads", "mqls"], ["month"],
     f"WITH l AS (SELECT {MONTH.format(c='created_at')} AS month, count(*) AS leads FROM leads "
     f"WHERE {IN_RANGE.format(c='created_at')} GROUP BY 1), "
     f"m AS (SELECT {MONTH.format(c='mql_at')} AS month, count(*) AS mqls FROM leads "
     f"WHERE {IN_RANGE.format(c='mql_at')} GROUP BY 1) "
     "SELECT coalesce(l.month, m.month) AS month, coalesce(leads, 0) AS leads, "
     "coalesce(mqls, 0) AS mqls FROM l FULL JOIN m ON l.month = m.month"),
    ("lead to MQL rate by channel", ["leads", "lead_to_mql_rate"], ["channel"],
     "SELECT source_channel AS channel, count(*) AS leads, count(*) FILTER (mql_at IS NOT NULL)"
     f" / count(*) AS lead_to_mql_rate FROM leads WHERE {IN_RANGE.format(c='created_at')} "
     "GROUP BY 1"),
    ("sales cycle by team", ["sales_cycle_days"], ["team"],
     "SELECT u.team, avg((epoch(o.closed_at) - epoch(o.created_at)) / 86400.0) AS "
     "sales_cycle_days FROM opportunities o LEFT JOIN users u ON u.user_id = o.owner_id "
     f"WHERE {IN_RANGE.format(c='o.closed_at')} AND {WON} GROUP BY 1"),
    ("spend and cost per lead by channel", ["spend", "cpl"], ["channel"],
     "WITH ads AS (SELECT s.date AS day, coalesce(s.campaign_id, c.campaign_id) AS campaign_id, "
     "CAST(s.cost AS DOUBLE) AS cost FROM ad_spend s LEFT JOIN campaigns c ON "
     "c.name = s.campaign_name AND c.platform = s.platform), "
     "rows AS (SELECT * FROM ads UNION ALL SELECT coalesce(start_date, end_date), campaign_id, "
     "CAST(cost AS DOUBLE) FROM campaigns WHERE cost IS NOT NULL), "
     "sp AS (SELECT c.channel, sum(r.cost) AS spend FROM rows r LEFT JOIN campaigns c "
     "ON c.campaign_id = r.campaign_id WHERE r.day BETWEEN $dlo AND $dhi GROUP BY 1), "
     "ld AS (SELECT source_channel AS channel, count(*) AS leads FROM leads "
     f"WHERE {IN_RANGE.format(c='created_at')} GROUP BY 1) "
     "SELECT coalesce(sp.channel, ld.channel) AS channel, coalesce(spend, 0) AS spend, "
     "coalesce(spend, 0) / nullif(leads, 0) AS cpl FROM sp FULL JOIN ld "
     "ON sp.channel IS NOT DISTINCT FROM ld.channel"),
    ("influenced pipeline by channel", ["influenced_pipeline"], ["channel"],
     "SELECT channel, sum(a) AS influenced_pipeline FROM (SELECT channel, conversion_id, "
     "max(CASE WHEN credit > 0 THEN amount_credit / credit ELSE 0 END) AS a FROM "
     "attribution_credits WHERE model = 'linear' AND conversion_type = 'opportunity_created' "
     f"AND {IN_RANGE.format(c='converted_at')} GROUP BY 1, 2) GROUP BY 1"),
    ("new vs returning revenue by quarter", ["new_revenue", "returning_revenue"], ["quarter"],
     f"SELECT {QUARTER.format(c='signed_at')} AS quarter, sum(amount) FILTER (n = 1) AS "
     "new_revenue, sum(amount) FILTER (n > 1) AS returning_revenue FROM (SELECT *, row_number() "
     "OVER (PARTITION BY account_id ORDER BY signed_at, order_id) AS n FROM orders) "
     f"WHERE {IN_RANGE.format(c='signed_at')} GROUP BY 1"),
    ("NPS by month", ["nps"], ["month"],
     f"SELECT {MONTH.format(c='responded_at')} AS month, avg(CASE WHEN score >= 9 THEN 100.0 "
     "WHEN score <= 6 THEN -100.0 ELSE 0.0 END) AS nps FROM nps_responses "
     f"WHERE {IN_RANGE.format(c='responded_at')} GROUP BY 1"),
    ("CSAT by month", ["csat"], ["month"],
     f"SELECT {MONTH.format(c='created_at')} AS month, avg(csat) AS csat FROM tickets "
     f"WHERE {IN_RANGE.format(c='created_at')} GROUP BY 1"),
]


@benchmark(NAME)
def run(ctx: RunContext) -> list[Figure]:
    workspace = refreshed_workspace(ctx.scale, ctx.data_dir)
    runs = 10 if ctx.scale == "large" else 20
    return measure_cockpit(workspace, runs)


def refreshed_workspace(scale: str, data_dir: Path) -> Path:
    """The attribution benchmark's demo workspace, refreshed once per set of refresh steps
    (attribution credits, stored metric models)."""
    from revlens.refresh import STEP_MODULES, refresh
    from revlens.workspace import Workspace

    workspace = demo_workspace(scale, data_dir)
    marker = workspace.parent / f"refreshed-{'-'.join(STEP_MODULES)}"
    if not marker.exists():
        Workspace.init(workspace)                      # newer warehouse migrations
        with Workspace.open(workspace) as ws:
            refresh(ws)
        marker.touch()
    return workspace


def _rows_equal(ours: list[dict], theirs: list[dict], keys: list[str]) -> bool:
    def index(rows):
        return {tuple(r[k] for k in keys): r for r in rows}

    a, b = index(ours), index(theirs)
    if set(a) != set(b):
        return False
    for key, row in a.items():
        for name, value in row.items():
            other = b[key].get(name)
            if name in keys:
                continue
            x = 0.0 if value is None else float(value)
            y = 0.0 if other is None else float(other)
            if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6):
                return False
    return True


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def measure_cockpit(workspace: Path, runs: int = 20, peer: bool = True,
                    **overrides: object) -> list[Figure]:
    """Each query's first run, p50 and p95 through `run_query`, beside its hand-written SQL.

    `peer=False` measures RevLens alone (a warehouse the DuckDB SQL cannot run on, such as
    Spark); `overrides` are workspace settings for opening it."""
    from revlens.metrics import Catalog, MetricQuery, run_query
    from revlens.metrics.compiler import PLANS
    from revlens.workspace import Workspace

    figures = []
    with Workspace.open(workspace, read_only=True, **overrides) as ws:
        wh = ws.warehouse
        catalog = Catalog.load(ws.settings.workspace)
        zone_lo = _instant(DATE_FROM, ws.settings.timezone)
        zone_hi = _instant(date(DATE_TO.year, DATE_TO.month, DATE_TO.day), ws.settings.timezone,
                           next_day=True)
        params = {"lo": zone_lo, "hi": zone_hi, "dlo": DATE_FROM, "dhi": DATE_TO}
        raw = wh.con.con if peer else None
        for name, metrics, dims, sql in QUERIES:
            query = MetricQuery(metrics=metrics, dimensions=dims, date_from=DATE_FROM,
                                date_to=DATE_TO)

            def ours(query=query):
                return run_query(wh, query, catalog=catalog).rows

            def theirs(sql=sql):
                cursor = raw.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
                columns = [c[0] for c in cursor.description]
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

            PLANS.clear()                            # the first run compiles the plan
            start = time.perf_counter()
            first = ours()
            cold = time.perf_counter() - start
            if not peer:
                mine = _timings(ours, runs)
                p50, p95 = statistics.median(mine), _percentile(mine, 0.95)
                figures += [Figure(NAME, f"{name}: first run", cold * 1000, "ms"),
                            Figure(NAME, f"{name}: p50", p50 * 1000, "ms"),
                            Figure(NAME, f"{name}: p95", p95 * 1000, "ms")]
                continue
            start = time.perf_counter()
            same = _rows_equal(first, theirs(), dims)
            cold_peer = time.perf_counter() - start
            mine, others = _timings(ours, runs), _timings(theirs, runs)
            p50, p95 = statistics.median(mine), _percentile(mine, 0.95)
            s50, s95 = statistics.median(others), _percentile(others, 0.95)
            label = name if same else f"{name} ({DIFFERENT})"
            figures.append(Figure(NAME, f"{label}: first run", cold * 1000, "ms", PEER,
                                  cold_peer * 1000, cold / cold_peer))
            figures.append(Figure(NAME, f"{label}: p50", p50 * 1000, "ms", PEER, s50 * 1000,
                                  p50 / s50))
            figures.append(Figure(NAME, f"{label}: p95", p95 * 1000, "ms", PEER, s95 * 1000,
                                  p95 / s95))
    return figures


def _timings(fn, runs: int) -> list[float]:
    fn()                                             # warm: catalog, plans, file cache
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _instant(day: date, zone: str, next_day: bool = False):
    from datetime import timedelta

    from revlens.metrics.periods import instant

    return instant(day + timedelta(days=1) if next_day else day, zone)
