"""docs/web-app.md and README's tour say what the app does: every screenshot they show is
there, the demo log-ins they list are the demo's, the operations dashboards they describe are
the shipped ones, and the pages they name are served."""

from __future__ import annotations

import re
from pathlib import Path

from revlens.dashboards import shipped_dashboards
from revlens.demo.logins import DEMO_LOGINS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "web-app.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_screenshot_shown_exists():
    shown = re.findall(r"\]\((images/[a-z0-9-]+\.png)\)", DOC)
    shown += [p.removeprefix("docs/") for p in
              re.findall(r"\]\((docs/images/[a-z0-9-]+\.png)\)", README)]
    assert len(set(shown)) >= 11
    for path in shown:
        image = ROOT / "docs" / path
        assert image.exists() and image.stat().st_size > 10_000, path


def test_the_demo_log_ins_are_the_demos():
    listed = re.search(r"one\s+log-in per role — (.*?) — with", DOC, flags=re.S).group(1)
    assert re.findall(r"`([a-z_]+)`", listed) == [name for name, _ in DEMO_LOGINS]


def test_the_operations_table_has_every_operations_dashboard():
    rows = re.findall(r"^\| (\S+) .*?\(\[screenshot\]\(images/([a-z-]+)\.png\)\)", DOC,
                      flags=re.M)
    operations = [d for d in shipped_dashboards().values() if d.tier == "operations"]
    assert len(rows) == len(operations)
    assert sorted(image.replace("-", "_") for _, image in rows) == sorted(d.id for d in operations)


def test_the_pages_named_are_served():
    from nicegui import app

    import revlens.app.pages  # noqa: F401 - registers the pages

    served = {getattr(r, "path", "") for r in app.routes}
    for path in ("/", "/login", "/d/{dashboard_id}", "/leads", "/designer", "/mine",
                 "/customers/person/{key:path}", "/customers/account/{account_id:path}",
                 "/account", "/admin/users", "/admin/audit", "/workspace"):
        assert path in served, path
