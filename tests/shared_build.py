"""Set-ups built once per test run, whichever xdist worker asks first.

`built_once(tmp_path_factory, name, build)` calls `build(path)` the first time a test of the run
asks for `name`; a worker asking while another builds waits for it (a lock file), and every
later ask, in any worker, gets the same `path`. What is built there is only ever copied: a
fixture or a test that opens it copies it first (`copy_of`), so each worker, or each test, works
on its own files as if it had built them itself.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def run_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test run's temporary directory: under xdist, the one holding each worker's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], None]) -> Path:
    """`build(path)` once per test run; returns `path` (a folder that does not exist before
    the build). A build that raised is tried again by the next ask."""
    root = run_temp(tmp_path_factory) / "built-once"
    root.mkdir(exist_ok=True)
    target, done = root / name, root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # released when the file closes
        if not done.exists():
            if target.exists():                  # left by a build that failed
                shutil.rmtree(target)
            build(target)
            done.touch()
    return target


def copy_of(source: Path, target: Path) -> Path:
    """A copy of the folder `source` at `target` (replaced if it exists); returns `target`."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target
