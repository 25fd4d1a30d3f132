"""The docs' commands run as a user's would: on the workspace's own SQLite app database.

A doc's first commands (`revlens demo ...`, `revlens refresh`) take minutes and leave the same
workspace each time; `doc_set_up` runs each such sequence once per test run and gives every test
that starts with it a copy of the result."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from revlens.workspace import Workspace
from tests.conftest import ADMIN_PASSWORD
from tests.shared_build import built_once, copy_of

REVLENS = str(Path(sys.executable).with_name("revlens"))


@pytest.fixture
def app_db_url():
    return None


@pytest.fixture
def doc_set_up(workspace_dir, tmp_path_factory) -> Callable[[Sequence[list[str]]], list[str]]:
    """`doc_set_up(commands)` runs a doc's first `revlens` commands on this test's workspace
    and returns what each printed. They run once per test run, in order, as the console script
    on a workspace initialised as `workspace_dir` is (every one must exit with 0); the test's
    workspace becomes a copy of the result. Sequences that start alike share their start."""

    def set_up(commands: Sequence[list[str]]) -> list[str]:
        built = _set_up(tmp_path_factory, [tuple(args) for args in commands])
        copy_of(built / "ws", workspace_dir)
        return json.loads((built / "outputs.json").read_text(encoding="utf-8"))

    return set_up


def _set_up(tmp_path_factory, commands: list[tuple[str, ...]]) -> Path:
    """The run's folder holding `ws` after `commands`, and `outputs.json` (their stdouts)."""
    key = hashlib.sha256(json.dumps(commands).encode()).hexdigest()[:16]

    def build(folder: Path) -> None:
        folder.mkdir(parents=True)
        if len(commands) > 1:
            before = _set_up(tmp_path_factory, commands[:-1])
            copy_of(before / "ws", folder / "ws")
            outputs = json.loads((before / "outputs.json").read_text(encoding="utf-8"))
        else:
            Workspace.init(folder / "ws", admin_password=ADMIN_PASSWORD)
            outputs = []
        args = commands[-1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REVLENS_"))}
        env["REVLENS_WORKSPACE"] = str(folder / "ws")
        done = subprocess.run([REVLENS, *args[1:]], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=1800)
        assert done.returncode == 0, f"{shlex.join(args)}\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout)
        (folder / "outputs.json").write_text(json.dumps(outputs), encoding="utf-8")

    return built_once(tmp_path_factory, f"doc-set-up-{key}", build)
