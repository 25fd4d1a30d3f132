"""Both identity engines (`identity_engine`: memory, warehouse) write the same tables, row for
row, on a random population (fixed seed) with everything the graph guards against:
placeholder phones, shared mailboxes, kiosk cookies shared by many people (per-person limits),
then a second import that merges persons and a newly blocked phone that splits them."""

from __future__ import annotations

import random
import re
import shutil
import tomllib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from revlens.config import Settings
from revlens.identity.graph import ENGINES, resolve
from revlens.identity.guards import IdentityConfig
from revlens.warehouse.schema import (
    IDENTITY_EDGES_TABLE,
    IDENTITY_LOG_TABLE,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_TABLE,
)
from revlens.workspace import Workspace
from tests.attribution.conftest import write_csv

TABLES = (IDENTITY_MAP_TABLE, IDENTITY_EDGES_TABLE, IDENTITY_REJECTIONS_TABLE,
          IDENTITY_LOG_TABLE)
LIMITS = IdentityConfig(limits={"email": 3, "phone": 2})


@pytest.fixture
def app_db_url():
    return None


def population(seed: int, touches: int, first: int) -> dict[str, str]:
    """CSV text per entity: touchpoints from `first` on, and (for the first import) leads and
    contacts. Small pools make people share identifiers; a few kiosk cookies are shared by
    many; some values are placeholders or shared mailboxes."""
    rng = random.Random(seed)
    cookie = lambda: rng.choice([f"kiosk-{rng.randrange(3)}"] * 1 + [  # noqa: E731
        f"c-{rng.randrange(900)}"] * 12)
    email = lambda: rng.choice(["", "", f"p{rng.randrange(700)}@corp.cn",  # noqa: E731
                                f"P{rng.randrange(700)}@Corp.cn ", "info@corp.cn",
                                "test@test.com"])
    phone = lambda: rng.choice(["", "", "", f"1391234{rng.randrange(2000):04d}",  # noqa: E731
                                "13800000000", "13123456789"])
    when = lambda: f"2026-03-{rng.randrange(1, 29):02d} 1{rng.randrange(4)}:00"  # noqa: E731
    rows = ["touchpoint_id,occurred_at,type,anonymous_id,email,phone,channel"]
    rows += [f"T{i},{when()},form_submit,{cookie()},{email()},{phone()},event"
             for i in range(first, first + touches)]
    out = {"touchpoints": "\n".join(rows)}
    if first == 0:
        out["contacts"] = "\n".join(
            ["contact_id,account_id,name,email,phone,wechat_unionid,created_at"]
            + [f"C{i},A1,n{i},{email()},{phone()},u-{rng.randrange(250)},{when()[:10]}"
               for i in range(300)])
        out["leads"] = "\n".join(
            ["lead_id,created_at,email,phone,source_channel"]
            + [f"L{i},{when()},{email()},{phone()},event" for i in range(300)])
    return out


def load(ws, folder, texts: dict[str, str]) -> None:
    folder.mkdir()
    for entity, text in texts.items():
        write_csv(ws, folder, entity, text)


def tables(ws) -> dict[str, list[tuple]]:
    """Each identity table's rows without `run_at`, sorted."""
    wh = ws.warehouse
    out = {}
    for name in TABLES:
        t = wh.table(name)
        t = t.drop("run_at") if "run_at" in t.columns else t
        out[name] = sorted((tuple(r.values()) for r in wh.to_arrow(t).to_pylist()),
                           key=lambda row: tuple("" if v is None else str(v) for v in row))
    return out


def busiest_phones(ws, n: int) -> tuple[str, ...]:
    edges = ws.warehouse.to_arrow(ws.warehouse.table(IDENTITY_EDGES_TABLE)).to_pylist()
    ends = Counter(v for e in edges for t, v in ((e["a_type"], e["a_value"]),
                                                  (e["b_type"], e["b_value"])) if t == "phone")
    return tuple(v for v, _ in ends.most_common(n))


def test_memory_and_warehouse_write_the_same_tables(workspace, workspace_dir, tmp_path):
    load(workspace, tmp_path / "first", population(7, 1500, 0))
    workspace.close()
    other = tmp_path / "other"
    shutil.copytree(workspace_dir, other)
    memory, warehouse = Workspace.open(workspace_dir), Workspace.open(other)
    try:
        runs = []
        for step in ("first", "later", "blocked"):
            config = LIMITS
            if step == "later":
                texts = population(8, 600, 5000)
                load(memory, tmp_path / "m-later", texts)
                load(warehouse, tmp_path / "w-later", texts)
            if step == "blocked":   # the phones joining the most records now join nobody
                config = IdentityConfig(limits=LIMITS.limits,
                                        blocked={"phone": busiest_phones(memory, 20)})
            started = datetime.now(UTC)
            ran = (resolve(memory.warehouse, config, engine="memory"),
                   resolve(warehouse.warehouse, config, engine="warehouse"))
            assert ran[0] == ran[1], step
            assert tables(memory) == tables(warehouse), step
            for ws in (memory, warehouse):      # this run's rows carry its time
                for name in (IDENTITY_REJECTIONS_TABLE, IDENTITY_LOG_TABLE):
                    last = ws.warehouse.execute(ws.warehouse.table(name).run_at.max())
                    assert started <= last <= datetime.now(UTC), (step, name)
            runs.append(ran[0])
    finally:
        memory.close()
        warehouse.close()
    first, later, blocked = runs
    # the story is rich enough to test something: every kind of event and rejection happens
    assert first.persons > 100 and first.blocked >= 4 and first.dropped_edges > 5
    assert later.merges > 0 and later.new > 0
    assert blocked.splits > 0


def test_the_story_refreshed_in_memory_is_rebuilt_alike_in_the_warehouse(refreshed_story):
    """The metric layer's story (tests/metrics/story.py, the data of the Spark parity test),
    whose refresh built the identity tables in memory, built again from nothing in the
    warehouse."""
    wh = refreshed_story.warehouse
    built_in_memory = tables(refreshed_story)
    for name in TABLES:
        wh.con.drop_table(name)
    run = resolve(wh, engine="warehouse")
    assert tables(refreshed_story) == built_in_memory
    assert run.persons == len({r[2] for r in built_in_memory[IDENTITY_MAP_TABLE]}) > 5


def test_the_setting_the_doc_shows_exists():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "identity.md").read_text("utf-8")
    block = doc.split("## Where the graph is solved", 1)[1].split("```toml", 1)[1]
    settings = tomllib.loads(block.split("```", 1)[0])
    assert settings == {"identity_engine": "auto"}
    assert Settings(**settings).identity_engine == "auto"
    named = re.findall(r"^- `(\w+)`", doc.split("## Where the graph is solved", 1)[1], re.M)
    assert named == ["memory", "warehouse", "auto"] and set(named) == set(ENGINES)
