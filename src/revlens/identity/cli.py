"""`revlens identity ...`: build the person graph, explain it, export it.

    revlens identity run
    revlens identity explain email:li.lei@corp.cn
    revlens identity export --format csv > identities.csv
"""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from revlens.cli_options import WorkspaceOpt, out

identity_app = typer.Typer(help="OneID: one person per real-world person.")



class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


class ExplainFormat(StrEnum):
    table = "table"
    json = "json"


EXPORT_COLUMNS = ("identifier_type", "identifier_value", "person_id", "account_id")


@identity_app.command()
def run(workspace: WorkspaceOpt = None) -> None:
    """Rebuild the person identity graph (also a step of `revlens refresh`)."""
    from revlens.identity.graph import resolve
    from revlens.workspace import Workspace

    with Workspace.open(workspace) as ws:
        result = resolve(ws.warehouse)
    out.print(result.summary())


@identity_app.command()
def explain(identifier: Annotated[str, typer.Argument(
                help="TYPE:VALUE (e.g. email:li.lei@corp.cn, phone:+8613912345678) or a value")],
            output: Annotated[ExplainFormat, typer.Option("--format", "-f")] = ExplainFormat.table,
            workspace: WorkspaceOpt = None) -> None:
    """The chain of records that joined an identifier to the rest of its person."""
    from revlens.identity.explain import explain as run_explain
    from revlens.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        result = run_explain(ws.warehouse, identifier)
    if output == ExplainFormat.json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
        return
    out.print(f"{escape(result.identifier_type)}:{escape(result.identifier_value)} is person "
              f"{result.person_id} ({result.identifiers} identifiers)")
    table = Table("identifier", "joined to", "by record", "observed at")
    for s in result.steps:
        table.add_row(escape(f"{s.identifier_type}:{s.identifier_value}"),
                      escape(f"{s.via_type}:{s.via_value}"),
                      escape(f"{s.source} {s.record_id}"),
                      s.observed_at.isoformat(sep=" ", timespec="minutes")
                      if s.observed_at else "")
    out.print(table)
    for r in result.rejections:
        other = f" with {r.other_type}:{r.other_value}" if r.other_value else ""
        out.print(escape(f"kept apart{other} ({r.source} {r.record_id}): {r.reason}"))


@identity_app.command()
def export(output: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.csv,
           workspace: WorkspaceOpt = None) -> None:
    """Every identifier with its person_id and account_id."""
    from revlens.identity.accounts import identifier_accounts
    from revlens.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        rows = identifier_accounts(ws.warehouse)
    if output == ExportFormat.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
