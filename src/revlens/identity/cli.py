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


@identity_app.command()
def review(
    confirm: Annotated[tuple[str, str] | None, typer.Option(
        "--confirm", help="LEAD_ID ACCOUNT_ID: this lead belongs to this account")] = None,
    reject: Annotated[tuple[str, str] | None, typer.Option(
        "--reject", help="LEAD_ID ACCOUNT_ID: this lead does not belong to this account")] = None,
    limit: Annotated[int, typer.Option(help="uncertain matches to list")] = 50,
    workspace: WorkspaceOpt = None,
) -> None:
    """Leads matched to more than one account, with evidence against the match, or scored by
    Splink below the match threshold, each with its match weight and probability: confirm or
    reject; decisions persist across runs (applied by the next refresh) and win over both."""
    from revlens.identity.companies import decide, match_accounts
    from revlens.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        for pair, decision in ((confirm, "confirmed"), (reject, "rejected")):
            if pair is not None:
                decide(ws.appdb, pair[0], pair[1], decision)
                out.print(f"{decision} {pair[0]} → {pair[1]}")
        if confirm or reject:
            return
        found = match_accounts(ws.warehouse, ws.appdb)
        uncertain = found[found["status"] == "uncertain"].head(limit)
        leads, accounts = ws.warehouse.table("leads"), ws.warehouse.table("accounts")
        lead_rows = ws.warehouse.to_arrow(leads.filter(leads.lead_id.isin(
            list(uncertain["lead_id"]) or [""])).select("lead_id", "company", "email",
                                                      "province")).to_pylist()
        account_rows = ws.warehouse.to_arrow(accounts.filter(accounts.account_id.isin(
            list(uncertain["account_id"]) or [""])).select("account_id", "name", "domain",
                                                         "province")).to_pylist()
    by_lead = {r["lead_id"]: r for r in lead_rows}
    by_account = {r["account_id"]: r for r in account_rows}
    table = Table("lead", "company", "e-mail", "province", "account", "name", "domain",
                  "province", "by", "weight", "probability",
                  title=f"uncertain matches ({len(uncertain):,} shown)")
    for row in uncertain.itertuples(index=False):
        lead, account = by_lead.get(row.lead_id, {}), by_account.get(row.account_id, {})
        table.add_row(row.lead_id, escape(lead.get("company") or ""),
                      escape(lead.get("email") or ""), lead.get("province") or "",
                      row.account_id, escape(account.get("name") or ""),
                      account.get("domain") or "", account.get("province") or "", row.method,
                      _number(row.match_weight, "+.2f"), _number(row.match_probability, ".3f"))
    out.print(table)


def _number(value: float, spec: str) -> str:
    """A weight or probability as shown; empty where Splink did not score the pair."""
    return "" if value != value else format(value, spec)     # NaN: not scored
