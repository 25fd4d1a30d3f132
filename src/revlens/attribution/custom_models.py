"""Custom models saved in the workspace: weights per position or milestone, versioned.

Each save of a name appends a new version to the warehouse table `attribution_models`
(name, version, spec JSON, saved_at, saved_by); old versions stay, so credits computed with
`custom:NAME@2` can always be reproduced. `custom:NAME` means the latest version.
"""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import pyarrow as pa

from revlens.attribution.exceptions import UnknownCustomModel
from revlens.attribution.specs import CUSTOM_PREFIX, ModelSpec, check_weights
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import ATTRIBUTION_MODELS_SCHEMA as SCHEMA
from revlens.warehouse.schema import ATTRIBUTION_MODELS_TABLE as TABLE


def _ensure(wh: Warehouse) -> ibis.Table:
    if TABLE not in wh.tables():
        wh.con.create_table(TABLE, schema=SCHEMA)
    return wh.table(TABLE)


def save_custom_model(wh: Warehouse, name: str, weights: dict[str, float],
                      saved_by: str = "") -> ModelSpec:
    """Save `weights` as the next version of custom model `name`; returns its spec."""
    check_weights(weights)
    with wh.transaction():
        table = _ensure(wh)
        latest = wh.execute(table.filter(table.name == name).version.max())
        version = 1 if latest is None or latest != latest else int(latest) + 1
        spec = ModelSpec(model=f"{CUSTOM_PREFIX}{name}", weights=weights, version=version)
        wh.append(TABLE, pa.table({
            "name": [name], "version": [version], "spec": [spec.model_dump_json()],
            "saved_at": pa.array([datetime.now(UTC)], pa.timestamp("us", tz="UTC")),
            "saved_by": [saved_by]}, schema=SCHEMA.to_pyarrow()))
    return spec


def custom_models(wh: Warehouse) -> list[ModelSpec]:
    """Every saved version of every custom model, by name then version."""
    if TABLE not in wh.tables():
        return []
    rows = wh.to_arrow(wh.table(TABLE).order_by(["name", "version"])).to_pylist()
    return [ModelSpec.model_validate_json(r["spec"]) for r in rows]


def latest_custom_models(wh: Warehouse) -> list[ModelSpec]:
    latest: dict[str, ModelSpec] = {}
    for spec in custom_models(wh):
        latest[spec.custom_name] = spec
    return list(latest.values())


def resolve_custom(wh: Warehouse, spec: ModelSpec) -> ModelSpec:
    """The saved spec that `custom:NAME[@VERSION]` names (weights filled in)."""
    name = spec.custom_name
    version = spec.version
    if "@" in spec.model:
        version = int(spec.model.rsplit("@", 1)[1])
    saved = [s for s in custom_models(wh) if s.custom_name == name]
    chosen = [s for s in saved if version is None or s.version == version]
    if not chosen:
        names = sorted({f"{s.custom_name}@{s.version}" for s in custom_models(wh)})
        raise UnknownCustomModel(name, version, names)
    return chosen[-1]
