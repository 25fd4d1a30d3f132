"""`revlens privacy ...`: erase a person, record and show consent.

    revlens privacy erase email:zhang.wei@example.cn --yes
    revlens privacy consent +8613812345678 --channel email --status unsubscribed
    revlens privacy consents +8613812345678
"""

from __future__ import annotations

from typing import Annotated

import typer

from revlens.cli_options import Format, FormatOpt, WorkspaceOpt, emit, err, open_read_only, out

privacy_app = typer.Typer(help="Personal-data requests: erasure and consent (PIPL, GDPR).",
                          no_args_is_help=True)
Key = Annotated[str, typer.Argument(help="person id, or an identifier: email:a@b.cn, a phone ...")]


@privacy_app.command("erase")
def erase(key: Key,
          yes: Annotated[bool, typer.Option(
              "--yes", help="confirm: this cannot be undone")] = False,
          workspace: WorkspaceOpt = None) -> None:
    """Erase a person: touchpoints deleted, personal fields of leads and contacts emptied,
    identifiers removed; deals and revenue stay."""
    from revlens.cdp.erasure import erase_person
    from revlens.workspace import Workspace

    if not yes:
        err.print("erasing cannot be undone: run again with --yes to confirm")
        raise typer.Exit(1)
    with Workspace.open(workspace) as ws:
        result = erase_person(ws.warehouse, ws.appdb, key)
    out.print(f"erased person {result.person_id}: {result.identifiers} identifiers, "
              f"{result.touchpoints_deleted} touchpoints deleted, "
              f"{result.leads_anonymised} leads and {result.contacts_anonymised} contacts "
              "anonymised; erase them in the source systems too, or the next import brings "
              "them back", highlight=False)


@privacy_app.command("consent")
def consent(key: Key,
            channel: Annotated[str, typer.Option(help="email, sms, phone, wechat or all")],
            status: Annotated[str, typer.Option(help="granted, withdrawn or unsubscribed")],
            source: Annotated[str, typer.Option(help="where it was given, e.g. a form")] = "",
            workspace: WorkspaceOpt = None) -> None:
    """Record a person's consent, or its withdrawal, for a channel."""
    from revlens.cdp.erasure import record_consent
    from revlens.cdp.tags import TagError

    if channel not in ("email", "sms", "phone", "wechat", "all"):
        raise TagError(f"channel must be email, sms, phone, wechat or all, not {channel!r}")
    if status not in ("granted", "withdrawn", "unsubscribed"):
        raise TagError(f"status must be granted, withdrawn or unsubscribed, not {status!r}")
    with open_read_only(workspace) as ws:
        person = record_consent(ws.warehouse, ws.appdb, key, channel, status, source)
    out.print(f"recorded {status} for {channel} of person {person}")


@privacy_app.command("consents")
def consents(key: Key, output: FormatOpt = Format.table,
             workspace: WorkspaceOpt = None) -> None:
    """A person's latest consent status per channel."""
    from revlens.cdp.erasure import consent_of
    from revlens.cdp.profiles import person_of

    with open_read_only(workspace) as ws:
        states = consent_of(ws.appdb, person_of(ws.warehouse, key))
    emit([s.model_dump(mode="json") for s in states], output, "consent")
