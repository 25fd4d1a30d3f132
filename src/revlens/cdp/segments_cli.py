"""`revlens segments ...`: saved segments, their members, and segment comparison.

    revlens segments save 专精特新客户 --level account \
        --condition '{kind: attribute, field: specialized, op: eq, value: true}'
    revlens segments compare 专精特新客户
    revlens segments members 专精特新客户 --format csv
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from revlens.cdp.tags_cli import ConditionOpt, LevelOpt, _level
from revlens.cli_options import (
    Format,
    FormatOpt,
    WorkspaceOpt,
    cell,
    emit,
    open_read_only,
    out,
    user_scope,
)

segments_app = typer.Typer(help="Segments of people or accounts, and how they compare.",
                           no_args_is_help=True)
Name = Annotated[str, typer.Argument(help="the segment's name")]


@segments_app.command("list")
def segments_list(output: FormatOpt = Format.table, workspace: WorkspaceOpt = None) -> None:
    """Every saved segment."""
    from revlens.cdp.segments import segments

    with open_read_only(workspace) as ws:
        saved = segments(ws.appdb)
    emit([{"name": d.name, "level": d.level, "description": d.description,
           "condition": d.condition.model_dump_json(exclude_none=True)} for d in saved],
         output, "segments")


@segments_app.command("save")
def segments_save(name: Name, condition: ConditionOpt, level: LevelOpt = "person",
                  description: Annotated[str, typer.Option(help="what it means")] = "",
                  workspace: WorkspaceOpt = None) -> None:
    """Save (or replace) a segment and show how many it holds now."""
    from revlens.cdp.segments import members, save_segment
    from revlens.cdp.tags import read_condition
    from revlens.workspace import Workspace

    rule = read_condition(condition)
    with Workspace.open(workspace) as ws:
        save_segment(ws.appdb, name, _level(level), rule, description)
        count = len(members(ws.warehouse, _level(level), rule))
    out.print(f"saved segment {name!r}: {count:,} {level}s")


@segments_app.command("members")
def segments_members(name: Name, output: FormatOpt = Format.table,
                     workspace: WorkspaceOpt = None) -> None:
    """The segment's members now."""
    from revlens.cdp.segments import members, segment

    with open_read_only(workspace) as ws:
        d = segment(ws.appdb, name)
        found = members(ws.warehouse, d.level, d.condition)
    key = "person_id" if d.level == "person" else "account_id"
    emit([{key: m} for m in found], output, f"{name}: {len(found):,}")


@segments_app.command("compare")
def segments_compare(
    name: Annotated[str | None, typer.Argument(help="a saved segment")] = None,
    condition: Annotated[str | None, typer.Option(
        "--condition", help="or an unsaved condition (YAML/JSON file or text)")] = None,
    level: LevelOpt = "person",
    user: Annotated[str | None, typer.Option(
        "--user", help="within this RevLens user's scope")] = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The segment against everyone else: lead-to-won, win rate, sales cycle (median and mean
    with 95% intervals) and deal size."""
    import json
    import sys

    from revlens.cdp.segments import compare_segment, segment
    from revlens.cdp.tags import TagError, read_condition

    if (name is None) == (condition is None):
        raise TagError("give a saved segment's name or --condition, one of them")
    with open_read_only(workspace) as ws:
        if name is not None:
            d = segment(ws.appdb, name)
            rule, chosen = d.condition, d.level
        else:
            rule, chosen, name = read_condition(condition), _level(level), "condition"
        result = compare_segment(ws.warehouse, name, chosen, rule, user_scope(ws, user))
    if output != Format.table:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False,
                                    indent=2) + "\n")
        return
    table = Table("", name, "everyone else", title=f"{name} ({chosen}s) vs the rest")
    seg, rest = result.segment_figures, result.rest
    for field in ("members", "leads", "lead_to_won", "closed_deals", "win_rate",
                  "cycle_median_days", "cycle_mean_days", "average_deal"):
        table.add_row(field, cell(getattr(seg, field)), cell(getattr(rest, field)))
    table.add_row("cycle median 95% CI", _interval(seg.cycle_median_ci),
                  _interval(rest.cycle_median_ci))
    out.print(table)
    if result.cycle_median_ratio is not None:
        out.print(f"median sales cycle: {result.cycle_median_ratio:.0%} of the rest's; mean "
                  f"{result.cycle_mean_difference:+.1f} days "
                  f"(95% CI {_interval(result.cycle_mean_difference_ci)})")


def _interval(pair) -> str:
    return "" if pair is None else f"{pair[0]:,.1f} – {pair[1]:,.1f}"
