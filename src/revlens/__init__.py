"""RevLens: an open-source revenue-marketing platform.

The small public API for analysts::

    import revlens
    revlens.init("~/revlens-demo")
    with revlens.open("~/revlens-demo") as ws:
        result = revlens.import_file(ws, "leads", "leads.csv")
        leads = ws.warehouse.table("leads")      # an Ibis table
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "import_file", "init", "open"]


def init(workspace=None, admin_password=None):
    """Create or upgrade a workspace; see `revlens.workspace.Workspace.init`."""
    from revlens.workspace import Workspace

    return Workspace.init(workspace, admin_password=admin_password)


def open(workspace=None, read_only=False):  # noqa: A001 - mirrors builtins.open on purpose
    """Open a workspace (a context manager)."""
    from revlens.workspace import Workspace

    return Workspace.open(workspace, read_only=read_only)


def import_file(ws, entity, path, **options):
    """Import one file of an entity; see `revlens.ingest.pipeline.import_file`."""
    from revlens.ingest.pipeline import import_file as run

    return run(ws, entity, path, **options)
