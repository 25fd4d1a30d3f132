"""The warehouse on Spark: `warehouse_url = "spark://local[2]"` (a local Spark in this process)
or `spark://host:7077` (a cluster's master); `yarn` and `k8s://...` masters work the same way
(`spark://yarn`).

Tables are Parquet files under `spark_warehouse_dir` (a local path, `hdfs://` or `s3a://`), in the
Spark database `spark_database`; the table catalog is a Hive metastore, by default an embedded
one in `<workspace>/spark-metastore` (set `spark.hadoop.hive.metastore.uris` in `spark_conf` to
share a metastore server). Everything else — import, refresh, identity, attribution, funnels and
every catalog metric — runs through the same Ibis expressions as on DuckDB.

Spark has no transactions over several tables, so `transaction()` keeps an undo journal: before
a table is first written inside a transaction, a copy of it is saved (`_undo_<txn>_<n>`) and
recorded in the workspace's `spark-undo-journal.json`; commit drops the copies, a failure
restores them, and when a process was killed mid-way the journal is replayed (tables restored)
the next time the warehouse is opened for writing. An import therefore commits whole or leaves
the tables as they were, as on DuckDB. Temporary tables (`create_temp`) are Spark temporary views
of checkpointed data, dropped when the connection closes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import sqlglot.expressions as sge

from revlens.config import Settings
from revlens.errors import MissingExtra, UnsupportedWarehouse, WorkspaceBusy
from revlens.warehouse.connection import Warehouse, arrow_rows

log = logging.getLogger(__name__)

PREFIX = "spark://"
JOURNAL_FILE = "spark-undo-journal.json"
"""In the workspace: one entry per table an open transaction wrote, `backup` its saved copy
(null when the table did not exist before: undo = drop it)."""
UNDO_PREFIX = "_undo_"
TEMP_PREFIX = "_tmp_"
HIDDEN_PREFIXES = (UNDO_PREFIX, "ibis_")
"""Tables that are the backend's own (undo copies, Ibis' registered in-memory tables)."""
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.default": "parquet",
    "spark.sql.legacy.createHiveTableByDefault": "false",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",   # results in the session's zone
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}
_SESSION_LOCK = threading.Lock()
METASTORE_LOCKED = "Unable to instantiate org.apache.hadoop.hive.ql.metadata.SessionHiveMetaStore"
"""What Spark says when another process has the embedded (Derby) metastore open."""


def master_of(url: str) -> str:
    """The Spark master a `spark://` warehouse URL names: `spark://local[2]` → `local[2]`,
    `spark://yarn` → `yarn`, `spark://host:7077` → itself."""
    if not url.startswith(PREFIX) or len(url) == len(PREFIX):
        raise UnsupportedWarehouse(url)
    rest = url[len(PREFIX):]
    if rest.startswith(("local", "yarn", "k8s://")):
        return rest
    return url


def spark_session(settings: Settings) -> Any:
    """The process's SparkSession, started on first use with the workspace's settings. A
    session is one per process: a later workspace with other settings shares it (its tables
    still live where its own `spark_warehouse_dir` says)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingExtra("a spark:// warehouse", "pip install 'revlens[spark]'") from None
    with _SESSION_LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder.master(master_of(settings.warehouse_url)).appName("revlens")
        conf = {**DEFAULT_CONF, "spark.sql.warehouse.dir": settings.spark_warehouse_dir}
        if "spark.hadoop.hive.metastore.uris" not in settings.spark_conf:
            metastore = Path(settings.workspace) / "spark-metastore"
            conf["spark.hadoop.javax.jdo.option.ConnectionURL"] = (
                f"jdbc:derby:;databaseName={metastore};create=true")
            conf["spark.driver.extraJavaOptions"] += f" -Dderby.system.home={metastore.parent}"
        conf.update(settings.spark_conf)
        conf.update(_with_splink_jar(conf))
        for key, value in conf.items():
            builder = builder.config(key, value)
        session = builder.enableHiveSupport().getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


