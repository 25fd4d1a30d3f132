"""`revlens metrics list|show`, `revlens query` and `revlens drill`: thin commands over the
metric compiler.

    revlens metrics list
    revlens query bookings win_rate --by month --from 2026-01-01 --to 2026-06-30 --format json
    revlens drill win_rate --where month=2026-03 --where channel=webinar --from 2026-01-01
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from revlens.cli_options import (
    Format,
    FormatOpt,
    From,
    To,
    WorkspaceOpt,
    day,
    emit,
    err,
    open_read_only,
    out,
    user_scope,
)

metrics_app = typer.Typer(help="The metric catalog: every KPI defined once.")

Lang = Annotated[str, typer.Option("--lang", help="label language: zh-CN or en")]
By = Annotated[list[str] | None, typer.Option("--by", "-b", help="group by a dimension "
                                              "(repeat for several)")]
Where = Annotated[list[str] | None, typer.Option(
    "--filter", help="keep records whose DIMENSION is one of the values: channel=event,webinar "
                     "(repeat for several; `!=` excludes)")]
Params = Annotated[list[str] | None, typer.Option(
    "--param", help="metric parameter NAME=VALUE, e.g. attribution_model=markov")]
AsUser = Annotated[str | None, typer.Option(
    "--user", help="measure with this RevLens user's row-level scope")]


def _pairs(items: list[str] | None, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{item!r}: expected {what}")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _filters(items: list[str] | None) -> list:
    from revlens.metrics.query import Filter

    filters = []
    for name, value in _pairs(items, "DIMENSION=VALUE[,VALUE...]"):
        negate = name.endswith("!")
        values = tuple(_value(v) for v in value.split(","))
        filters.append(Filter(dimension=name.rstrip("!").strip(),
                              op="not_in" if negate else "in", values=values))
    return filters


def _value(text: str):
    """Command-line values: `true`/`false` are booleans, `null` is missing; the rest text."""
    return {"true": True, "false": False, "null": None}.get(text.lower(), text)


@metrics_app.command("list")
def metrics_list(output: FormatOpt = Format.table, lang: Lang = "zh-CN",
                 workspace: WorkspaceOpt = None) -> None:
    """Every metric of the catalog (shipped and the workspace's own)."""
    from revlens.config import load_settings
    from revlens.metrics.catalog import Catalog

    catalog = Catalog.load(load_settings(workspace).workspace)
    records = [{"id": m.id, "label": m.label.get(lang), "format": m.format,
                "model": m.model or f"{m.derived.op}({', '.join(m.derived.of)})",
                "owner": m.owner, "description": m.description.get(lang)} for m in catalog]
    emit(records, output, "metrics")


@metrics_app.command("show")
def metrics_show(metric: Annotated[str, typer.Argument(help="metric id")],
                 lang: Lang = "zh-CN", workspace: WorkspaceOpt = None) -> None:
    """One metric's definition and the dimensions it can be grouped by."""
    from revlens.config import load_settings
    from revlens.metrics.catalog import Catalog

    catalog = Catalog.load(load_settings(workspace).workspace)
    m = catalog.get(metric)
    table = Table(show_header=False, title=f"{m.id} — {m.label.get(lang)}")
    definition = m.derived.model_dump() if m.derived else {
        "model": m.model, "time": m.time, "snapshot": m.snapshot, **m.measure.model_dump()}
    rows = [("description", m.description.get(lang)), ("format", m.format),
            ("direction", m.direction), ("owner", m.owner), ("source", m.source),
            ("definition", str(definition)),
            ("parameters", str(catalog.params(m.id) or "")),
            ("dimensions", ", ".join(catalog.dimensions(m.id)))]
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)


def query_command(
    metrics: Annotated[list[str], typer.Argument(help="metric ids (revlens metrics list)")],
    by: By = None,
    date_from: From = None,
    date_to: To = None,
    grain: Annotated[str | None, typer.Option(help="day, week, month, quarter or year")] = None,
    compare: Annotated[str | None, typer.Option(
        help="previous_period or previous_year")] = None,
    where: Where = None,
    param: Params = None,
    user: AsUser = None,
    output: FormatOpt = Format.table,
    lang: Lang = "zh-CN",
    workspace: WorkspaceOpt = None,
) -> None:
    """Metrics grouped by dimensions: one row per group, one column per metric."""
    from revlens.metrics.compiler import run_query
    from revlens.metrics.query import MetricQuery, valid

    query = valid(MetricQuery, metrics=metrics, dimensions=by or [], filters=_filters(where),
                  date_from=day(date_from), date_to=day(date_to), grain=grain,
                  compare=compare, params=dict(_pairs(param, "NAME=VALUE")))
    with open_read_only(workspace) as ws:
        result = run_query(ws.warehouse, query, user_scope(ws, user), locale=lang)
    emit(result.rows, output, ", ".join(m.label for m in result.metrics))
    if result.truncated:
        err.print(f"showing the first {query.limit:,} groups")


