"""The sources file: which databases `revlens sync` reads, by which query per entity, and when.

    # <workspace>/sources.toml
    [sources.crm]
    url_env = "CRM_DATABASE_URL"        # the environment variable that holds the URL
    schedule = "*/30 * * * *"           # optional: cron, in the workspace time zone

    [sources.crm.entities.accounts]
    query = "SELECT id AS account_id, name, created_at, updated_at FROM accounts"

The connection URL itself is never in the file (nor in the app database or the warehouse):
only the name of the environment variable that holds it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from revlens.config import resolve_workspace
from revlens.connectors.sync.exceptions import SourcesFileError, UnknownSource, UnknownSourceEntity
from revlens.contract.entities import ENTITIES

SOURCES_FILE = "sources.toml"
SOURCE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$"


class EntityQuery(BaseModel):
    """How one entity is read from the source."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="SQL whose columns are the entity's (canonical names or "
                                   "aliases, as in an import file) plus the updated_at column; "
                                   "run as a subquery, so no trailing ORDER BY/LIMIT is needed")
    updated_at: str | None = Field(None, pattern=IDENTIFIER,
                                   description="column of the query holding the row's last-"
                                               "change time; default: the source's updated_at")

    @field_validator("query")
    @classmethod
    def _one_statement(cls, value: str) -> str:
        query = value.strip().rstrip(";").strip()
        if not query:
            raise ValueError("the query is empty")
        return query


class DatabaseSource(BaseModel):
    """A CRM (or any) database read by SQL, one query per entity."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("", description="the source's name: its key in the file")
    url_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                         description="environment variable holding the SQLAlchemy URL "
                                     "(postgresql://... or mysql://...)")
    schedule: str | None = Field(None, description="cron expression (minute hour day month "
                                                   "weekday) in the workspace time zone; "
                                                   "`revlens serve` runs the sync then")
    updated_at: str = Field("updated_at", pattern=IDENTIFIER,
                            description="default column holding each row's last-change time")
    timezone: str | None = Field(None, description="zone of the database's timestamps that "
                                                   "carry no offset; default the workspace's")
    chunk_rows: int = Field(10_000, ge=1, le=1_000_000,
                            description="rows read and validated at a time")
    lookback_seconds: int = Field(0, ge=0, description="re-read rows changed up to this many "
                                                       "seconds before the mark: covers CRM "
                                                       "transactions that commit late with an "
                                                       "earlier updated_at (datetime marks)")
    entities: dict[str, EntityQuery] = Field(min_length=1, description="entity -> its query")

    @model_validator(mode="before")
    @classmethod
    def _no_url(cls, data: object) -> object:
        if isinstance(data, dict) and {"url", "dsn", "password"} & set(data):
            raise ValueError("never write the connection URL or password in the sources file: "
                             "put the URL in an environment variable and name that variable "
                             "with url_env = \"...\"")
        return data

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(f"{value!r} is not a cron expression (minute hour day month "
                             "weekday, e.g. \"*/30 * * * *\" or \"0 2 * * *\")")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                                 "Asia/Shanghai or UTC)") from None
        return value

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: dict[str, EntityQuery]) -> dict[str, EntityQuery]:
        unknown = [name for name in value if name not in ENTITIES]
        if unknown:
            raise ValueError(f"unknown entity {unknown[0]!r}; choose among: "
                             f"{', '.join(ENTITIES)}")
        return value

    def updated_at_of(self, entity: str) -> str:
        return self.entities[entity].updated_at or self.updated_at

    def query_of(self, entity: str) -> EntityQuery:
        if entity not in self.entities:
            raise UnknownSourceEntity(self.name, entity, list(self.entities))
        return self.entities[entity]


class SourcesFile(BaseModel):
    """The whole file: `[sources.NAME]` tables."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(Path(SOURCES_FILE), exclude=True)
    sources: dict[str, DatabaseSource] = Field(default_factory=dict)

    @field_validator("sources")
    @classmethod
    def _names(cls, value: dict[str, DatabaseSource]) -> dict[str, DatabaseSource]:
        import re

        for name, source in value.items():
            if not re.match(SOURCE_NAME, name):
                raise ValueError(f"source name {name!r}: use letters, digits, - and _")
            source.name = name
        return value

    def source(self, name: str) -> DatabaseSource:
        if name not in self.sources:
            raise UnknownSource(name, list(self.sources), self.path)
        return self.sources[name]


def sources_path(workspace: str | Path | None = None) -> Path:
    """The default sources file of a workspace: `<workspace>/sources.toml`."""
    return resolve_workspace(workspace) / SOURCES_FILE


def load_sources(path: str | Path) -> SourcesFile:
    """Read and check a sources file; every problem is a one-line SourcesFileError."""
    path = Path(path).expanduser()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SourcesFileError(path, "no sources file here; create it with a [sources.NAME] "
                                     "table per database (see docs/database-sync.md)") from None
    except OSError as exc:
        raise SourcesFileError(path, f"cannot read it: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(path, f"not valid TOML: {exc}") from None
    try:
        return SourcesFile.model_validate({**data, "path": path})
    except ValidationError as exc:
        raise SourcesFileError(path, _first_problem(exc)) from None


def _first_problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown setting {first['loc'][-1]!r}"
    elif first["type"] == "missing":
        message = f"{first['loc'][-1]} is required"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{where}: {message}{more}" if where else message + more
