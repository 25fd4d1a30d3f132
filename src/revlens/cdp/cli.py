"""`revlens profile person|account`: the customer 360 of one person or account.

    revlens profile person email:zhang.wei@example.cn
    revlens profile account A0001951 --format json
"""

from __future__ import annotations

import json
import sys
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from revlens.cli_options import (
    Format,
    FormatOpt,
    WorkspaceOpt,
    cell,
    open_read_only,
    out,
    user_scope,
)

profile_app = typer.Typer(help="Customer 360: everything known of a person or an account.",
                          no_args_is_help=True)

AsUser = Annotated[str | None, typer.Option(
    "--user", help="as this RevLens user sees it (scope and personal-data permission)")]
Limit = Annotated[int, typer.Option("--timeline", help="timeline events to show")]


def _show(get, key: str, user: str | None, output: Format, limit: int, workspace) -> None:

    with open_read_only(workspace) as ws:
        pii = True if user is None else bool(ws.appdb.user(user) and ws.appdb.user(user).pii)
        profile = get(ws.warehouse, key, user_scope(ws, user), pii=pii, timeline_limit=limit)
        zone = ZoneInfo(ws.settings.timezone)
    if output != Format.table:
        sys.stdout.write(json.dumps(profile.model_dump(mode="json"), ensure_ascii=False,
                                    indent=2) + "\n")
        return
    out.print(f"[bold]{profile.kind} {profile.id}[/]  account: {profile.account_id or '—'}  "
              f"tags: {', '.join(profile.tags) or '—'}", highlight=False)
    facts = Table("attribute", "value", "source", title="attributes")
    for a in profile.attributes:
        facts.add_row(a.name, cell(a.value), a.source)
    for i in profile.identifiers:
        facts.add_row(i.identifier_type, i.identifier_value, "identifier")
    out.print(facts)
    counts = {name: len(getattr(profile, name)) for name in
              ("leads", "contacts", "opportunities", "orders", "payments", "tickets", "nps")}
    out.print("  ".join(f"{k}: {v}" for k, v in counts.items()))
    timeline = Table("when", "what", "", "record", title=f"timeline ({profile.timeline_total})")
    for e in profile.timeline:
        timeline.add_row(e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), e.kind, e.title,
                         e.record_id)
    out.print(timeline)


@profile_app.command("person")
def person(key: Annotated[str, typer.Argument(
               help="person id, or an identifier: email:a@b.cn, a phone, a lead id ...")],
           user: AsUser = None, output: FormatOpt = Format.table, limit: Limit = 50,
           workspace: WorkspaceOpt = None) -> None:
    """A person's identifiers, attributes, tags, deals and timeline."""
    from revlens.cdp.profiles import person_profile

    _show(person_profile, key, user, output, limit, workspace)


@profile_app.command("account")
def account(account_id: Annotated[str, typer.Argument(help="account id")],
            user: AsUser = None, output: FormatOpt = Format.table, limit: Limit = 50,
            workspace: WorkspaceOpt = None) -> None:
    """An account's people, attributes, tags, deals, orders, service and timeline."""
    from revlens.cdp.profiles import account_profile

    _show(account_profile, account_id, user, output, limit, workspace)
