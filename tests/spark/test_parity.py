"""The same data through DuckDB and through Spark gives the same results: every table that
import and refresh write (identity, account matches, attribution credits, lead events, tags,
segments, stored metric models, forecast snapshots), every catalog metric, every attribution
model and both funnels — money to the cent, rates to 1e-9.

The data is the metric layer's story (tests/metrics/story.py): its numbers are worked out by
hand in tests/metrics, so equal results here are also right results.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from revlens.analytics.funnels import FunnelRequest, funnel
from revlens.attribution.engine import MODEL_NAMES
from revlens.attribution.report import (
    AttributionRequest,
    attribution_report,
    compare_models,
)
from revlens.metrics import MetricQuery, run_query
from revlens.metrics.catalog import Catalog

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SPRING = {"date_from": date(2026, 2, 1), "date_to": date(2026, 4, 30)}
VOLATILE = {"_loaded_at", "_batch_id", "run_at", "applied_at", "committed_at", "batch_id",
            "refreshed_at", "computed_at", "source_name"}
"""Columns that record when or in which batch a row was written: they differ between any two
runs, on one engine as on two."""
VOLATILE_IN = {"forecast_snapshots": {"created_at"}, "_metric_models": {"last_commit"}}
"""The same, in one table (the moment a snapshot was taken; the time of the last import)."""
BATCH_TABLES = {"_batches", "_rejects", "_schema_migrations"}
"""Tables about the import runs themselves (ids and times of this run)."""
CENT, RATE = 0.005, 1e-9


def same(a: object, b: object) -> bool:
    """Equal values: money (Decimal) to the cent, other numbers to 1e-9, the rest exactly."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(float(a) - float(b)) < CENT
    if isinstance(a, int | float) and isinstance(b, int | float) \
            and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=RATE, abs_tol=RATE)
    return _plain(a) == _plain(b)


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def _plain(v: object) -> object:
    if isinstance(v, pd.Timestamp | pd.Timedelta):
        return v.tz_convert("UTC").tz_localize(None) if getattr(v, "tz", None) else v
    if hasattr(v, "tolist"):
        return v.tolist()
    return v


def rows_of(wh, name: str) -> list[tuple]:
    """The table's rows without its volatile columns, in a canonical order."""
    t = wh.table(name)
    volatile = VOLATILE | VOLATILE_IN.get(name, set())
    t = t.drop(*[c for c in t.columns if c in volatile])
    frame = wh.to_arrow(t.select(*sorted(t.columns))).to_pylist()
    rows = [tuple(_plain(pd.Timestamp(v)) if hasattr(v, "tzinfo") and v is not None
                  and not isinstance(v, date | str) else v for v in r.values())
            for r in frame]
    return sorted(rows, key=order_key)


def order_key(values) -> tuple:
    """A sort key both engines' rows agree on: numbers rounded far above their noise."""
    return tuple("" if _missing(v) else f"{float(v):.6f}"
                 if isinstance(v, int | float | Decimal) and not isinstance(v, bool) else str(v)
                 for v in values)


def assert_same_rows(duck: list, spark: list, what: str) -> None:
    assert len(duck) == len(spark), f"{what}: {len(duck)} rows on DuckDB, {len(spark)} on Spark"
    for d, s in zip(duck, spark, strict=True):
        assert len(d) == len(s) and all(same(x, y) for x, y in zip(d, s, strict=True)), \
            f"{what}: DuckDB {d} != Spark {s}"


def assert_same_records(duck: list[dict], spark: list[dict], what: str) -> None:
    assert_same_rows(sorted((tuple(r.values()) for r in duck), key=order_key),
                     sorted((tuple(r.values()) for r in spark), key=order_key), what)


def test_spark_and_duckdb_hold_the_same_tables(story, spark_story):
    duck, spark = set(story.warehouse.tables()), set(spark_story.warehouse.tables())
    assert duck == spark
    assert {"identity_map", "attribution_credits", "lead_status_events",
            "account_matches"} <= duck


def test_every_table_import_and_refresh_wrote_is_equal(story, spark_story):
    compared = 0
    for name in sorted(set(story.warehouse.tables()) - BATCH_TABLES):
        duck = rows_of(story.warehouse, name)
        assert_same_rows(duck, rows_of(spark_story.warehouse, name), name)
        compared += len(duck)
    assert compared > 200      # the story's records and what refresh derived from them


