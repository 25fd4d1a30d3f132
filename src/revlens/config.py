"""Typed settings of a RevLens workspace.

A workspace is a directory holding the warehouse (a DuckDB file by default), the app database
(a SQLite file by default) and `revlens.toml`. Settings are read, highest priority first, from
keyword arguments, environment variables `REVLENS_*`, the workspace's `revlens.toml`, and the
defaults below. Several workspaces can live side by side: each command takes `--workspace DIR`
or the environment variable `REVLENS_WORKSPACE`; the default is `~/.revlens`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SETTINGS_FILE = "revlens.toml"
DEFAULT_WORKSPACE = Path("~/.revlens")


class Stage(BaseModel):
    """One opportunity stage. `kind` tells open stages from the single won and lost stages."""

    name: str
    label_zh: str = ""
    probability: float = Field(ge=0, le=1)
    kind: Literal["open", "won", "lost"] = "open"


DEFAULT_STAGES = [
    Stage(name="qualification", label_zh="初步接洽", probability=0.10),
    Stage(name="needs_analysis", label_zh="需求确认", probability=0.25),
    Stage(name="solution", label_zh="方案定制", probability=0.40),
    Stage(name="negotiation", label_zh="商务谈判", probability=0.70),
    Stage(name="won", label_zh="赢单", probability=1.0, kind="won"),
    Stage(name="lost", label_zh="输单", probability=0.0, kind="lost"),
]


def resolve_workspace(workspace: str | Path | None = None) -> Path:
    """The workspace directory: the argument, else `REVLENS_WORKSPACE`, else `~/.revlens`."""
    chosen = workspace or os.environ.get("REVLENS_WORKSPACE") or DEFAULT_WORKSPACE
    return Path(chosen).expanduser().resolve()


class Settings(BaseSettings):
    """Everything a workspace can configure. Every field is also `REVLENS_<FIELD>` in the env."""

    model_config = SettingsConfigDict(env_prefix="REVLENS_", extra="ignore")

    workspace: Path = Field(default_factory=resolve_workspace, description="workspace directory")
    warehouse_url: str = Field(
        "", description="warehouse location; default duckdb:///<workspace>/warehouse.duckdb"
    )
    app_db_url: str = Field(
        "", description="app database (SQLAlchemy URL); default sqlite:///<workspace>/app.db"
    )
    timezone: str = Field("Asia/Shanghai", description="zone of timestamps given without offset")
    currency: str = Field("CNY", description="workspace currency (ISO 4217)")
    locale: Literal["zh-CN", "en"] = Field("zh-CN", description="default UI language")
    stages: list[Stage] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    duckdb_memory_limit: str = Field("8GB", description="DuckDB memory limit; larger work spills")
    duckdb_threads: int = Field(0, description="DuckDB threads; 0 = all cores")
    spark_warehouse_dir: str = Field(
        "", description="where a spark:// warehouse keeps its Parquet tables (a local path or "
                        "an hdfs:// / s3a:// URI); default <workspace>/spark-warehouse")
    spark_database: str = Field("revlens", description="the Spark database of the tables")
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="extra Spark settings, e.g. {\"spark.hadoop.hive.metastore.uris\" = "
                    "\"thrift://metastore:9083\"} to share a Hive metastore; without one the "
                    "table catalog lives in <workspace>/spark-metastore")
    account_match_threshold: float = Field(
        0.9, gt=0, lt=1, description="match probability from which Splink's best account for "
                                     "a lead the rules leave open is taken as its account "
                                     "(revlens.identity.company_linkage)")
    account_review_threshold: float = Field(
        0.2, ge=0, lt=1, description="match probability from which Splink's other candidate "
                                     "accounts are listed by `revlens identity review`")
    identity_engine: Literal["auto", "memory", "warehouse"] = Field(
        "auto", description="where `revlens identity run` (and refresh) finds persons: "
                            "`memory` reads the identifiers into this process and solves the "
                            "graph with scipy (the quickest for small graphs); `warehouse` runs "
                            "every step as queries in the warehouse, so nothing large leaves "
                            "it (what a Spark warehouse needs); `auto` is `warehouse` on a "
                            "spark:// warehouse and `memory` otherwise. Both write the same "
                            "tables")
    host: str = Field("127.0.0.1", description="web app address")
    port: int = Field(8080, description="web app port")
    tracking_flush_seconds: float = Field(
        1.0, gt=0, description="how often `revlens serve` moves tracked events to the warehouse")
    session_idle_minutes: float = Field(
        480, gt=0, description="a web session unused this long ends (each request restarts "
                               "the count); default 8 hours")
    session_max_days: float = Field(
        7, gt=0, description="a web session ends this long after its log-in, used or not")
    session_cookie_secure: bool = Field(
        False, description="send the session cookie over HTTPS only (set it when the app is "
                           "served behind HTTPS)")
    login_max_failures: int = Field(
        5, ge=1, description="failed log-ins for one user name, or from one address, within "
                             "login_window_minutes that lock further log-ins")
    login_window_minutes: float = Field(
        15, gt=0, description="the span in which failed log-ins are counted")
    login_lockout_minutes: float = Field(
        15, gt=0, description="how long log-ins stay refused (even with the right password) "
                              "after the failure that locked them")
    result_cache_mb: int = Field(
        256, ge=0, description="memory `revlens serve` keeps computed dashboard tiles and "
                               "query results in (shared by users of the same scope, "
                               "renewed when the warehouse changes); 0 turns it off")
    result_cache_seconds: float = Field(
        300, ge=0, description="the longest a kept result is served: figures measured as of "
                               "now (ages, idle days, this quarter's forecast) are at most "
                               "this old")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                             "Asia/Shanghai or Europe/Berlin)") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"currency must be a 3-letter ISO code like CNY or USD, not {value!r}")
        return code

    @model_validator(mode="after")
    def _defaults_and_stages(self) -> Settings:
        self.workspace = Path(self.workspace).expanduser().resolve()
        if not self.warehouse_url:
            self.warehouse_url = f"duckdb:///{self.workspace / 'warehouse.duckdb'}"
        if self.warehouse_url.startswith("spark://") and not self.spark_warehouse_dir:
            self.spark_warehouse_dir = str(self.workspace / "spark-warehouse")
        if not self.app_db_url:
            self.app_db_url = f"sqlite:///{self.workspace / 'app.db'}"
        kinds = [s.kind for s in self.stages]
        if kinds.count("won") != 1 or kinds.count("lost") != 1 or "open" not in kinds:
            raise ValueError("stages need open stages plus exactly one won and one lost stage")
        names = [s.name for s in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"stage names must be unique: {names}")
        return self

    @property
    def won_stage(self) -> Stage:
        return next(s for s in self.stages if s.kind == "won")

    @property
    def lost_stage(self) -> Stage:
        return next(s for s in self.stages if s.kind == "lost")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(workspace: str | Path | None = None, **overrides: object) -> Settings:
    """Settings of the workspace `workspace` (see `resolve_workspace`), reading its TOML file."""
    root = resolve_workspace(workspace)
    toml_path = root / SETTINGS_FILE

    class WorkspaceSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml_path if toml_path.exists() else None)

    return WorkspaceSettings(workspace=root, **overrides)


def default_settings_toml(settings: Settings) -> str:
    """The `revlens.toml` written by `revlens init`: the main settings, commented."""
    lines = [
        "# RevLens workspace settings. Environment variables REVLENS_<NAME> override them.",
        f'timezone = "{settings.timezone}"',
        f'currency = "{settings.currency}"',
        f'locale = "{settings.locale}"',
        *_warehouse_lines(settings),
        "# app_db_url = \"postgresql+psycopg://user@host/revlens\"",
        "",
    ]
    for stage in settings.stages:
        lines += [
            "[[stages]]",
            f'name = "{stage.name}"',
            f'label_zh = "{stage.label_zh}"',
            f"probability = {stage.probability}",
            f'kind = "{stage.kind}"',
            "",
        ]
    return "\n".join(lines)


def _warehouse_lines(settings: Settings) -> list[str]:
    """A Spark warehouse is written down (every later command must find it); the default
    DuckDB file is only shown, commented."""
    if settings.warehouse_url.startswith("spark://"):
        return [f"warehouse_url = {json.dumps(settings.warehouse_url)}",
                f"spark_database = {json.dumps(settings.spark_database)}",
                f"spark_warehouse_dir = {json.dumps(settings.spark_warehouse_dir)}"]
    return ["# warehouse_url = \"duckdb:///path/to/warehouse.duckdb\"",
            "# warehouse_url = \"spark://local[2]\"  # or spark://host:7077 "
            "(pip install 'revlens[spark]')"]