def drill_command(
    metric: Annotated[str, typer.Argument(help="metric id")],
    where: Annotated[list[str] | None, typer.Option(
        "--where", help="the group: DIMENSION=VALUE (repeat), e.g. month=2026-03")] = None,
    filters: Where = None,
    date_from: From = None,
    date_to: To = None,
    param: Params = None,
    component: Annotated[str | None, typer.Option(
        help="for a derived metric: which of its metrics to list (default the first)")] = None,
    limit: Annotated[int, typer.Option(help="records to list")] = 100,
    sql: Annotated[bool, typer.Option("--sql", help="print the query instead")] = False,
    user: AsUser = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The records behind one number of `revlens query`."""
    from revlens.metrics.drill import drill
    from revlens.metrics.query import DrillRequest, valid

    request = valid(DrillRequest, metric=metric,
                    where={k: _value(v) for k, v in _pairs(where, "DIMENSION=VALUE")},
                    filters=_filters(filters), date_from=day(date_from),
                    date_to=day(date_to), params=dict(_pairs(param, "NAME=VALUE")),
                    component=component, limit=limit)
    with open_read_only(workspace) as ws:
        result = drill(ws.warehouse, request, user_scope(ws, user))
    if sql:
        out.print(result.sql, markup=False, highlight=False)
        return
    emit(result.rows, output, f"{metric}: {result.total:,} records ({result.model})")
    if result.total > len(result.rows):
        err.print(f"{len(result.rows):,} of {result.total:,} records; --limit shows more")


def funnel_command(
    kind: Annotated[str, typer.Argument(help="leads or pipeline")],
    by: Annotated[str | None, typer.Option("--by", "-b", help="a dimension, e.g. owner")] = None,
    snapshot: Annotated[bool, typer.Option(
        "--snapshot", help="where records stood at --to (default: how the records created "
                           "in the period moved)")] = False,
    date_from: From = None,
    date_to: To = None,
    where: Where = None,
    records: Annotated[str | None, typer.Option(
        "--records", help="list the records that reached this step instead")] = None,
    group: Annotated[str | None, typer.Option(
        "--group", help="with --records and --by: the group's value")] = None,
    limit: Annotated[int, typer.Option(help="records to list")] = 100,
    user: AsUser = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The lead funnel or the opportunity stage funnel of the records created in the period:
    counts, conversion, drop-off, days in stage, stalls and win probability per stage; with
    --snapshot, where the records stood at --to; with --records STEP, the records behind a
    step."""
    from revlens.analytics.funnels import FunnelRequest, funnel
    from revlens.metrics.query import valid

    request = valid(FunnelRequest, kind=kind, by=by, filters=_filters(where),
                    mode="snapshot" if snapshot else "cohort",
                    date_from=day(date_from), date_to=day(date_to))
    if records is not None:
        from revlens.analytics.funnels import funnel_records

        with open_read_only(workspace) as ws:
            value = _value(group) if group is not None else None
            listed = funnel_records(ws.warehouse, request, records, value, user_scope(ws, user),
                                    limit=limit)
        emit(listed.rows, output, f"{kind} funnel, {records}: {listed.total:,} records")
        return
    with open_read_only(workspace) as ws:
        result = funnel(ws.warehouse, request, user_scope(ws, user))
    rows = [s.as_record(by) for s in result.steps]
    drop = {"median_days", "mean_days", "stalled", "win_probability"} if kind == "leads" \
        else set()
    if snapshot:
        drop |= {"conversion_from_previous", "conversion_from_first", "drop_off",
                 "median_days", "mean_days", "stalled", "win_probability"}
    if kind == "leads" or not snapshot:
        drop.add("amount")
    rows = [{k: v for k, v in r.items() if k not in drop} for r in rows]
    emit(rows, output, f"{kind} funnel")
