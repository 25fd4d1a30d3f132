"""The `revlens` command line. Thin: it parses, calls the services, prints."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from revlens import __version__
from revlens.analytics.cli import cohorts_command, forecast_app
from revlens.appdb.models import COUNT_FIELDS
from revlens.appdb.users_cli import audit_command, users_app
from revlens.attribution.cli import attribution_app
from revlens.cdp.cli import profile_app
from revlens.cdp.privacy_cli import privacy_app
from revlens.cdp.segments_cli import segments_app
from revlens.cdp.tags_cli import tags_app
from revlens.cli_options import InputFormatOpt, MappingOpt, WorkspaceOpt, app_database, err, out
from revlens.errors import RevLensError
from revlens.identity.cli import identity_app
from revlens.metrics.cli import drill_command, funnel_command, metrics_app, query_command

app = typer.Typer(help="RevLens: which marketing produces pipeline and revenue.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
demo_app = typer.Typer(help="Demo data: generate it, import it, show it.")
app.add_typer(demo_app, name="demo")
app.add_typer(attribution_app, name="attribution")
app.add_typer(identity_app, name="identity")
app.add_typer(metrics_app, name="metrics")
app.add_typer(forecast_app, name="forecast")
app.add_typer(profile_app, name="profile")
app.add_typer(tags_app, name="tags")
app.add_typer(segments_app, name="segments")
app.add_typer(privacy_app, name="privacy")
app.add_typer(users_app, name="users")
app.command("audit")(audit_command)
app.command("query")(query_command)
app.command("drill")(drill_command)
app.command("funnel")(funnel_command)
app.command("cohorts")(cohorts_command)
sources_app = typer.Typer(help="Tracking and form sources, and their write keys.",
                          no_args_is_help=True)
app.add_typer(sources_app, name="sources")
tracking_app = typer.Typer(help="The tracking API's spool.", no_args_is_help=True)
app.add_typer(tracking_app, name="tracking")
class Output(StrEnum):
    table = "table"
    json = "json"


class RejectsOutput(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


OutputOpt = Annotated[Output, typer.Option("--format", "-f", help="output: table or json")]




@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr; each call of the yielded function is one step done."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("starting", total=total)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        yield step


def _whoami() -> str:
    """The person running the command, for the batch log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored time (UTC; SQLite hands it back without its zone) in the workspace zone."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)


def _open(workspace: Path | None, read_only: bool = False):
    from revlens.workspace import Workspace

    return Workspace.open(workspace, read_only=read_only)


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=2) + "\n")


@app.command()
def version() -> None:
    """Print the RevLens version."""
    out.print(f"revlens {__version__}")


@app.command()
def init(workspace: WorkspaceOpt = None,
         admin_password: Annotated[str | None, typer.Option(
             envvar="REVLENS_ADMIN_PASSWORD", help="password of the admin user")] = None
         ) -> None:
    """Create a workspace (or bring an existing one up to date)."""
    from revlens.workspace import Workspace

    result = Workspace.init(workspace, admin_password=admin_password)
    verb = "created" if result.created else "up to date"
    out.print(f"workspace {result.workspace} {verb}")
    if result.admin_password:
        out.print(f"admin user created; password: [bold]{result.admin_password}[/] "
                  "(shown once; change it after logging in)")


def _counts(result) -> str:
    """An import's counts as the CLI prints them (rich markup)."""
    return (f"{result.rows_read:,} rows read, [green]{result.inserted:,} inserted[/], "
            f"{result.updated:,} updated, {result.unchanged:,} unchanged, "
            f"[{'red' if result.rejected else 'green'}]{result.rejected:,} rejected[/], "
            f"{result.warnings:,} warnings")


