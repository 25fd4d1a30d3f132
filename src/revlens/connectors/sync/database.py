"""Reading a source database: its URL from the environment, the entity's query wrapped with a
bound high-water filter, and the result streamed as Arrow chunks of text.

The user's SQL runs as a subquery,

    SELECT * FROM (<query>) AS src WHERE src.updated_at >= :mark ORDER BY src.updated_at

with the mark a bound parameter (never formatted into the SQL). `>=`, not `>`: a row changed
in the same instant as the last row read (common with DATETIME's whole seconds) is not
missed; the rows read at the mark before (their keys are kept with it) are skipped.

Chunks come as `RawTable`s of text, as if read from a file, so they go through the same
validation as `revlens import`. Timestamps without an offset are read in the source's time
zone; row numbers count the query's rows from 1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from revlens.connectors.sync.config import DatabaseSource
from revlens.connectors.sync.exceptions import (
    BadConnectionUrl,
    BadHighWaterMark,
    MissingConnectionEnv,
    SourceUnreachable,
    SyncQueryError,
)
from revlens.contract.entities import entity as get_entity
from revlens.errors import RevLensError
from revlens.ingest.headers import match_headers
from revlens.ingest.readers import RawTable

# URL scheme -> the SQLAlchemy driver sync uses for it
DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg",
           "postgresql+psycopg": "postgresql+psycopg", "mysql": "mysql+pymysql",
           "mysql+pymysql": "mysql+pymysql", "mariadb": "mariadb+pymysql",
           "mariadb+pymysql": "mariadb+pymysql"}
INSTALL = {"postgresql": "pip install 'psycopg[binary]'", "mysql": "pip install pymysql",
           "mariadb": "pip install pymysql"}
CONNECT_TIMEOUT_SECONDS = 10

Mark = datetime | date | int


def connection_url(source: DatabaseSource) -> URL:
    """The source's URL, from the environment variable it names, with sync's driver."""
    value = os.environ.get(source.url_env, "").strip()
    if not value:
        raise MissingConnectionEnv(source.name, source.url_env)
    try:
        url = make_url(value)
    except ArgumentError:
        raise BadConnectionUrl(source.name, source.url_env, "is not a database URL (expected "
                               "postgresql://user:password@host:5432/db or "
                               "mysql://user:password@host:3306/db)") from None
    driver = DRIVERS.get(url.drivername)
    if driver is None:
        raise BadConnectionUrl(source.name, source.url_env, f"names a {url.drivername} "
                               "database; sync reads postgresql://, mysql:// and mariadb:// "
                               "URLs")
    return url.set(drivername=driver)


def shown(url: URL) -> str:
    """The URL as it may be printed and logged: without its password."""
    return url.render_as_string(hide_password=True)


def open_engine(source: DatabaseSource) -> Engine:
    """An engine for the source (no pool: a sync holds one connection at a time)."""
    url = connection_url(source)
    try:
        return sa.create_engine(url, poolclass=NullPool,
                                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    except (ModuleNotFoundError, NoSuchModuleError):
        backend = url.get_backend_name()
        raise RevLensError(f"source {source.name!r}: the {backend} driver is not installed; "
                           f"run: {INSTALL.get(backend, 'pip install ' + backend)}") from None


def connect(engine: Engine, source: DatabaseSource) -> Connection:
    try:
        return engine.connect()
    except DBAPIError as exc:
        raise SourceUnreachable(source.name, shown(engine.url), _first_line(exc)) from None


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc.orig).__name__


def _subquery(source: DatabaseSource, entity: str) -> sa.Subquery:
    query = source.query_of(entity).query
    column = sa.column(source.updated_at_of(entity))
    # Colons are escaped: in the user's SQL they are text (`'10:00'`, `x::date`), not binds.
    return sa.text(query.replace(":", "\\:")).columns(column).subquery("src")


def probe(conn: Connection, source: DatabaseSource, entity: str) -> list[str]:
    """The query's column names, from running it with LIMIT 0 (checks it before any write)."""
    statement = sa.select(sa.literal_column("*")).select_from(_subquery(source, entity)).limit(0)
    try:
        return list(conn.execute(statement).keys())
    except DBAPIError as exc:
        conn.rollback()
        raise SyncQueryError(source.name, entity, _first_line(exc)) from None


def changed_rows(source: DatabaseSource, entity: str, mark: Mark | None) -> sa.Select:
    """The entity's query limited to rows at or after `mark` (all rows when None), oldest
    first, with the mark as a bound parameter."""
    sub = _subquery(source, entity)
    changed = sub.c[source.updated_at_of(entity)]
    statement = sa.select(sa.literal_column("*")).select_from(sub).order_by(changed)
    if mark is not None:
        statement = statement.where(changed >= sa.bindparam("mark", mark))
    return statement


