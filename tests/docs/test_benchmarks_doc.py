"""docs/benchmarks.md: every command it shows is a valid command of its script, and the page is
exactly what its generator writes from the saved results (no figure typed by hand).

Where the commands run: `report.py` here, on the saved results; `scaling.py` and
`run.py --save` in tests/benchmarks/test_bench_pipeline.py (the pipeline on a small input);
the Spark run's own code (its settings, event log and memory) in the same file, since a Spark
pipeline takes far longer than a test may.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from benchmarks import report, results, run, scaling
from tests.docs.support import code_blocks

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "benchmarks.md"
PARSERS = {"benchmarks/run.py": run.parser, "benchmarks/scaling.py": scaling.parser,
           "benchmarks/report.py": report.parser}


def _commands(text: str) -> list[list[str]]:
    """Every `python benchmarks/...` command of the page's bash blocks (`&&` splits)."""
    lines = [line.split("#", 1)[0].strip() for block in code_blocks(text, "bash")
             for line in block.splitlines()]
    return [shlex.split(part) for line in lines for part in line.split("&&") if part.strip()]


def test_every_command_of_the_page_parses():
    run.load()
    commands = _commands(DOC.read_text(encoding="utf-8"))
    assert [c[1] for c in commands] == [
        "benchmarks/run.py", "benchmarks/report.py", "benchmarks/scaling.py",
        "benchmarks/run.py", "benchmarks/report.py"]
    for python, script, *argv in commands:
        assert python == "python"
        PARSERS[script]().parse_args(argv)
    assert report.LARGE_RUN in DOC.read_text(encoding="utf-8")


def test_the_page_is_what_the_generator_writes_from_the_saved_results(tmp_path):
    """`python benchmarks/report.py` on a copy of the saved results: the same page, and the
    same scaling.json."""
    copy = tmp_path / "results"
    shutil.copytree(results.RESULTS_DIR, copy)
    out = tmp_path / "benchmarks.md"
    assert report.main(["--results-dir", str(copy), "--out", str(out)]) == 0
    stale = "is stale: run `python benchmarks/report.py`"
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8"), \
        f"docs/benchmarks.md {stale}"
    assert (copy / "scaling.json").read_text(encoding="utf-8") == (
        results.RESULTS_DIR / "scaling.json").read_text(encoding="utf-8"), \
        f"benchmarks/results/scaling.json {stale}"
    saved = results.load_all(results.RESULTS_DIR)
    assert saved, "benchmarks/results/ holds no saved run"
    page = DOC.read_text(encoding="utf-8")
    for result in saved:
        assert f"### {result['engine']}, scale {result['scale']}" in page
