"""What the served app knows for its whole life: the settings it was started with (pages read
them here; routers get them as a callable)."""

from __future__ import annotations

from revlens.app.auth import app_db as _app_db
from revlens.appdb import AppDB
from revlens.config import Settings

_served: dict[str, Settings] = {}


def serve(settings: Settings) -> None:
    _served["settings"] = settings


def settings() -> Settings:
    """The settings `revlens serve` was started with."""
    return _served["settings"]


def app_db() -> AppDB:
    """The served workspace's app database (one engine per URL for the process)."""
    return _app_db(settings())
