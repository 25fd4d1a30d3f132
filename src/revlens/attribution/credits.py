"""The `attribution_credits` refresh step: credits of every model for every conversion type.

`revlens refresh` rewrites the table (migration 5) with the built-in models at their default
parameters and the latest version of every saved custom model, over the default lookback
window, so dashboards only aggregate. The person links are computed once for all conversion
types (`persons.PersonSource.computed`). Invariant, checked by the tests: per (model,
conversion_type, conversion_id) the credits sum to 1.
"""

from __future__ import annotations

from revlens.attribution.conversions import CONVERSIONS
from revlens.attribution.custom_models import latest_custom_models
from revlens.attribution.engine import (
    CREDIT_COLUMNS,
    DATA_DRIVEN,
    MODEL_NAMES,
    Scope,
    channel_model,
    materialised,
    touch_credits,
)
from revlens.attribution.paths import load_path_table
from revlens.attribution.persons import person_source
from revlens.attribution.specs import ModelSpec
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import ATTRIBUTION_CREDITS_SCHEMA, ATTRIBUTION_CREDITS_TABLE

TABLE = ATTRIBUTION_CREDITS_TABLE


def all_specs(wh: Warehouse) -> list[ModelSpec]:
    return [*(ModelSpec(model=m) for m in MODEL_NAMES), *latest_custom_models(wh)]


@refresh_step(TABLE)
def build_attribution_credits(wh: Warehouse) -> None:
    if TABLE not in wh.tables():
        wh.con.create_table(TABLE, schema=ATTRIBUTION_CREDITS_SCHEMA)
    wh.con.truncate_table(TABLE)
    with person_source(wh).computed(wh) as persons:
        for conversion_type in CONVERSIONS:
            _credit_conversions(wh, Scope(conversion_type, persons=persons))


def _credit_conversions(wh: Warehouse, scope: Scope) -> None:
    """Append the credits of every model for the conversions of one type, one write per
    model: written together, the window functions of every model make one plan whose buffers
    DuckDB holds all at once."""
    with wh.scratch_scope(), materialised(wh, scope.journeys(wh)) as journey:
        if wh.execute(journey.count()) == 0:   # no touch before any such conversion
            return
        paths = None      # the path table Markov and Shapley share, loaded once
        for spec in all_specs(wh):
            channels = None
            if spec.model in DATA_DRIVEN:
                paths = paths if paths is not None else load_path_table(
                    wh, scope.paths(wh, journey))
                channels = channel_model(wh, spec, scope, paths)
            credited = touch_credits(wh, spec, scope, journey, channels)
            wh.append(TABLE, credited.select(*CREDIT_COLUMNS).cast(ATTRIBUTION_CREDITS_SCHEMA))
