"""One hand-made story (tests/metrics/story.py), loaded and refreshed once per test session;
the tests only read it."""

from __future__ import annotations

import pytest

from revlens.refresh import refresh
from revlens.workspace import Workspace
from tests.metrics.story import load_story

PASSWORD = "story-password-1"


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("metrics")
    Workspace.init(root / "ws", admin_password=PASSWORD)
    with Workspace.open(root / "ws") as ws:
        load_story(ws, root / "data")
        refresh(ws)
        ws.appdb.create_user("zhangsan", PASSWORD, role="sales_rep", staff_id="U1")
        ws.appdb.create_user("zhao", PASSWORD, role="sales_manager", staff_id="M1")
        ws.appdb.create_user("analyst", PASSWORD, role="analyst")
    return root / "ws"


@pytest.fixture(scope="module")
def story(story_dir):
    ws = Workspace.open(story_dir, read_only=True)
    yield ws
    ws.close()
