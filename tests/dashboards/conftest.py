"""Workspaces of the dashboard tests.

`dash_story_dir` — the metric layer's story (tests/metrics/story.py) with two additions, so
the numbers of the story's tests still hold there (built once per test run, a copy per session:
tests/shared_build.py):
- the page views and the form of visitor a1 carry addresses (landing pages): on 1 March a1
  lands on /pricing (09:00, then /blog at 15:00), a2 on / ; on 2 March a1 lands on /pricing
  again and submits the form on /demo five minutes later;
- T9, an e-mail click of lead L1 on 5 March, after the paid-search touches and before O1 was
  created (6 March): O1's journey (and O4's, through account A1) is paid search, then e-mail,
  so first touch credits paid search and last touch e-mail.

`demo_dir` — the tiny synthetic demo, imported and refreshed (about half a minute).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from revlens.workspace import Workspace
from tests.ingest.support import load
from tests.metrics.story import PASSWORD, load_story
from tests.shared_build import built_once, copy_of

DEMO_PASSWORD = "demo-password-1"
EXTRA_TOUCHES = """
touchpoint_id,occurred_at,type,anonymous_id,email,lead_id,channel,campaign_id,url
T1,2026-03-01 09:00,page_view,a1,,,paid_search,C1,https://www.example.cn/pricing?utm_source=baidu
T2,2026-03-01 15:00,page_view,a1,,,paid_search,C1,https://www.example.cn/blog
T3,2026-03-01 09:00,page_view,a2,,,organic_search,,https://www.example.cn/
T4,2026-03-02 09:00,page_view,a1,,,paid_search,C1,https://www.example.cn/pricing#plans
T5,2026-03-02 09:05,form_submit,a1,l1@example.cn,L1,paid_search,C1,https://www.example.cn/demo
T9,2026-03-05 09:00,email_click,,l1@example.cn,L1,email,,
"""


@pytest.fixture(scope="session")
def dash_story_dir(tmp_path_factory) -> Path:
    from revlens.refresh import refresh

    def build(root: Path) -> None:
        Workspace.init(root / "ws", admin_password=PASSWORD)
        with Workspace.open(root / "ws") as ws:
            load_story(ws, root / "data")
            extra = root / "data" / "extra_touchpoints.csv"
            extra.write_text(EXTRA_TOUCHES.strip() + "\n", encoding="utf-8")
            assert load(ws, "touchpoints", extra).rejected == 0
            refresh(ws)
            ws.appdb.create_user("zhangsan", PASSWORD, role="sales_rep", staff_id="U1")
            ws.appdb.create_user("lisi", PASSWORD, role="sales_rep", staff_id="U2")
            ws.appdb.create_user("zhao", PASSWORD, role="sales_manager", staff_id="M1")
            ws.appdb.create_user("analyst", PASSWORD, role="analyst")

    built = built_once(tmp_path_factory, "dashboards-story", build)
    return copy_of(built / "ws", tmp_path_factory.mktemp("dashboards") / "ws")


@pytest.fixture(scope="module")
def dash_story(dash_story_dir) -> Iterator[Workspace]:
    ws = Workspace.open(dash_story_dir, read_only=True)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    from revlens.demo.generate import generate
    from revlens.ingest.bulk import import_manifest
    from revlens.refresh import refresh

    root = tmp_path_factory.mktemp("dash_demo")
    generate(root / "data", scale="tiny", seed=42)
    Workspace.init(root / "ws", admin_password=DEMO_PASSWORD)
    with Workspace.open(root / "ws") as ws:
        import_manifest(ws, root / "data", user="test")
        refresh(ws)
    return root / "ws"
