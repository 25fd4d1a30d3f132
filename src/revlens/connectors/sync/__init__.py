"""`revlens sync`: CRM (or any) databases read by SQL — PostgreSQL, MySQL and MariaDB — one
query per entity, incremental by an updated_at column, through the one ingest path.

- `config`: the sources file (`<workspace>/sources.toml`), pydantic models; the connection URL
  lives in an environment variable that the file names, never in the file or a database;
- `database`: the URL, the engine, the query wrapped with a bound high-water filter, the rows
  streamed as Arrow chunks;
- `state`: the high-water marks (`_sync_state` in the warehouse), written in the same
  transaction as the rows they cover;
- `runner`: `prepare` checks a source before anything is written, `SyncPlan.run` imports each
  entity through `revlens.ingest.pipeline.import_chunks`;
- `scheduler`: the thread in `revlens serve` that runs sources whose cron `schedule` is due.

    from revlens.connectors.sync import load_sources, prepare, sources_path
    with prepare(load_sources(sources_path(ws.settings.workspace)), "crm") as plan:
        for done in plan.run(ws):
            print(done.summary())
"""

from revlens.connectors.sync.config import (
    SOURCES_FILE,
    DatabaseSource,
    EntityQuery,
    SourcesFile,
    load_sources,
    sources_path,
)
from revlens.connectors.sync.runner import (
    SourceStatus,
    SyncPlan,
    SyncResult,
    prepare,
    source_status,
)

__all__ = ["SOURCES_FILE", "DatabaseSource", "EntityQuery", "SourceStatus", "SourcesFile",
           "SyncPlan", "SyncResult", "load_sources", "prepare", "source_status", "sources_path"]