def test_imports_counted_the_same(story, spark_story):
    assert story.warehouse.row_counts() == spark_story.warehouse.row_counts()
    count = lambda ws: ws.warehouse.to_arrow(  # noqa: E731
        ws.warehouse.table("_batches").select("entity", "rows_read", "inserted", "updated",
                                              "unchanged", "rejected")).to_pylist()
    assert_same_records(count(story), count(spark_story), "_batches")


def test_every_catalog_metric_is_equal(story, spark_story):
    metrics = [m.id for m in Catalog.load(story.settings.workspace)]
    query = MetricQuery(metrics=metrics, **SPRING)
    duck = run_query(story.warehouse, query).rows
    assert len(duck) == 1 and len(duck[0]) >= len(metrics)
    assert_same_records(duck, run_query(spark_story.warehouse, query).rows, "every metric")


@pytest.mark.parametrize("dim", ["month", "channel", "owner"])
def test_every_metric_by_month_channel_and_owner_is_equal(story, spark_story, dim):
    catalog = Catalog.load(story.settings.workspace)
    metrics = [m.id for m in catalog if dim in catalog.dimensions(m.id)]
    assert len(metrics) >= 20, dim
    query = MetricQuery(metrics=metrics, dimensions=[dim], **SPRING)
    duck = run_query(story.warehouse, query).rows
    assert len(duck) >= 2, dim     # the story spans three months, several channels and reps
    assert_same_records(duck, run_query(spark_story.warehouse, query).rows, f"by {dim}")


@pytest.mark.parametrize("conversion", ["opportunity_created", "won"])
def test_every_attribution_model_is_equal(story, spark_story, conversion):
    request = AttributionRequest(conversion=conversion, **SPRING)
    duck = compare_models(story.warehouse, request)
    spark = compare_models(spark_story.warehouse, request)
    assert duck.models == spark.models == MODEL_NAMES and len(MODEL_NAMES) >= 9

    def cells(report):
        return sorted(((row.key, name, c.conversions, c.amount) for row in report.rows
                       for name, c in row.models.items()), key=order_key)

    assert len(cells(duck)) >= len(MODEL_NAMES)      # every model credits some channel
    assert_same_rows(cells(duck), cells(spark), f"every model, {conversion}")


@pytest.mark.parametrize("model", ["time_decay", "markov", "shapley"])
def test_attribution_reports_are_equal(story, spark_story, model):
    """The whole report: credits, sourced and influenced pipeline, spend, ROI per channel,
    totals, and for the data-driven models each channel's removal effect or Shapley value."""
    request = AttributionRequest(model=model, conversion="won", **SPRING)
    duck = attribution_report(story.warehouse, request)
    spark = attribution_report(spark_story.warehouse, request)
    assert duck.rows, model
    assert_same_records([r.model_dump() for r in duck.rows],
                        [r.model_dump() for r in spark.rows], f"{model} rows")
    totals = lambda r: (r.total_conversions, r.total_amount, r.total_spend)  # noqa: E731
    assert_same_rows([totals(duck)], [totals(spark)], f"{model} totals")
    if model != "time_decay":
        channels = lambda r: [c.model_dump() for c in r.channel_model.channels]  # noqa: E731
        assert channels(duck)
        assert_same_records(channels(duck), channels(spark), f"{model} channels")


@pytest.mark.parametrize("kind", ["leads", "pipeline"])
@pytest.mark.parametrize("mode", ["cohort", "snapshot"])
def test_funnels_are_equal(story, spark_story, kind, mode):
    request = FunnelRequest(kind=kind, mode=mode, **SPRING)
    duck = funnel(story.warehouse, request).model_dump()
    spark = funnel(spark_story.warehouse, request).model_dump()
    steps = lambda r: [tuple(s.items()) for s in r["steps"]]  # noqa: E731
    assert steps(duck), kind
    assert_same_rows([tuple(v for _, v in s) for s in steps(duck)],
                     [tuple(v for _, v in s) for s in steps(spark)], f"{kind} funnel, {mode}")
