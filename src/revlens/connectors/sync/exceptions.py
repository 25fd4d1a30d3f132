"""Errors of `revlens sync`. Each is one line that says what to do; `retryable` tells whether
running the same sync again later can help without changing anything."""

from __future__ import annotations

from pathlib import Path

from revlens.errors import RevLensError


class SourcesFileError(RevLensError):
    """The sources file is missing, not TOML, or not a valid description of sources."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class UnknownSource(RevLensError):
    def __init__(self, name: str, known: list[str], path: Path):
        self.name, self.known, self.path = name, known, path
        choices = ", ".join(known) if known else "none is configured yet"
        super().__init__(f"no source {name!r} in {path}; sources: {choices} "
                         "(`revlens sync --list` shows them)")


class UnknownSourceEntity(RevLensError):
    def __init__(self, source: str, entity: str, known: list[str]):
        self.source, self.entity, self.known = source, entity, known
        super().__init__(f"source {source!r} has no query for entity {entity!r}; it syncs: "
                         f"{', '.join(known)}")


class MissingConnectionEnv(RevLensError):
    """The environment variable that should hold the source's connection URL is not set."""

    def __init__(self, source: str, variable: str):
        self.source, self.variable = source, variable
        super().__init__(f"source {source!r}: the environment variable {variable} is not set; "
                         f"set it to the database URL, e.g. export {variable}="
                         "postgresql://user:password@host:5432/crm (or mysql://...)")


class BadConnectionUrl(RevLensError):
    """The variable is set, but not to a URL of a database that sync can read."""

    def __init__(self, source: str, variable: str, reason: str):
        self.source, self.variable, self.reason = source, variable, reason
        super().__init__(f"source {source!r}: {variable} {reason}")


class SourceUnreachable(RevLensError):
    """The database server did not accept a connection (down, wrong host, port or password)."""

    retryable = True

    def __init__(self, source: str, url: str, detail: str):
        self.source, self.url, self.detail = source, url, detail
        super().__init__(f"source {source!r}: cannot connect to {url}: {detail}; check that the "
                         "server is up and the URL (host, port, user, password, database) is "
                         "right, then try again")


class SyncQueryError(RevLensError):
    """The database refused or failed the entity's query."""

    def __init__(self, source: str, entity: str, detail: str):
        self.source, self.entity, self.detail = source, entity, detail
        super().__init__(f"source {source!r}, entity {entity}: the query failed: {detail}; fix "
                         f"the query of [sources.{source}.entities.{entity}] and try again")


class MissingUpdatedAt(RevLensError):
    """The entity's query does not select the column that says when a row last changed."""

    def __init__(self, source: str, entity: str, column: str, columns: list[str]):
        self.source, self.entity, self.column, self.columns = source, entity, column, columns
        super().__init__(f"source {source!r}, entity {entity}: the query has no column "
                         f"{column!r} (it has: {', '.join(columns)}); select the row's last-"
                         f"change time AS {column}, or name that column with updated_at = "
                         "\"...\" in the sources file")


class BadHighWaterMark(RevLensError):
    """The updated_at column holds values that cannot order rows (text, say)."""

    def __init__(self, source: str, entity: str, column: str, type_name: str):
        self.source, self.entity, self.column = source, entity, column
        super().__init__(f"source {source!r}, entity {entity}: column {column!r} holds "
                         f"{type_name} values; it must be a timestamp, date or integer column "
                         "(CAST it in the query)")


class SyncStateMissing(RevLensError):
    def __init__(self, workspace: Path):
        self.workspace = workspace
        super().__init__(f"the warehouse of {workspace} has no sync state table yet; run "
                         f"`revlens init --workspace {workspace}` to bring it up to date")
