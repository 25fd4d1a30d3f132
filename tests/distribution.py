"""How `--dist loadgroup` (scripts/test.sh) hands the tests to the xdist workers.

Each test file goes whole to one worker, so that its module fixtures are built once. The tests
that use one of the session fixtures of `ONE_WORKER` (directly or through other fixtures) form
one group, whatever their files, so that the run starts that fixture once.

The groups start first (in the order of `ONE_WORKER`), then the files holding a test marked
`slow` or using a fixture of `LONG_SET_UPS`, then the rest, the files with more tests first: the
long units do not end up last, running on one worker while the others have nothing left.

The workers know each test's fixtures and marks, the scheduler in the main process only its node
id: each worker writes what it collected (`collected-<worker>.json`) in the run's temporary
directory, and the scheduler reads it before it hands out the first test. (pytest-xdist's own
`xdist_group` mark cannot carry the groups: it appends the group to the node id, which pytest
9.2 no longer lets a plugin change.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ONE_WORKER = {"spark_root": "spark", "demo_server": "demo_server",
              "refreshed_story": "refreshed_story", "story_copy": "served_story"}
"""Session fixture -> the group of the tests that use it."""
LONG_SET_UPS = ("doc_set_up", "demo_dir")
"""Fixtures that take minutes the first time a test run asks for them."""
COLLECTED = "collected-{worker}.json"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    groups = {item.nodeid: group for item in items for fixture, group in ONE_WORKER.items()
              if fixture in item.fixturenames}
    early = [item.nodeid for item in items if item.get_closest_marker("slow")
             or any(fixture in item.fixturenames for fixture in LONG_SET_UPS)]
    folder = Path(config.option.basetemp).parent          # the main process's basetemp
    partial = folder / f".{COLLECTED.format(worker=worker)}"
    partial.write_text(json.dumps({"groups": groups, "early": early}), encoding="utf-8")
    partial.rename(folder / COLLECTED.format(worker=worker))


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    folder = config._tmp_path_factory.getbasetemp()   # as xdist gives each worker its own below
    order = list(ONE_WORKER.values())

    class FilesAndGroups(LoadGroupScheduling):
        groups: dict[str, str] = {}
        early: set[str] = set()

        def schedule(self) -> None:
            if self.collection is None:         # before the first hand-out: every worker wrote
                for path in folder.glob(COLLECTED.format(worker="*")):
                    collected = json.loads(path.read_text(encoding="utf-8"))
                    self.groups = {**self.groups, **collected["groups"]}
                    self.early = self.early | {self._split_scope(n) for n in collected["early"]}
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            return self.groups.get(nodeid) or nodeid.split("::", 1)[0]

        def _assign_work_unit(self, node) -> None:
            rank = {scope: (order.index(scope) if scope in order else len(order)
                            + (scope not in self.early)) for scope in self.workqueue}
            first = min(self.workqueue, key=rank.__getitem__)    # the first of the best rank
            self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return FilesAndGroups(config, log)
