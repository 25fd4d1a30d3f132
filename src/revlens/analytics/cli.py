"""`revlens forecast`: the bookings forecast of the current quarter (or month), snapshots of past
days, and how accurate the forecasts were.

    revlens forecast --period quarter
    revlens forecast backfill --from 2025-06-01 --to 2026-09-30 --every-days 7
    revlens forecast accuracy
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from revlens.cli_options import (
    Format,
    FormatOpt,
    From,
    To,
    WorkspaceOpt,
    day,
    emit,
    open_read_only,
    out,
    user_scope,
)

forecast_app = typer.Typer(help="What will close this quarter, and how right past forecasts were.")

AsOf = Annotated[datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"],
                                               help="forecast as of this day (default today)")]
PeriodOpt = Annotated[str, typer.Option("--period", help="quarter or month")]


@forecast_app.callback(invoke_without_command=True)
def forecast_command(
    ctx: typer.Context,
    as_of: AsOf = None,
    period: PeriodOpt = "quarter",
    user: Annotated[str | None, typer.Option(
        "--user", help="forecast within this RevLens user's scope")] = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The period's forecast by method, with the open pipeline by stage."""
    if ctx.invoked_subcommand is not None:
        return
    from revlens.analytics.forecast import ForecastRequest, forecast
    from revlens.metrics.query import valid

    request = valid(ForecastRequest, as_of=day(as_of), period=period)
    with open_read_only(workspace) as ws:
        result = forecast(ws.warehouse, request, user_scope(ws, user))
    if output == Format.json:
        emit([result.model_dump(mode="json")], output, "forecast")
        return
    out.print(f"{result.period} ({result.period_start} – {result.period_end}), as of "
              f"{result.as_of}: won {result.won_to_date:,.2f}, open pipeline "
              f"{result.open_pipeline:,.2f}")
    emit([m.model_dump() for m in result.methods], output, "forecast")
    emit([s.model_dump() for s in result.stages], output, "open pipeline by stage")
    emit([m.model_dump() for m in result.months], output, "by month")


@forecast_app.command("backfill")
def forecast_backfill(
    date_from: From = None,
    date_to: To = None,
    every_days: Annotated[int, typer.Option(help="days between snapshots")] = 7,
    period: PeriodOpt = "quarter",
    workspace: WorkspaceOpt = None,
) -> None:
    """Store forecast snapshots of past days, each from the data as it stood that day."""
    from revlens.analytics.forecast import backfill
    from revlens.metrics.exceptions import InvalidQuery
    from revlens.workspace import Workspace

    if date_from is None or date_to is None or date_from > date_to:
        raise InvalidQuery("give --from and --to (YYYY-MM-DD), --from first")
    with Workspace.open(workspace) as ws:
        written = backfill(ws.warehouse, date_from.date(), date_to.date(), every_days, period)
    out.print(f"stored {written:,} forecast snapshots")


@forecast_app.command("accuracy")
def forecast_accuracy_command(
    as_of: AsOf = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """MAPE and bias of each method over the snapshots of periods that have ended."""
    from revlens.analytics.forecast import forecast_accuracy

    with open_read_only(workspace) as ws:
        report = forecast_accuracy(ws.warehouse, day(as_of))
    emit([m.model_dump() for m in report.methods], output, "forecast accuracy")


def cohorts_command(
    date_from: From = None,
    date_to: To = None,
    months: Annotated[int, typer.Option(help="months after the first order to follow")] = 12,
    user: Annotated[str | None, typer.Option(
        "--user", help="within this RevLens user's scope")] = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Customer cohorts by first-order month: the share still active and the revenue they
    bring, month by month after their first order."""
    from revlens.analytics.customers import CohortRequest, cohort_retention
    from revlens.metrics.query import valid

    request = valid(CohortRequest, date_from=day(date_from), date_to=day(date_to),
                    months=months)
    with open_read_only(workspace) as ws:
        report = cohort_retention(ws.warehouse, request, user_scope(ws, user))
    records = []
    for c in report.cohorts:
        record = {"cohort": c.cohort, "customers": c.customers,
                  "first_month_revenue": c.first_month_revenue}
        record.update({f"m{k}": v for k, v in enumerate(c.retention)})
        if output != Format.table:
            record.update({f"revenue_m{k}": v for k, v in enumerate(c.revenue_retention)})
        records.append(record)
    emit(records, output, "customer cohorts: share active by month since the first order")
