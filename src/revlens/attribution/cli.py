"""`revlens attribution ...`: thin commands over the typed runners in `report` / `explain`.

    revlens attribution --model linear --conversion won --by campaign --format json
    revlens attribution compare --conversion opportunity_created --by channel
    revlens attribution paths --conversion won --format csv
    revlens attribution explain O-1001
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from revlens.cli_options import Format, FormatOpt, From, To, WorkspaceOpt, emit, open_read_only, out

attribution_app = typer.Typer(help="Which marketing produced the leads, pipeline and revenue.",
                              no_args_is_help=False)


class ConversionOpt(StrEnum):
    lead_created = "lead_created"
    mql = "mql"
    sql = "sql"
    opportunity_created = "opportunity_created"
    won = "won"


class ByOpt(StrEnum):
    channel = "channel"
    platform = "platform"
    campaign = "campaign"
    content = "content"
    keyword = "keyword"
    team = "team"
    period = "period"


Conversion = Annotated[ConversionOpt, typer.Option("--conversion", "-c",
                                                   help="what counts as a conversion")]
By = Annotated[ByOpt, typer.Option("--by", "-b", help="group credits by")]
Window = Annotated[int, typer.Option("--window-days", help="lookback window in days")]


def _request(**fields):
    from revlens.attribution.report import AttributionRequest

    for name in ("date_from", "date_to"):
        if fields.get(name) is not None:
            fields[name] = fields[name].date()
    return AttributionRequest(**{k: v for k, v in fields.items() if v is not None})


@attribution_app.callback(invoke_without_command=True)
def attribution(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", "-m", help="linear, first_touch, last_touch, "
                                       "last_non_direct, u_shaped, j_shaped, inverse_j, "
                                       "time_decay, w_shaped, full_path, markov, shapley, "
                                       "custom:NAME[@VERSION]")] = "linear",
    conversion: Conversion = ConversionOpt.opportunity_created,
    by: By = ByOpt.channel,
    window_days: Window = 365,
    date_from: From = None,
    date_to: To = None,
    half_life: Annotated[float, typer.Option(help="time_decay half-life in days")] = 7.0,
    order: Annotated[int, typer.Option(help="markov chain order")] = 1,
    weights: Annotated[str | None, typer.Option(
        help="position weights, e.g. first=0.5,last=0.3,rest=0.2")] = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Credited conversions and amount per group, with spend, ROAS and ROI."""
    if ctx.invoked_subcommand is not None:
        return
    from revlens.attribution.report import attribution_report
    from revlens.attribution.specs import parse_weights

    request = _request(model=model, conversion=conversion.value, by=by.value,
                       window_days=window_days, date_from=date_from, date_to=date_to,
                       half_life_days=half_life, order=order,
                       weights=parse_weights(weights) if weights else None)
    with open_read_only(workspace) as ws:
        report = attribution_report(ws.warehouse, request)
    emit([r.as_record(by.value) for r in report.rows], output,
          f"{report.model} attribution of {conversion.value} by {by.value}")
    if output == Format.table and report.channel_model is not None:
        out.print(channel_model_note(report.channel_model))


def channel_model_note(result) -> str:
    """One line under a markov/shapley table: how the channel shares were computed."""
    channels = len(result.channels)
    if result.model == "markov":
        return (f"markov: removal effects of {channels} channels, solved exactly "
                f"(conversion probability {result.conversion_probability:.4f})")
    if result.exact:
        return f"shapley: exact over {channels} channels"
    error = max((c.standard_error or 0.0) for c in result.channels)
    return (f"shapley: {result.samples:,} sampled orderings of {channels} channels; "
            f"largest standard error {error:.4f}")


@attribution_app.command()
def compare(
    conversion: Conversion = ConversionOpt.opportunity_created,
    by: By = ByOpt.channel,
    window_days: Window = 365,
    date_from: From = None,
    date_to: To = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Every model side by side: credited conversions (and amount) per group."""
    from revlens.attribution.report import compare_models

    request = _request(conversion=conversion.value, by=by.value, window_days=window_days,
                       date_from=date_from, date_to=date_to)
    with open_read_only(workspace) as ws:
        report = compare_models(ws.warehouse, request)
    records = []
    for row in report.rows:
        record: dict[str, object] = {by.value: row.key}
        for model, column in row.models.items():
            record[model] = column.conversions
            record[f"{model}_amount"] = column.amount
        records.append(record)
    if output == Format.table:
        records = [{k: v for k, v in r.items() if not k.endswith("_amount")} for r in records]
    emit(records, output, f"models compared: {conversion.value} by {by.value}")


@attribution_app.command()
def paths(
    conversion: Conversion = ConversionOpt.opportunity_created,
    window_days: Window = 365,
    date_from: From = None,
    date_to: To = None,
    output: FormatOpt = Format.csv,
    workspace: WorkspaceOpt = None,
) -> None:
    """Channel paths with conversions, value and non-conversions (ChannelAttribution layout)."""
    from revlens.attribution.explain import path_report

    request = _request(conversion=conversion.value, window_days=window_days,
                       date_from=date_from, date_to=date_to)
    with open_read_only(workspace) as ws:
        report = path_report(ws.warehouse, request)
    emit([r.model_dump() for r in report.rows], output, f"paths to {conversion.value}")


@attribution_app.command()
def explain(
    conversion_id: Annotated[str, typer.Argument(
        metavar="OPPORTUNITY_ID", help="the opportunity (or lead, with --conversion)")],
    conversion: Conversion = ConversionOpt.opportunity_created,
    window_days: Window = 365,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Each touch of one conversion's journey with its credit under every model."""
    from revlens.attribution.explain import explain_conversion

    request = _request(conversion=conversion.value, window_days=window_days)
    with open_read_only(workspace) as ws:
        explanation = explain_conversion(ws.warehouse, conversion_id, request)
    records = [{"touchpoint_id": t.touchpoint_id, "occurred_at": t.occurred_at,
                "channel": t.channel, "campaign_id": t.campaign_id,
                "milestones": " ".join(t.milestones), **t.credits}
               for t in explanation.touches]
    emit(records, output, f"{conversion.value} {conversion_id}: "
                           f"{explanation.amount:,.2f} on {explanation.converted_at:%Y-%m-%d}")


@attribution_app.command("save-model")
def save_model(
    name: Annotated[str, typer.Argument(help="custom model name")],
    weights: Annotated[str, typer.Option(help="e.g. first=0.3,lead_created=0.3,last=0.3,"
                                              "rest=0.1 (keys: first, last, last_non_direct, "
                                              "lead_created, opportunity_created, closed_won, "
                                              "position_N, rest)")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Save a custom model's weights as its next version."""
    from revlens.attribution.custom_models import save_custom_model
    from revlens.attribution.specs import parse_weights
    from revlens.workspace import Workspace

    with Workspace.open(workspace) as ws:
        spec = save_custom_model(ws.warehouse, name, parse_weights(weights))
    out.print(f"saved custom:{name} version {spec.version}")
