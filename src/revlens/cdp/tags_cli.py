"""`revlens tags ...`: tag rules, manual tags and who carries a tag.

    revlens tags list
    revlens tags define 白皮书读者 --condition '{kind: behaviour, touch_type: content_download}'
    revlens tags preview --condition rule.yaml
    revlens tags add 重点客户 A0001951 --level account
    revlens tags members 高意向
"""

from __future__ import annotations

from typing import Annotated

import typer

from revlens.cli_options import (
    Format,
    FormatOpt,
    WorkspaceOpt,
    app_database,
    emit,
    open_read_only,
    out,
)

tags_app = typer.Typer(help="Tags on people and accounts: rules and by hand.",
                       no_args_is_help=True)

LevelOpt = Annotated[str, typer.Option("--level", help="person or account")]
ConditionOpt = Annotated[str, typer.Option(
    "--condition", help="the rule: a YAML/JSON file, or inline YAML/JSON")]


def _level(value: str):
    from revlens.cdp.tags import TagError

    if value not in ("person", "account"):
        raise TagError(f"level must be person or account, not {value!r}")
    return value


@tags_app.command("list")
def tags_list(output: FormatOpt = Format.table, workspace: WorkspaceOpt = None) -> None:
    """Every tag rule: shipped and the workspace's own, active or not."""
    from revlens.cdp.tags import definitions

    with open_read_only(workspace) as ws:
        rules = definitions(ws.appdb)
    emit([{"name": d.name, "level": d.level, "active": d.active, "source": d.source,
           "description": d.description,
           "condition": d.condition.model_dump_json(exclude_none=True)} for d in rules],
         output, "tag rules")


@tags_app.command("define")
def tags_define(name: Annotated[str, typer.Argument(help="the tag")],
                condition: ConditionOpt, level: LevelOpt = "person",
                description: Annotated[str, typer.Option(help="what it means")] = "",
                workspace: WorkspaceOpt = None) -> None:
    """Save a tag rule (replacing a rule of the same name); `revlens refresh` applies it."""
    from revlens.cdp.tags import define, preview, read_condition
    from revlens.workspace import Workspace

    rule = read_condition(condition)
    with Workspace.open(workspace) as ws:
        define(ws.appdb, name, _level(level), rule, description)
        count = preview(ws.warehouse, _level(level), rule)
    out.print(f"saved tag rule {name!r}: {count:,} {level}s match it now "
              "(tagged at the next `revlens refresh`)")


@tags_app.command("preview")
def tags_preview(condition: ConditionOpt, level: LevelOpt = "person",
                 workspace: WorkspaceOpt = None) -> None:
    """How many people (or accounts) a condition matches now."""
    from revlens.cdp.tags import preview, read_condition

    with open_read_only(workspace) as ws:
        count = preview(ws.warehouse, _level(level), read_condition(condition))
    out.print(f"{count:,} {level}s")


def _switch(name: str, active: bool, workspace) -> None:
    from revlens.cdp.tags import set_active

    with app_database(workspace) as (_, appdb):
        set_active(appdb, name, active)
    out.print(f"tag rule {name!r} {'enabled' if active else 'disabled'}")


@tags_app.command("disable")
def tags_disable(name: Annotated[str, typer.Argument(help="the tag rule")],
                 workspace: WorkspaceOpt = None) -> None:
    """Stop applying a rule (shipped or the workspace's) from the next refresh."""
    _switch(name, False, workspace)


@tags_app.command("enable")
def tags_enable(name: Annotated[str, typer.Argument(help="the tag rule")],
                workspace: WorkspaceOpt = None) -> None:
    """Apply a disabled rule again."""
    _switch(name, True, workspace)


@tags_app.command("add")
def tags_add(tag: Annotated[str, typer.Argument(help="the tag")],
             subject: Annotated[str, typer.Argument(help="person id or account id")],
             level: LevelOpt = "person", workspace: WorkspaceOpt = None) -> None:
    """Tag one person or account by hand (shown after the next refresh)."""
    from revlens.cdp.tags import tag_by_hand

    with app_database(workspace) as (_, appdb):
        tag_by_hand(appdb, tag, _level(level), subject)
    out.print(f"tagged {level} {subject} {tag!r}")


@tags_app.command("remove")
def tags_remove(tag: Annotated[str, typer.Argument(help="the tag")],
                subject: Annotated[str, typer.Argument(help="person id or account id")],
                level: LevelOpt = "person", workspace: WorkspaceOpt = None) -> None:
    """Take a manual tag off again."""
    from revlens.cdp.tags import untag

    with app_database(workspace) as (_, appdb):
        removed = untag(appdb, tag, _level(level), subject)
    out.print(f"removed {removed} manual tag(s)")


@tags_app.command("members")
def tags_members(tag: Annotated[str, typer.Argument(help="the tag")],
                 level: LevelOpt = "person", output: FormatOpt = Format.table,
                 workspace: WorkspaceOpt = None) -> None:
    """Who carries a tag (as of the last refresh)."""
    from revlens.cdp.tags import members

    with open_read_only(workspace) as ws:
        rows = members(ws.warehouse, tag, _level(level))
    emit(rows, output, f"{tag}: {len(rows):,}")
