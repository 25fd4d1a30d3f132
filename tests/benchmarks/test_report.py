"""docs/benchmarks.md's generator and the scaling analysis, on hand-made results whose right
answers are easy to check: the page shows the saved numbers, their scale and the machine; the
growth exponents and the Spark estimate come out as worked by hand below."""

from __future__ import annotations

import json

import pytest
from benchmarks.bench_pipeline import StageRun, figures
from benchmarks.machine_costs import SparkCost
from benchmarks.registry import Figure

from benchmarks import report, results, scaling

MACHINE = {"cpu": "Test CPU 9000", "cpus": 2, "memory_gb": 23.5, "os": "Debian GNU/Linux 12",
           "python": "3.11.7", "duckdb": "1.5.6", "ibis": "12.0.0", "pyspark": "4.0.5"}
COCKPIT = [Figure("cockpit", "bookings by month: p50", 30.0, "ms", "SQL", 20.0, 1.5),
           Figure("cockpit", "bookings by month: p95", 40.0, "ms", "SQL", 25.0, 1.6)]
SPARK_COCKPIT = [Figure("cockpit", "bookings by month: p50", 3000.0, "ms"),
                 Figure("cockpit", "bookings by month: p95", 4000.0, "ms")]


def pipeline(rows: int, import_s: float, refresh_s: float, peak_mb: float = 1024.0,
             spark: bool = False) -> list[Figure]:
    """Pipeline figures of a run: the floor imports twice as fast; refresh has two steps (on
    Spark it fails in a third)."""
    imported = StageRun(import_s, rows, 0, {"touchpoints": import_s / 2}, import_s,
                        peak_rss_mb=400.0, spark=SparkCost(50, 200, 40.0) if spark else None)
    floor = StageRun(import_s / 2, rows, 0, {"touchpoints": import_s / 4}, import_s / 2,
                     peak_rss_mb=200.0)
    refreshed = StageRun(refresh_s, parts={"identity_map": refresh_s / 4,
                                           "attribution_credits": refresh_s * 3 / 4},
                         cpu_seconds=refresh_s, part_cpu={"identity_map": refresh_s / 4,
                                                          "attribution_credits": refresh_s * 3 / 4},
                         part_peak_mb={"identity_map": 700.0, "attribution_credits": 900.0},
                         peak_rss_mb=peak_mb, memory_limit="8GB",
                         spark=SparkCost(400, 1600, 200.0) if spark else None,
                         error="in forecast_snapshots: TypeError: bad comparison" if spark else "")
    return figures("spark" if spark else "duckdb", {"seconds": 3.0}, imported, floor, refreshed,
                   (SPARK_COCKPIT if spark else COCKPIT, ""))


@pytest.fixture
def saved(tmp_path):
    """DuckDB at small (1,000 rows) and medium (4,000): import grows linearly (10 s -> 40 s),
    refresh as rows^1.5 (20 s -> 160 s), its peak memory as rows^0.5 (500 MB -> 1,000 MB);
    Spark at tiny (100 s of import)."""
    def save(engine, scale, figs):
        entry = results.entry(figs, "2026-11-23T18:00:00+00:00", 120.0, 1, (1.5, 2.5), MACHINE)
        results.save(tmp_path, engine, scale, {"pipeline": entry})

    save("duckdb", "small", pipeline(1_000, 10.0, 20.0, 500.0))
    save("duckdb", "medium", pipeline(4_000, 40.0, 160.0, 1000.0))
    save("spark", "tiny", pipeline(500, 100.0, 300.0, spark=True))
    results.save(tmp_path, "duckdb", "small", {"identity": results.entry(
        [Figure("identity", "build the person graph", 2.5, "s", "scipy", 1.25, 2.0)],
        "2026-11-23T19:00:00+00:00", 30.0, 3, (None, None), MACHINE)})
    return tmp_path


def test_saving_merges_benchmarks_into_one_file_per_engine_and_scale(saved):
    small = results.load_file(saved / "duckdb-small.json")
    assert set(small["benchmarks"]) == {"pipeline", "identity"}
    assert [(r["engine"], r["scale"]) for r in results.load_all(saved)] == [
        ("duckdb", "small"), ("duckdb", "medium"), ("spark", "tiny")]