def _with_splink_jar(conf: dict[str, str]) -> dict[str, str]:
    """`spark.jars` with the jar of string-similarity functions that the Splink wheel ships
    (`jaro_winkler`) appended, when Splink is installed: account matching's Jaro-Winkler level
    needs it to weigh names on Spark as it does on DuckDB. The jar is a file inside the
    installed package; the user's own jars stay first."""
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        return {}
    jar = similarity_jar_location()
    jars = conf.get("spark.jars", "").strip().rstrip(",")
    if not Path(jar).is_file() or jar in (j.strip() for j in jars.split(",")):
        return {}
    return {"spark.jars": f"{jars},{jar}" if jars else jar}


def _instant(dtype: dt.DataType) -> dt.DataType:
    if dtype.is_timestamp() and dtype.timezone is None:
        return dt.Timestamp(timezone="UTC", scale=6, nullable=dtype.nullable)
    return dtype


def _backend_class() -> type:
    """Ibis' PySpark backend, registering in-memory tables from Arrow (Ibis' own path goes
    through pandas, which fails on a decimal column holding nulls and is slow)."""
    from ibis.backends.pyspark import Backend
    from ibis.backends.pyspark.datatypes import PySparkSchema
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    ibis.pyspark  # noqa: B018 (loading the backend through Ibis registers its options)

    class DoubleLiterals(PySparkCompiler):
        """Float literals as DOUBLE: Spark reads `86400.0` as a DECIMAL(6, 1), and integer
        arithmetic with it stays decimal, rounded to its scale (1800 / 86400.0 = 0.020833)."""

        def visit_NonNullLiteral(self, op: Any, *, value: Any, dtype: dt.DataType) -> Any:
            result = super().visit_NonNullLiteral(op, value=value, dtype=dtype)
            if dtype.is_floating() and result is not None:
                return sge.Cast(this=result, to=sge.DataType.build(
                    "DOUBLE" if dtype.is_float64() else "FLOAT"))
            return result

    class ArrowBackend(Backend):
        compiler = DoubleLiterals()

        def get_schema(self, table_name: str, *, catalog: str | None = None,
                       database: str | None = None) -> ibis.Schema:
            """Spark's TIMESTAMP is an instant (shown in the session's zone, UTC): it reads
            as the warehouse's `timestamp('UTC', 6)`, as on DuckDB."""
            schema = super().get_schema(table_name, catalog=catalog, database=database)
            return ibis.schema({name: _instant(dtype) for name, dtype in schema.items()})

        def _register_in_memory_table(self, op: Any) -> None:
            frame = self._session.createDataFrame(
                op.data.to_pyarrow(op.schema), schema=PySparkSchema.from_ibis(op.schema))
            frame.createOrReplaceTempView(op.name)

    return ArrowBackend


class _JournaledBackend:
    """The Ibis PySpark backend, with every table write first recorded by the warehouse's undo
    journal (see the module docstring). Anything else is the backend's own."""

    def __init__(self, backend: Any, warehouse: SparkWarehouse):
        self._backend, self._warehouse = backend, warehouse

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def create_table(self, name: str, /, obj: Any = None, **kwargs: Any) -> ibis.Table:
        self._warehouse.before_write(name)
        if kwargs.get("overwrite") and isinstance(obj, ibis.Table):
            # Spark cannot overwrite a table its own query reads: compute the rows first
            obj = self._warehouse.materialised(obj)
        return self._backend.create_table(name, obj, **kwargs)

    def insert(self, name: str, /, obj: Any, **kwargs: Any) -> None:
        self._warehouse.before_write(name)
        self._backend.insert(name, obj, **kwargs)

    def truncate_table(self, name: str, /, **kwargs: Any) -> None:
        self._warehouse.before_write(name)
        self._backend.truncate_table(name, **kwargs)

    def drop_table(self, name: str, /, **kwargs: Any) -> None:
        self._warehouse.before_write(name)
        self._backend.drop_table(name, **kwargs)


