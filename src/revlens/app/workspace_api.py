"""GET /api/v1/workspace: the entities with their row counts and the latest imports.

The counts are over every record of the workspace, so only users who see all records (scope
`all`) may read them; a user with a narrower scope gets 403.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException

from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
from revlens.appdb.models import User
from revlens.config import Settings
from revlens.metrics.scope import level_for
from revlens.overview import WorkspaceOverview, workspace_overview


def workspace_router(settings: Callable[[], Settings]) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["workspace"])

    @router.get("/workspace", response_model=WorkspaceOverview)
    def overview(user: User = Depends(api_user(settings))) -> WorkspaceOverview:
        """Entities with their row counts and the latest imports."""
        if level_for(user.role, user.scope) != "all":
            raise HTTPException(status_code=403, detail="the workspace overview counts every "
                                "record; it is for users who see all records")
        with read_workspace(settings) as ws:
            return workspace_overview(ws)

    return router
