"""Errors a person can act on. Each says what failed, with its inputs, and whether a retry helps."""

from __future__ import annotations

from pathlib import Path


class RevLensError(Exception):
    """Base of every error RevLens raises on purpose; the CLI prints it as one line."""

    retryable: bool = False


class WorkspaceNotInitialised(RevLensError):
    def __init__(self, workspace: Path):
        self.workspace = workspace
        super().__init__(f"no RevLens workspace at {workspace}; run `revlens init "
                         f"--workspace {workspace}` first")


class WorkspaceBusy(RevLensError):
    """Another process (usually `revlens serve`) holds the warehouse file for writing."""

    retryable = True

    def __init__(self, path: str, detail: str = ""):
        self.path = path
        super().__init__(
            f"the warehouse {path} is in use by another RevLens process (usually `revlens serve`)"
            "; stop that process, or upload the file through the web app, then try again"
            + (f" ({detail})" if detail else "")
        )


class UnsupportedWarehouse(RevLensError):
    def __init__(self, url: str):
        self.url = url
        super().__init__(f"unsupported warehouse URL {url!r}; use duckdb:///path/to/file.duckdb "
                         "(the default), duckdb://:memory:, or spark://local[2] / "
                         "spark://host:7077 for Spark")


class MissingExtra(RevLensError):
    """An optional part that needs a package the installation does not have."""

    def __init__(self, feature: str, pip_line: str):
        self.feature, self.pip_line = feature, pip_line
        super().__init__(f"{feature} needs an optional package that is not installed; "
                         f"install it with: {pip_line}")


class WarehouseError(RevLensError):
    """An engine error, re-raised with the table and the operation that failed."""

    def __init__(self, operation: str, table: str, cause: Exception):
        self.operation, self.table, self.cause = operation, table, cause
        super().__init__(f"{operation} on table {table} failed: {cause}")


class ImportFileError(RevLensError):
    """The file as a whole cannot be imported (unreadable, unknown format, no usable header)."""

    def __init__(self, path: Path | str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"{path}: {reason}")


class UnknownBatch(RevLensError):
    def __init__(self, batch_id: str):
        self.batch_id = batch_id
        super().__init__(f"no import batch {batch_id!r}; `revlens imports` lists the batches")


class UnknownEntity(RevLensError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, known
        super().__init__(f"unknown entity {name!r}; choose one of: {', '.join(known)}")


class UnknownUser(RevLensError):
    def __init__(self, name: str):
        self.name = name
        super().__init__(f"no RevLens user {name!r}; `revlens users list` shows the users and "
                         "`revlens users add` creates one")


class UnknownRole(RevLensError):
    def __init__(self, role: str, known: tuple[str, ...]):
        self.role, self.known = role, known
        super().__init__(f"unknown role {role!r}; choose one of: {', '.join(known)}")


class AccountError(RevLensError):
    """A change to a user that cannot be made as asked (a short password, a scope that does
    not exist, the last admin demoted ...); the message says what to change."""


class LoginFailed(RevLensError):
    """Wrong user name or password, or the user is deactivated (not told apart, on purpose)."""

    def __init__(self, username: str):
        self.username = username
        super().__init__("wrong user name or password")


class LoginLocked(RevLensError):
    """Too many failed log-ins for this user name or from this address: every attempt is
    refused, even with the right password, until `retry_after` seconds have passed."""

    retryable = True

    def __init__(self, retry_after: int, failures: int, minutes: int):
        self.retry_after = retry_after
        super().__init__(f"too many failed log-ins ({failures} within {minutes} minutes); "
                         f"try again in {retry_after} seconds, or ask an admin to check the "
                         "audit log")
