"""The dashboards RevLens ships: one YAML file each in `definitions/` — the executive cockpit
and the operations dashboards for events, ads & website, content, SDRs and sales."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.spec import Dashboard

DEFINITIONS = Path(__file__).parent / "definitions"
ORDER = ("cockpit", "events", "ads_web", "content", "sdr", "sales")
_LOADED: dict[tuple, dict[str, Dashboard]] = {}


def shipped_dashboards() -> dict[str, Dashboard]:
    """Every shipped dashboard by id, cockpit first (read again when a file changed)."""
    files = sorted(DEFINITIONS.glob("*.yaml"))
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if key not in _LOADED:
        _LOADED.clear()
        found = {d.id: d for d in (_read(p) for p in files)}
        rank = {name: i for i, name in enumerate(ORDER)}
        _LOADED[key] = dict(sorted(found.items(), key=lambda kv: rank.get(kv[0], len(rank))))
    return _LOADED[key]


def _read(path: Path) -> Dashboard:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Dashboard.model_validate(data)
    except yaml.YAMLError as exc:
        raise DashboardError(f"{path.name}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                            for e in exc.errors())
        raise DashboardError(f"{path.name}: {reasons}") from None


def dashboard_yaml(dashboard: Dashboard) -> str:
    """The dashboard as YAML, as the shipped ones are written (defaults left out)."""
    data = dashboard.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
