"""The docs' commands run as a user's would: on the workspace's own SQLite app database."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_db_url():
    return None
