"""`benchmarks/run.py`: the README's commands parse, and a tiny run prints the table."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from benchmarks import bench_import, run

README = (Path(run.__file__).parent / "README.md").read_text(encoding="utf-8")


def _readme_commands() -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[2:] for line in lines if line.startswith("python benchmarks/run.py")]


def test_the_readme_commands_are_valid():
    run.load()
    commands = _readme_commands()
    assert len(commands) == 3
    for argv in commands:
        run.parser().parse_args(argv)


@pytest.mark.slow
def test_a_tiny_run_prints_every_figure_of_the_import(monkeypatch, tmp_path, capsys):
    run.load()
    monkeypatch.setitem(bench_import.ROWS, "small", 1_000)
    assert run.main(["--scale", "small", "--only", "import", "--repeat", "1",
                     "--data-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    for text in ("RevLens benchmarks, scale small, best of 1", "first import", "re-import",
                 bench_import.FLOOR, "rows/s", "peak RSS"):
        assert text in printed
    assert not list((tmp_path / "runs").iterdir())  # scratch workspaces are removed