@app.command("import")
def import_(
    entity: Annotated[str, typer.Argument(help="entity, e.g. leads, opportunities")],
    file: Annotated[Path, typer.Argument(help="CSV, TSV, XLSX, Parquet, JSON or JSON Lines")],
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    output: OutputOpt = Output.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import one file of an entity; rows are upserted by their natural key."""
    from revlens.ingest.pipeline import import_file

    with _open(workspace) as ws, _progress(total=3) as step:
        result = import_file(ws, entity, file, mapping=mapping, fmt=input_format,
                             user=_whoami(), progress=step)
    if output == "json":
        _print_json(result.summary())
        return
    out.print(f"[bold]{result.entity}[/] from {file.name}: {_counts(result)}  "
              f"(batch {result.batch_id}, {result.seconds:.1f} s)", highlight=False)
    if result.rejected or result.warnings:
        out.print(f"see them with: revlens rejects {result.batch_id}")


@app.command("import-ads")
def import_ads(
    platform: Annotated[str, typer.Argument(help="baidu, tencent, oceanengine or google_ads")],
    file: Annotated[Path, typer.Argument(help="the platform's report export (CSV or XLSX)")],
    mapping: MappingOpt = None,
    input_format: InputFormatOpt = None,
    output: OutputOpt = Output.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import an ad platform's report export into ad_spend, matched to campaigns by name."""
    from revlens.connectors.ads import adapter
    from revlens.connectors.ads import import_ads as run

    adapter(platform)  # an unknown platform fails before the workspace is opened
    with _open(workspace) as ws, _progress(total=3) as step:
        done = run(ws, platform, file, mapping=mapping, fmt=input_format, user=_whoami(),
                   progress=step)
    if output == "json":
        _print_json(done.summary())
        return
    r = done.result
    out.print(f"[bold]{done.platform}[/] ad_spend from {file.name}: {_counts(r)}; cost "
              f"{done.cost:,.2f} {done.currency}; {len(done.totals_rows)} totals row(s) not "
              f"counted  (batch {r.batch_id})", highlight=False)
    miss = done.unmatched
    if miss.rows:
        names = ", ".join(f"{c['name']} ({c['cost']:,.2f})" for c in miss.campaigns)
        out.print(f"[yellow]{miss.rows:,} rows, cost {miss.cost:,.2f} {done.currency}, match no "
                  f"campaign[/] (kept without campaign_id): {names}", highlight=False)
    if r.rejected or r.warnings:
        out.print(f"see them with: revlens rejects {r.batch_id}")


@app.command()
def imports(
    entity: Annotated[str | None, typer.Option(help="only this entity")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 30,
    output: OutputOpt = Output.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """List import batches, newest first."""
    with _open(workspace) as ws:
        batches = ws.appdb.batches(limit=limit, entity=entity)
        zone = ZoneInfo(ws.settings.timezone)
    fields = ("id", "entity", "source_name", "status", *COUNT_FIELDS, "started_at",
              "finished_at", "user")
    rows = [{f: getattr(b, f) for f in fields} for b in batches]
    if output == "json":
        _print_json(rows)
        return
    table = Table("batch", "entity", "file", "status", "read", "inserted", "updated",
                  "unchanged", "rejected", "warnings", "started", title="imports")
    for row in rows:
        table.add_row(*[f"{row[f]:,}" if isinstance(row[f], int) else str(row[f])
                        for f in fields[:10]], f"{_local(row['started_at'], zone):%Y-%m-%d %H:%M}")
    for column in table.columns:
        column.no_wrap = True
    out.print(table)


@app.command()
def rejects(
    batch_id: Annotated[str, typer.Argument(help="batch id, from `revlens imports`")],
    output: Annotated[RejectsOutput, typer.Option("--format", "-f", help="table, csv or json")
                      ] = RejectsOutput.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """List the rejected rows and warnings of an import batch."""
    from revlens.ingest.pipeline import rejects as batch_rejects

    with _open(workspace) as ws:
        rows = batch_rejects(ws, batch_id).to_pylist()
    if output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=["row_number", "column", "value",
                                                        "reason", "severity"])
        writer.writeheader()
        writer.writerows(rows)
    elif output == "json":
        _print_json(rows)
    else:
        table = Table("row", "column", "value", "reason", "severity", title=f"batch {batch_id}")
        for r in rows:
            table.add_row(str(r["row_number"]), r["column"], r["value"] or "", r["reason"],
                          r["severity"])
        out.print(table)


@app.command()
def sync(
    source: Annotated[str | None, typer.Argument(help="source name in sources.toml")] = None,
    entity: Annotated[str | None, typer.Option(help="only this entity")] = None,
    full: Annotated[bool, typer.Option("--full", help="read every row, not only the rows "
                                                      "changed since the last sync")] = False,
    list_: Annotated[bool, typer.Option("--list", help="list the sources and their marks")
                     ] = False,
    sources: Annotated[Path | None, typer.Option(
        help="sources file (default <workspace>/sources.toml)")] = None,
    output: OutputOpt = Output.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Sync entities from a CRM database (PostgreSQL, MySQL/MariaDB) by the SQL of sources.toml."""
    from revlens.connectors import sync as db

    config = db.load_sources(sources or db.sources_path(workspace))
    if list_:
        with _open(workspace, read_only=True) as ws:
            lines = db.source_status(ws.warehouse, config, ws.settings.timezone)
            zone = ZoneInfo(ws.settings.timezone)
        _print_sync_status(lines, zone, output)
        return
    if not source:
        raise RevLensError("name the source to sync, e.g. `revlens sync crm` (`revlens sync "
                           "--list` shows the sources)")
    done = []
    with db.prepare(config, source, entity) as plan, _open(workspace) as ws, \
            err.status(f"syncing {source}…") as status:
        for one in plan.run(ws, full=full, user=_whoami(), progress=status.update):
            done.append(one)
            if output == "table":
                r = one.result
                out.print(f"[bold]{r.entity}[/] from {source}: {r.rows_read:,} rows read, "
                          f"[green]{r.inserted:,} inserted[/], {r.updated:,} updated, "
                          f"{r.unchanged:,} unchanged, "
                          f"[{'red' if r.rejected else 'green'}]{r.rejected:,} rejected[/], "
                          f"{r.warnings:,} warnings; high-water mark {one.high_water_mark}  "
                          f"(batch {r.batch_id or 'none: nothing changed'})", highlight=False)
                if r.rejected or r.warnings:
                    out.print(f"see them with: revlens rejects {r.batch_id}")
    if output == "json":
        _print_json([one.summary() for one in done])


def _print_sync_status(lines: list, zone: ZoneInfo, output: Output) -> None:
    rows = [vars(line) for line in lines]
    if output == "json":
        _print_json(rows)
        return
    table = Table("source", "entity", "url from", "schedule", "next run", "high-water mark",
                  "last run", "rows", title="database sources")
    for r in rows:
        table.add_row(r["source"], r["entity"],
                      r["url_env"] + ("" if r["url_env_set"] else " (not set)"),
                      r["schedule"] or "", _when(r["next_run"], zone),
                      r["high_water_mark"] or "", _when(r["last_run_at"], zone),
                      "" if r["rows"] is None else f"{r['rows']:,}")
    out.print(table)


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"{_local(moment, zone):%Y-%m-%d %H:%M}" if moment else ""


@app.command()
def refresh(workspace: WorkspaceOpt = None) -> None:
    """Rebuild the derived tables (identity, attribution, ...)."""
    from revlens.refresh import refresh as run_refresh

    with _open(workspace) as ws, err.status("refreshing…") as status:
        steps = run_refresh(ws, progress=lambda name: status.update(f"refreshing {name}"))
    out.print(f"refreshed: {', '.join(steps) if steps else 'nothing to refresh yet'}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8080)")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Start the web app."""
    from revlens.app.server import run

    with _open(workspace, read_only=True) as ws:
        settings = ws.settings
    run(settings, host=host or settings.host, port=port or settings.port)


class SourceKind(StrEnum):
    tracking = "tracking"
    form = "form"


@sources_app.command("create")
def sources_create(
    name: Annotated[str, typer.Argument(help="a name for the source, e.g. website")],
    kind: Annotated[SourceKind, typer.Option(help="tracking (Segment API) or form (webhook)")
                    ] = SourceKind.tracking,
    mapping: Annotated[Path | None, typer.Option(
        help="form sources: TOML or JSON file of `form field = \"lead column\"`")] = None,
    rate_limit: Annotated[int, typer.Option(help="events per second for this key")] = 10_000,
    burst: Annotated[int, typer.Option(help="events at once after an idle spell")] = 20_000,
    user_id_as: Annotated[str, typer.Option(
        help="touchpoint column for Segment's userId: contact_id or lead_id")] = "contact_id",
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a source and print its write key (shown this once)."""
    from revlens.tracking.sources import create_source, load_mapping_file

    fields = load_mapping_file(mapping) if mapping else None
    with app_database(workspace) as (_, db):
        source, key = create_source(db, name, kind.value, fields, rate_limit, burst,
                                    user_id_as, created_by=_whoami())
    err.print(f"{source.kind} source [bold]{escape(source.name)}[/] created; its write key "
              "(shown once, keep it secret):", highlight=False)
    sys.stdout.write(key + "\n")


@sources_app.command("list")
def sources_list(output: OutputOpt = Output.table, workspace: WorkspaceOpt = None) -> None:
    """List the sources: kind, key prefix, created, revoked, events received."""
    from revlens.tracking.sources import sources
    from revlens.tracking.spool import Spool, spool_path

    with app_database(workspace) as (settings, db):
        found = sources(db)
        zone = ZoneInfo(settings.timezone)
        path = spool_path(settings.workspace)
    received = {}
    if path.exists():
        with Spool(path) as spool:
            received = spool.received()
    rows = [{"name": s.name, "kind": s.kind, "key_prefix": s.key_prefix,
             "created_at": _local(s.created_at, zone),
             "revoked_at": _local(s.revoked_at, zone) if s.revoked_at else None,
             "events_received": received.get(s.name, (0, None))[0],
             "rate_limit": s.rate_limit, "burst": s.burst} for s in found]
    if output == "json":
        _print_json(rows)
        return
    table = Table("name", "kind", "key prefix", "created", "revoked", "events received",
                  "rate limit", title="sources")
    for r in rows:
        table.add_row(escape(r["name"]), r["kind"], r["key_prefix"] + "…",
                      f"{r['created_at']:%Y-%m-%d %H:%M}",
                      f"{r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "",
                      f"{r['events_received']:,}", f"{r['rate_limit']:,}/s")
    out.print(table)


@sources_app.command("revoke")
def sources_revoke(name: Annotated[str, typer.Argument(help="the source's name")],
                   workspace: WorkspaceOpt = None) -> None:
    """Refuse the source's write key from now on."""
    from revlens.tracking.sources import revoke_source

    with app_database(workspace) as (_, db):
        source = revoke_source(db, name)
    out.print(f"source {escape(source.name)} revoked; its key is refused from now on",
              highlight=False)


@tracking_app.command("flush")
def tracking_flush(output: OutputOpt = Output.table, workspace: WorkspaceOpt = None) -> None:
    """Move the spooled events into the warehouse (when no server runs to do it)."""
    from revlens.errors import WorkspaceBusy
    from revlens.tracking.flush import flush_all
    from revlens.tracking.spool import Spool, spool_path

    with app_database(workspace) as (settings, _):
        pass
    with Spool(spool_path(settings.workspace)) as spool:
        done = flush_all(settings, spool)
        left = spool.stats().pending
    if done.busy:
        raise WorkspaceBusy(settings.warehouse_url.removeprefix("duckdb:///"),
                            f"{left:,} events stay in the spool; a running `revlens serve` "
                            "flushes them itself")
    if output == "json":
        _print_json({**done.summary(), "pending": left})
        return
    out.print(f"flushed {done.events:,} events: "
              + ", ".join(f"{r.entity} {r.inserted:,} inserted, {r.updated:,} updated, "
                          f"{r.unchanged:,} unchanged, {r.rejected:,} rejected"
                          for r in done.imports)
              + (", " if done.imports else "")
              + f"{done.links_added:,} identity links added; {left:,} pending", highlight=False)


@demo_app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    scale: Annotated[str, typer.Option(help="tiny, small, medium or large")] = "small",
    seed: Annotated[int, typer.Option(help="random seed")] = 42,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="stop after importing")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Generate demo data, import it into the workspace, and open the web app."""
    if ctx.invoked_subcommand is not None:
        return
    from revlens.demo import generate
    from revlens.demo.logins import create_demo_logins
    from revlens.ingest.bulk import import_manifest
    from revlens.refresh import refresh
    from revlens.workspace import Workspace

    init_result = Workspace.init(workspace, admin_password=None)
    data_dir = init_result.workspace / "demo-data"
    with err.status("generating demo data…"):
        summary = generate(data_dir, scale=scale, seed=seed)
    out.print(f"generated {sum(summary.rows.values()):,} rows in {summary.seconds:.1f} s")
    with _open(workspace) as ws, _progress(total=len(summary.files)) as step:
        results = import_manifest(ws, data_dir, user="demo", progress=step)
    out.print(f"imported {sum(r.inserted + r.updated for r in results):,} rows into "
              f"{len(results)} entities")
    with _open(workspace) as ws, err.status("refreshing identities, attribution and "
                                            "metrics…") as status:
        refresh(ws, progress=lambda name: status.update(f"refresh: {name}…"))
        logins, password = create_demo_logins(ws, init_result.admin_password)
    if init_result.admin_password:
        out.print(f"admin password: [bold]{init_result.admin_password}[/]")
        out.print("log-ins for each role, same password: " + ", ".join(
            f"{d.username} ({d.role}, {d.staff_name})" for d in logins), highlight=False)
    if not no_serve:
        serve(host=None, port=None, workspace=workspace)


@demo_app.command("generate")
def demo_generate(
    scale: Annotated[str, typer.Option(help="tiny, small, medium or large")] = "small",
    seed: Annotated[int, typer.Option(help="random seed")] = 42,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("demo-data"),
) -> None:
    """Write demo data files (one per entity), ad-platform exports and truth.json."""
    from revlens.demo import generate

    with err.status(f"generating {scale} demo data…"):
        summary = generate(out_dir, scale=scale, seed=seed)
    table = Table("entity", "rows", "file", title=f"demo data in {out_dir} "
                                                  f"({summary.seconds:.1f} s)")
    for entity, path in summary.files.items():
        table.add_row(entity, f"{summary.rows.get(entity, 0):,}", str(path))
    out.print(table)


@demo_app.command("import")
def demo_import(
    folder: Annotated[Path, typer.Argument(help="folder written by `revlens demo generate`")],
    output: OutputOpt = Output.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import a folder of demo (or any manifest-described) files."""
    from revlens.ingest.bulk import import_manifest

    with _open(workspace) as ws, _progress(total=_manifest_size(folder)) as step:
        results = import_manifest(ws, folder, user=_whoami(), progress=step)
    if output == "json":
        _print_json([r.summary() for r in results])
        return
    table = Table("entity", "read", "inserted", "updated", "unchanged", "rejected", "warnings")
    for r in results:
        table.add_row(r.entity, *[f"{n:,}" for n in r.counts().values()])
    out.print(table)


def _manifest_size(folder: Path) -> int:
    try:
        return len(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError):
        return 1  # import_manifest reports the problem


def main() -> None:
    """Console entry point: RevLens errors become one red line and exit code 1."""
    try:
        app()
    except RevLensError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