class SparkWarehouse(Warehouse):
    """`Warehouse` on Spark; see the module docstring for what differs underneath."""

    def __init__(self, settings: Settings, read_only: bool = False):
        self.settings = settings
        self.url = settings.warehouse_url
        self.path = settings.spark_warehouse_dir
        self.read_only = read_only
        self.session = spark_session(settings)
        self.database = settings.spark_database
        location = self.path.rstrip("/") + f"/{self.database}.db"
        self._backend = _backend_class()()
        self._backend.do_connect(self.session)
        self.con = _JournaledBackend(self._backend, self)
        try:
            self.session.sql(sge.Create(
                this=sge.to_table(self.database, quoted=True), kind="DATABASE", exists=True,
                properties=sge.Properties(expressions=[sge.LocationProperty(
                    this=sge.Literal.string(location))]),
            ).sql(self.dialect))
        except Exception as exc:
            if METASTORE_LOCKED not in str(exc):
                raise
            raise WorkspaceBusy(self.path, "its embedded Spark metastore admits one process "
                                           "at a time; or share a metastore server through "
                                           "spark.hadoop.hive.metastore.uris") from None
        self.session.catalog.setCurrentDatabase(self.database)
        self._in_transaction = False
        self._scratch: list[str] = []
        self._temps: dict[str, Any] = {}
        self._tables: dict[str, ibis.Table] = {}
        self._memo: dict[str, object] = {}
        self._txn: str | None = None
        self._undo: dict[str, str | None] = {}
        self.journal_path = Path(settings.workspace) / JOURNAL_FILE
        if not read_only:
            self.recover()

    def close(self) -> None:
        for name in list(self._temps):
            self.drop_temp(name)

    # -- reading ---------------------------------------------------------------------------
    def tables(self) -> list[str]:
        return [t for t in self._backend.list_tables(database=self.database)
                if not t.startswith(HIDDEN_PREFIXES)]

    def compile(self, expr: ibis.Expr) -> ibis.Expr:
        """The expression itself: Spark plans it on each run, and executing it through Ibis
        gives the same column types as DuckDB's path."""
        return expr

    def fetch_compiled(self, statement: ibis.Expr) -> tuple[list[str], list[tuple]]:
        """The column names and rows (Python values) of `statement`."""
        return arrow_rows(self.to_arrow(statement))

    def materialised(self, expr: ibis.Table) -> ibis.Table:
        """`expr` computed into a temporary table (for writes that read their own target)."""
        return self.scratch(expr)

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """All writes inside commit together or not at all (by the undo journal)."""
        if self._in_transaction:
            yield self
            return
        self._in_transaction, self._txn, self._undo = True, uuid.uuid4().hex[:12], {}
        try:
            yield self
        except BaseException:
            self._roll_back(self._txn)
            raise
        else:
            self._commit(self._txn)
        finally:
            self._in_transaction, self._txn, self._undo = False, None, {}

    def before_write(self, name: str) -> None:
        """Save `name` before this transaction first changes it (outside one: nothing)."""
        if not self._in_transaction or name in self._undo or name.startswith(
                (TEMP_PREFIX, UNDO_PREFIX, "_scratch_")) or name in self._temps:
            return
        backup = None
        if self._exists(name):
            backup = f"{UNDO_PREFIX}{self._txn}_{len(self._undo)}"
            self.session.table(name).write.saveAsTable(backup, format="parquet")
        self._journal_add(name, backup)
        self._undo[name] = backup

    def _exists(self, name: str) -> bool:
        return self.session.catalog.tableExists(f"{self.database}.{name}")

    def _journal_add(self, name: str, backup: str | None) -> None:
        entries = self._journal()
        entries.append({"txn": self._txn, "seq": len(self._undo), "table_name": name,
                        "backup": backup})
        self._write_journal(entries)

    def _journal(self, txn: str | None = None) -> list[dict]:
        """The journal's entries (of `txn`, else of every transaction), newest first."""
        try:
            entries = json.loads(self.journal_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        mine = [e for e in entries if txn is None or e["txn"] == txn]
        return sorted(mine, key=lambda e: (e["txn"], -e["seq"]))

    def _write_journal(self, entries: list[dict]) -> None:
        """Replace the journal file atomically (a crash leaves the old or the new one)."""
        staged = self.journal_path.with_suffix(".tmp")
        staged.write_text(json.dumps(entries), encoding="utf-8")
        with open(staged, "rb") as f:
            os.fsync(f.fileno())
        staged.replace(self.journal_path)

    def _commit(self, txn: str) -> None:
        entries = self._journal(txn)
        self._clear_journal(txn)
        for entry in entries:
            if entry["backup"]:
                self._backend.drop_table(entry["backup"], force=True)

    def _roll_back(self, txn: str) -> None:
        for entry in self._journal(txn):
            self._restore(entry)
        self._clear_journal(txn)
        self._tables.clear()

    def _restore(self, entry: dict) -> None:
        name, backup = entry["table_name"], entry["backup"]
        if backup is None:
            self._backend.drop_table(name, force=True)
        elif self._exists(backup):
            self._backend.drop_table(name, force=True)
            self._backend.rename_table(backup, name)

    def _clear_journal(self, txn: str) -> None:
        self._write_journal([e for e in self._journal() if e["txn"] != txn])

    def recover(self) -> list[str]:
        """Undo the writes of transactions a killed process left open; returns their tables."""
        entries = self._journal()
        for entry in entries:
            log.warning("restoring table %s: the process writing it stopped before committing",
                        entry["table_name"])
            self._restore(entry)
        if entries:
            self._write_journal([])
        return [e["table_name"] for e in entries]

    def create_temp(self, name: str, data: pa.Table | ibis.Table) -> ibis.Table:
        """`data` computed now and kept in Spark's memory as the temporary view `name`, cut
        from the tables it was computed from (later writes to them do not change it)."""
        expr = data if isinstance(data, ibis.Table) else ibis.memtable(data)
        self._backend._run_pre_execute_hooks(expr)
        frame = self.session.sql(self._backend.compile(expr)).localCheckpoint(eager=True)
        self.drop_temp(name)
        frame.createOrReplaceTempView(name)
        self._temps[name] = frame
        return self._backend.table(name)

    def drop_temp(self, name: str) -> None:
        frame = self._temps.pop(name, None)
        self.session.catalog.dropTempView(name)
        if frame is not None:
            frame.unpersist()

    def run_statement(self, statement: sge.Expression) -> None:
        """One DML statement built with sqlglot. A `DELETE ... USING` (which Parquet tables do
        not have) becomes a rewrite of the table without the matching rows."""
        if isinstance(statement, sge.Delete):
            self._delete(statement)
            return
        table = statement.find(sge.Table)
        if table is not None:
            self.before_write(table.name)
        self.session.sql(statement.sql(self.dialect))

    def _delete(self, statement: sge.Delete) -> None:
        target = statement.this
        name = target.name
        using = statement.args.get("using") or []
        where = statement.args["where"].this
        matching = sge.Exists(this=sge.select("1").from_(*using).where(where)) if using \
            else where
        kept = sge.select(sge.Star()).from_(target).where(sge.Not(this=matching))
        staged = f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}"
        frame = self.session.sql(kept.sql(self.dialect)).localCheckpoint(eager=True)
        frame.createOrReplaceTempView(staged)
        self._temps[staged] = frame
        self.before_write(name)
        self.session.sql(sge.Insert(this=sge.to_table(name, quoted=True), overwrite=True,
                                    expression=sge.select(sge.Star()).from_(
                                        sge.to_table(staged, quoted=True))).sql(self.dialect))
        self.drop_temp(staged)
        self._tables.pop(name, None)


def is_spark(url: str) -> bool:
    return url.startswith(PREFIX)


__all__ = ["SparkWarehouse", "is_spark", "master_of", "spark_session"]
