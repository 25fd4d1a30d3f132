"""The pipeline benchmark, run on the metric layer's hand-made story (as a demo folder with a
manifest) through the scaling command: every stage is measured, both import sides loaded every
row, the run is saved with its machine, and the scaling report reads it back. Spark's event
log is read right (on a hand-written log: a Spark run takes far too long for a test).

No timing is asserted; only that the benchmark measures what it says it measures.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from benchmarks.bench_pipeline import (
    BUDGET_MB,
    FLOOR,
    NAME,
    ROWS_FIGURE,
    SQL_PEER,
    stage_seconds,
)
from benchmarks.machine_costs import cpu_seconds, descendants, peak_rss_mb, spark_cost
from benchmarks.registry import BENCHMARK_ENGINES, BENCHMARKS, SPARK_URL

from benchmarks import bench_pipeline, results, scaling
from revlens.refresh import STEP_MODULES
from tests.metrics.story import TABLES

pytestmark = pytest.mark.slow  # fresh worker processes, one per stage

STORY_ROWS = sum(len(text.strip().splitlines()) - 1 for text in TABLES.values())


def story_folder(folder: Path) -> Path:
    """The story's tables as a demo folder: one CSV per entity and a manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for entity, text in TABLES.items():
        (folder / f"{entity}.csv").write_text(text.strip() + "\n", encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({
        "import_order": list(TABLES), "files": {e: f"{e}.csv" for e in TABLES}}),
        encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """`python benchmarks/scaling.py --scales tiny` with the story as the tiny demo."""
    root = tmp_path_factory.mktemp("pipeline")
    folder = story_folder(root / "story")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bench_pipeline, "demo_data", lambda scale, data_dir: folder)
        assert scaling.main(["--scales", "tiny", "--results-dir", str(root / "results"),
                             "--data-dir", str(root / "data")]) == 0
    return root


def test_pipeline_is_registered_for_both_engines():
    assert NAME in BENCHMARKS
    assert BENCHMARK_ENGINES[NAME] == ("duckdb", "spark")


def test_every_stage_is_measured_against_its_peer(measured):
    saved = results.load_file(measured / "results" / "duckdb-tiny.json")
    entry = saved["benchmarks"][NAME]
    assert entry["machine"]["cpus"] >= 1 and entry["repeat"] == 1
    figures = results.figures_of(entry)
    by_name = {(f.figure, f.unit): f for f in figures}
    rows = by_name[(ROWS_FIGURE, "rows")]
    assert rows.value == rows.peer_value == STORY_ROWS       # both sides loaded every row
    rate = by_name[("import the demo folder", "rows/s")]
    seconds = by_name[("import the demo folder", "s")]
    assert rate.peer == FLOOR
    assert rate.value == pytest.approx(STORY_ROWS / seconds.value)
    assert rate.ratio == pytest.approx(seconds.value / seconds.peer_value)
    assert by_name[("  rows rejected", "rows")].value == 0
    stages = stage_seconds(figures)
    assert {"import", "refresh", "cockpit (sum of p50)"} <= set(stages)
    steps = [s for s in stages if s.startswith("refresh: ")]
    assert len(steps) >= len(STEP_MODULES)
    assert set(stage_seconds(figures, cpu=True)) == {"import", "refresh", *steps}
    peak = next(f for f in figures if f.figure.startswith("refresh: peak RSS"))
    assert "memory_limit 8GB" in peak.figure
    assert peak.peer_value == BUDGET_MB and 0 < peak.ratio < 1
    step_peaks = [f for f in figures if f.figure.startswith("  refresh step")
                  and f.figure.endswith(": peak RSS")]
    assert len(step_peaks) == len(steps)                      # each step's own peak
    assert all(0 < f.value <= peak.value for f in step_peaks)
    cockpit = by_name[("cockpit: 15 queries, sum of p50", "ms")]
    assert cockpit.peer == SQL_PEER and cockpit.ratio > 0
    assert by_name[("cockpit: results different from the SQL", "queries")].value == 0
    for f in figures:
        assert math.isfinite(f.value) and f.value >= 0, f
        if f.ratio is not None:
            assert f.peer_value and math.isfinite(f.ratio) and f.ratio > 0, f
    assert not list((measured / "data" / "runs").iterdir())   # scratch workspaces removed


def test_the_scaling_report_reads_the_saved_run(measured):
    analysis = json.loads((measured / "results" / "scaling.json").read_text(encoding="utf-8"))
    [point] = analysis["points"]
    assert (point["engine"], point["scale"], point["rows"]) == ("duckdb", "tiny", STORY_ROWS)
    wall = analysis["growth"]["duckdb"]["wall"]
    assert wall["refresh"]["exponent"] is None                # one scale: nothing to fit
    assert analysis["spark_estimate"] == {}
    text = scaling.markdown(analysis)
    assert "under two scales measured" in text and "Not measured: no saved `pipeline` run on " \
        "Spark" in text


def test_spark_settings_and_its_event_log(tmp_path):
    overrides = bench_pipeline._overrides("spark", tmp_path)
    assert overrides["warehouse_url"] == SPARK_URL
    assert overrides["spark_conf"]["spark.eventLog.dir"] == str(tmp_path)
    assert overrides["spark_conf"]["spark.eventLog.compress"] == "false"
    assert bench_pipeline._overrides("duckdb", tmp_path) == {}

    def task(launch: int, finish: int) -> dict:
        return {"Event": "SparkListenerTaskEnd",
                "Task Info": {"Launch Time": launch, "Finish Time": finish}}

    events = [{"Event": "SparkListenerJobStart", "Submission Time": 500},    # before the clock
              task(500, 900),
              {"Event": "SparkListenerJobStart", "Submission Time": 1_000},
              task(1_000, 1_250), task(1_100, 1_600),
              {"Event": "SparkListenerJobStart", "Submission Time": 1_700},
              task(1_700, 2_000),
              task(3_000, 3_100)]                                           # after it
    (tmp_path / "local-1").write_text("\n".join(json.dumps(e) for e in events) + "\n",
                                      encoding="utf-8")
    cost = spark_cost(tmp_path, 1_000, 2_000)
    assert (cost.jobs, cost.tasks) == (2, 3)
    assert cost.task_seconds == pytest.approx(0.25 + 0.5 + 0.3)


def test_peak_memory_is_the_kernel_high_water_mark():
    import os
    import resource

    ours = peak_rss_mb(os.getpid())
    assert ours == pytest.approx(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                 rel=0.05)
    assert os.getpid() in descendants(os.getppid())
    before = cpu_seconds()
    sum(i * i for i in range(200_000))
    assert cpu_seconds() > before
