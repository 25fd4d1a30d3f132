"""What every REST router does per request: open the served workspace read-only for the
request, and turn RevLens errors into HTTP errors (400: a request the user must change, e.g. an
unknown metric; 503: the warehouse is busy, retry)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from revlens.config import Settings
from revlens.errors import RevLensError, WorkspaceBusy
from revlens.workspace import Workspace


@contextmanager
def read_workspace(settings: Callable[[], Settings]) -> Iterator[Workspace]:
    current = settings()
    try:
        with Workspace.open(current.workspace, read_only=True) as ws:
            yield ws
    except WorkspaceBusy as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
    except RevLensError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