@dataclass
class ChunkReader:
    """Streams the changed rows of one entity as RawTables.

    The filter is inclusive (`>= since`), so a row changed in the same instant as the last one
    read is not missed; rows at exactly the stored `mark` whose key was read there before
    (`keys_at_mark`) are skipped, so rows already read are not read again. After the read,
    `mark` is the greatest updated_at seen (the stored one included) and `keys_at_mark` the
    keys read at it (None when unknown: no key column, or more than MAX_KEYS_AT_MARK).
    """

    conn: Connection
    source: DatabaseSource
    entity: str
    timezone: str
    since: Mark | None = None                        # the query reads updated_at >= since
    mark: Mark | None = None                         # in: the stored mark; out: the new one
    keys_at_mark: set[str] | None = field(default_factory=set)
    rows: int = 0

    def chunks(self) -> Iterator[RawTable]:
        column = self.source.updated_at_of(self.entity)
        statement = changed_rows(self.source, self.entity, self.since)
        streaming = self.conn.execution_options(stream_results=True,
                                                max_row_buffer=self.source.chunk_rows)
        try:
            result = streaming.execute(statement)
            names = list(result.keys())
            stamp_at, key_at = names.index(column), _key_positions(names, self.entity)
            for part in result.partitions(self.source.chunk_rows):
                arrays = [_arrow(values) for values in zip(*part, strict=True)]
                _check_stamps(arrays[stamp_at], self.source.name, self.entity, column)
                keys = _key_text(arrays, key_at)
                arrays, keys = self._unseen(arrays, arrays[stamp_at], keys)
                if not len(arrays[stamp_at]):
                    continue
                self._advance(arrays[stamp_at], keys)
                first = self.rows + 1
                self.rows += len(arrays[stamp_at])
                yield RawTable(pa.table([_text(a, self.timezone) for a in arrays], names=names),
                               pa.array(range(first, self.rows + 1), pa.int64()),
                               self.conn.dialect.name)
        except DBAPIError as exc:
            raise SyncQueryError(self.source.name, self.entity, _first_line(exc)) from None

    def _unseen(self, arrays: list[pa.Array], stamps: pa.Array, keys: pa.Array | None
                ) -> tuple[list[pa.Array], pa.Array | None]:
        """The rows less those read at the stored mark already."""
        if keys is None or self.mark is None or not self.keys_at_mark or pa.types.is_null(
                stamps.type):
            return arrays, keys
        at_mark = pc.fill_null(pc.equal(stamps, pa.scalar(self.mark, stamps.type)), False)
        seen = pa.array(sorted(self.keys_at_mark), pa.string())
        again = pc.and_(at_mark, pc.is_in(keys, value_set=seen))
        if not pc.any(again).as_py():
            return arrays, keys
        keep = pc.invert(again)
        return [a.filter(keep) for a in arrays], keys.filter(keep)

    def _advance(self, stamps: pa.Array, keys: pa.Array | None) -> None:
        top = pc.max(stamps).as_py()
        if top is None:
            return
        if self.mark is None or top > self.mark:
            self.mark, self.keys_at_mark = top, set()
        if top != self.mark or self.keys_at_mark is None:
            return
        if keys is None:
            self.keys_at_mark = None
            return
        at_top = pc.fill_null(pc.equal(stamps, pa.scalar(top, stamps.type)), False)
        self.keys_at_mark.update(keys.filter(at_top).to_pylist())
        if len(self.keys_at_mark) > MAX_KEYS_AT_MARK:
            self.keys_at_mark = None


MAX_KEYS_AT_MARK = 10_000
_KEY_SEPARATOR = "\x1f"


def _check_stamps(values: pa.Array, source: str, entity: str, column: str) -> None:
    kind = values.type
    if not (pa.types.is_timestamp(kind) or pa.types.is_date(kind)
            or pa.types.is_integer(kind) or pa.types.is_null(kind)):
        raise BadHighWaterMark(source, entity, column, str(kind))


def _key_positions(names: list[str], entity: str) -> list[int]:
    """Where the entity's natural key is among the query's columns ([] if not all there)."""
    ent = get_entity(entity)
    headers = match_headers(names, ent, source=entity)
    positions = [names.index(headers.header_of(k)) for k in ent.key
                 if headers.header_of(k) in names]
    return positions if len(positions) == len(ent.key) else []


def _key_text(arrays: list[pa.Array], positions: list[int]) -> pa.Array | None:
    if not positions:
        return None
    parts = [pc.fill_null(pc.cast(arrays[i], pa.string()), "") for i in positions]
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, _KEY_SEPARATOR)


def _arrow(values: tuple) -> pa.Array:
    """One column of DBAPI values as Arrow; values Arrow cannot type (UUID, mixed JSON) as
    text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else _json_or_str(v) for v in values], pa.string())


def _json_or_str(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def _text(values: pa.Array, timezone: str) -> pa.Array:
    """A column as the text an import file would hold: timestamps with their offset (those
    without one taken in `timezone`), nested values as JSON."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return values.cast(pa.string())
    if pa.types.is_null(kind):
        return pa.nulls(len(values), pa.string())
    if pa.types.is_timestamp(kind) and kind.tz is None:
        values = pc.assume_timezone(values, timezone, ambiguous="earliest",
                                    nonexistent="earliest")
    if pa.types.is_nested(kind):
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                         for v in values.to_pylist()], pa.string())
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return pa.array([None if v is None else _json_or_str(v) for v in values.to_pylist()],
                        pa.string())
    return pc.cast(values, pa.string())


def encode_mark(mark: Mark | None) -> str | None:
    """A high-water mark as stored: ISO 8601 text (with the offset the database gave, if any),
    or the integer's digits."""
    if mark is None:
        return None
    return str(mark) if isinstance(mark, int) else mark.isoformat()


def decode_mark(text: str | None) -> Mark | None:
    if text is None:
        return None
    if text.lstrip("-").isdigit():
        return int(text)
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)