def test_growth_exponents_by_hand(saved):
    analysis = scaling.analyse(results.load_all(saved))
    wall = analysis["growth"]["duckdb"]["wall"]
    assert wall["import"]["exponent"] == pytest.approx(1.0)        # 4x rows, 4x time
    assert wall["import"]["coefficient"] == pytest.approx(0.01)    # 10 s / 1,000 rows
    assert wall["refresh"]["exponent"] == pytest.approx(1.5)       # 4x rows, 8x time
    assert wall["refresh: attribution_credits"]["exponent"] == pytest.approx(1.5)
    assert wall["import"]["fitted_scales"] == ["small", "medium"]
    assert analysis["growth"]["duckdb"]["cpu"]["refresh"]["exponent"] == pytest.approx(1.5)
    assert analysis["growth"]["spark"]["wall"]["import"]["exponent"] is None


def test_the_spark_estimate_by_hand(saved):
    """Spark import: 100 s wall, 200 tasks of 40 s in all (0.2 s each), so the driver's time
    is 100 - 40/2 = 80 s. DuckDB's import is 0.01 s per row. On n nodes with Spark as fast
    per row (m = 1): T* = (80 + 200 * 0.2 / (2n)) / (1 - 1/n): n = 2 -> 90 / 0.5 = 180 s, or
    18,000 rows; n = 4 -> 85 / 0.75 = 113.3 s, 11,333 rows. With m = 3, two nodes never pay
    off and four need 85 / 0.25 = 340 s, 34,000 rows."""
    estimate = scaling.analyse(results.load_all(saved))["spark_estimate"]["import"]
    assert estimate["per_task_seconds"] == pytest.approx(0.2)
    assert estimate["driver_seconds"] == pytest.approx(80.0)
    rows = estimate["break_even_rows"]
    assert rows["1x/2"] == pytest.approx(18_000)
    assert rows["1x/4"] == pytest.approx(85 / 0.75 / 0.01)
    assert rows["3x/2"] is None
    assert rows["3x/4"] == pytest.approx(34_000)
    assert "refresh" not in scaling.analyse(results.load_all(saved))["spark_estimate"]


def test_the_page_shows_the_saved_numbers_their_scale_and_the_machine(saved, tmp_path):
    out = tmp_path / "benchmarks.md"
    assert report.main(["--results-dir", str(saved), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    for text in ("| CPU | Test CPU 9000, 2 logical CPUs |", "| memory | 23.5 GiB |",
                 "| OS | Debian GNU/Linux 12 |", "| DuckDB | 1.5.6 |", "| PySpark | 4.0.5 |",
                 "#### pipeline — small", "#### pipeline — medium", "#### identity — small",
                 "| build the person graph | 2.50 s | scipy | 1.25 s | 2.00x |",
                 "| import the demo folder | 40.00 s | duckdb read_csv + INSERT, each file | "
                 "20.00 s | 2.00x |",
                 "| refresh | 160.00 s |", "| 4,000 rows |",
                 "| refresh | 20.00 | 160 | 1.50 | small, medium |",
                 "| import | 10.00 | 40.00 | 1.00 | small, medium |",
                 "| import | 18,000 | 11,333 |",
                 "load average 1.5 → 2.5 on 2 CPUs",
                 "| duckdb | medium | 1,000 MB | 12% | attribution_credits, 900 MB |",
                 # large: 4,000 rows x 10M / 2M touchpoints = 20,000 rows; 500 * sqrt(20)
                 "| refresh | 500 | 1,000 | 2,236 | 0.50 | small, medium |",
                 "large, projected (20,000 rows)",
                 "| &emsp;refresh step identity_map: peak RSS | 700 MB |",
                 "Not run yet on DuckDB: scale tiny, large.", report.LARGE_RUN,
                 "`large` not measured yet"):
        assert text in page, text
    headline = next(line for line in page.splitlines() if line.startswith("| refresh | "))
    assert headline == "| refresh | medium | 160.00 s |  |  |  |"   # the largest scale saved
    assert "Estimate, not a measurement." in page
    assert "- tiny: refresh: FAILED in forecast_snapshots: TypeError: bad comparison" in page


def test_without_results_the_page_says_what_is_not_measured(tmp_path):
    page = report.render([])
    assert "No saved run." in page and "Not measured yet: no saved `pipeline` run." in page
    assert json.loads(json.dumps(scaling.analyse([]))) == {
        "points": [], "fit_from": "small", "growth": {}, "spark_estimate": {},
        "large_rows_projected": None}
