"""The workspace overview: entities with their row counts and the latest imports.

One typed runner, called alike by the web page, the REST API and the tests.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from revlens.contract.entities import ENTITIES
from revlens.workspace import Workspace


class EntityCount(BaseModel):
    entity: str
    label_zh: str
    rows: int


class BatchInfo(BaseModel):
    batch_id: str
    entity: str
    source_name: str
    status: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    warnings: int
    user: str
    started_at: datetime
    finished_at: datetime | None


class WorkspaceOverview(BaseModel):
    workspace: str
    currency: str
    timezone: str
    total_rows: int
    entities: list[EntityCount]
    imports: list[BatchInfo]


def workspace_overview(ws: Workspace, imports: int = 20) -> WorkspaceOverview:
    counts = ws.warehouse.row_counts()
    entities = [EntityCount(entity=name, label_zh=ENTITIES[name].label_zh, rows=rows)
                for name, rows in counts.items()]
    batches = [BatchInfo(batch_id=b.id, **{f: getattr(b, f) for f in BatchInfo.model_fields
                                           if f != "batch_id"})
               for b in ws.appdb.batches(limit=imports)]
    return WorkspaceOverview(workspace=str(ws.settings.workspace), currency=ws.settings.currency,
                             timezone=ws.settings.timezone, total_rows=sum(counts.values()),
                             entities=entities, imports=batches)
