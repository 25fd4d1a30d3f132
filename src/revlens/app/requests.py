"""What every REST router does per request: open the served workspace read-only for the
request, and turn RevLens errors into HTTP errors (400: a request the user must change, e.g. an
unknown metric; 503: the warehouse is busy, retry).

The warehouse connects at the request's first query (a result kept from before needs none) and
the app database is the process's (one engine per URL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from revlens.app.auth import app_db
from revlens.config import Settings
from revlens.errors import RevLensError, WorkspaceBusy
from revlens.workspace import Workspace


@contextmanager
def read_workspace(settings: Callable[[], Settings]) -> Iterator[Workspace]:
    current = settings()
    try:
        with Workspace.for_request(current.workspace, app_db(current)) as ws:
            yield ws
    except WorkspaceBusy as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
    except RevLensError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
