"""Import a folder of entity files described by a `manifest.json` (as the demo writes it)."""

from __future__ import annotations

import json
from pathlib import Path

from revlens.errors import ImportFileError
from revlens.ingest.pipeline import ImportResult, Progress, import_file
from revlens.workspace import Workspace


def import_manifest(ws: Workspace, folder: str | Path, user: str = "cli",
                    progress: Progress | None = None) -> list[ImportResult]:
    """Import every file the manifest lists, in its `import_order`."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        order, files = manifest["import_order"], manifest["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise ImportFileError(manifest_path, f"not a RevLens data folder manifest ({exc}); "
                                             "it needs import_order and files") from None
    results = []
    for entity in order:
        if entity not in files:
            continue
        if progress:
            progress(f"importing {entity}")
        results.append(import_file(ws, entity, folder / files[entity], user=user))
    return results
