"""`benchmarks/run.py`: the README's commands parse, and a tiny run prints the table."""

from __future__ import annotations

import asyncio
import re
import shlex
from pathlib import Path

import pytest
from benchmarks.registry import run_async

from benchmarks import bench_import, results, run

README = (Path(run.__file__).parent / "README.md").read_text(encoding="utf-8")


def _readme_commands() -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[2:] for line in lines if line.startswith("python benchmarks/run.py")]


def test_the_readme_commands_are_valid():
    run.load()
    commands = _readme_commands()
    assert len(commands) == 4
    for argv in commands:
        run.parser().parse_args(argv)


@pytest.mark.slow
def test_a_tiny_run_prints_every_figure_of_the_import(monkeypatch, tmp_path, capsys):
    run.load()
    monkeypatch.setitem(bench_import.ROWS, "small", 1_000)
    assert run.main(["--scale", "small", "--only", "import", "--repeat", "1",
                     "--data-dir", str(tmp_path), "--save",
                     "--results-dir", str(tmp_path / "results")]) == 0
    printed = capsys.readouterr().out
    for text in ("RevLens benchmarks, scale small, engine duckdb, best of 1", "first import",
                 "re-import", bench_import.FLOOR, "rows/s", "peak RSS"):
        assert text in printed
    assert not list((tmp_path / "runs").iterdir())  # scratch workspaces are removed
    saved = results.load_file(tmp_path / "results" / "duckdb-small.json")
    entry = saved["benchmarks"]["import"]
    assert entry["repeat"] == 1 and entry["machine"]["cpus"] >= 1
    assert {f["figure"] for f in entry["figures"]} >= {"first import", "re-import, all unchanged"}


def test_a_benchmark_of_another_engine_is_skipped(capsys, tmp_path):
    run.load()
    assert run.main(["--scale", "tiny", "--only", "import", "--engine", "spark",
                     "--data-dir", str(tmp_path)]) == 0
    assert "import: skipped, it runs on duckdb only" in capsys.readouterr().out


def test_run_async_works_where_a_loop_already_runs():
    """The benchmarks send their HTTP load on an event loop; a test session that drives a browser
    with Playwright's sync API keeps a loop running in the main thread, where asyncio.run
    refuses to start."""
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    async def caller() -> int:
        refused = double(1)
        with pytest.raises(RuntimeError, match="running event loop"):
            asyncio.run(refused)         # the situation run_async exists for
        refused.close()
        return run_async(double(21))

    assert run_async(caller()) == 42      # itself from a thread whose loop may be running
