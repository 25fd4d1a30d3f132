"""The story of tests/metrics/story.py on a Spark warehouse (`spark://local[2]`), loaded and
refreshed once per test session beside the DuckDB one (`story_dir` of tests/conftest.py).

One Spark (local[2]) starts per test session, on first use; its tables live in the session's
temporary directory. Without pyspark the tests are skipped (`pip install 'revlens[spark]'`),
and in CI (`CI` set) they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from revlens.workspace import Workspace

SPARK_URL = "spark://local[2]"


def _need_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("pyspark is required in CI: pip install 'revlens[spark]'")
        pytest.skip("pyspark is not installed (pip install 'revlens[spark]')")


def spark_overrides(database: str) -> dict[str, str]:
    """Workspace settings for a Spark warehouse in database `database`."""
    return {"warehouse_url": SPARK_URL, "spark_database": database}


@pytest.fixture(scope="session")
def spark_root(tmp_path_factory) -> Path:
    """Where this test session's Spark keeps its tables. The Spark starts here, with the
    workspace `first`, whose embedded metastore then holds every test workspace's tables."""
    _need_pyspark()
    root = tmp_path_factory.mktemp("spark")
    Workspace.init(root / "first", admin_password="spark-password-1",
                   **spark_overrides("first"))
    return root


@pytest.fixture(scope="session")
def spark_story_dir(spark_root) -> Path:
    """The story on Spark, with the same users as the DuckDB story."""
    from revlens.refresh import refresh
    from tests.metrics.story import PASSWORD, load_story

    ws_dir = spark_root / "story"
    Workspace.init(ws_dir, admin_password=PASSWORD, **spark_overrides("story"))
    with Workspace.open(ws_dir, **spark_overrides("story")) as ws:
        load_story(ws, spark_root / "story-data")
        refresh(ws)
        ws.appdb.create_user("zhangsan", PASSWORD, role="sales_rep", staff_id="U1")
        ws.appdb.create_user("zhao", PASSWORD, role="sales_manager", staff_id="M1")
        ws.appdb.create_user("analyst", PASSWORD, role="analyst")
    return ws_dir


@pytest.fixture(scope="module")
def spark_story(spark_story_dir) -> Iterator[Workspace]:
    ws = Workspace.open(spark_story_dir, read_only=True, **spark_overrides("story"))
    yield ws
    ws.close()
