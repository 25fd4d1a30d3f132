"""Compiled statements run as prepared statements of their connection: prepared once, the same
rows as running the text, prepared again when their tables change underneath, and at most
`PREPARED_MOST` kept."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from revlens.config import Settings
from revlens.warehouse import Warehouse, connection


@pytest.fixture
def wh(tmp_path):
    with Warehouse(Settings(workspace=tmp_path, warehouse_url=f"duckdb:///{tmp_path}/w.duckdb")
                   ) as warehouse:
        warehouse.con.create_table("sales", pa.table({"region": ["east", "east", "west"],
                                                      "amount": [10, 5, 7]}))
        yield warehouse


def _by_region(wh: Warehouse) -> str:
    t = wh.table("sales")
    return wh.compile(t.group_by("region").aggregate(total=t.amount.sum()).order_by("region"))


def _prepared(wh: Warehouse) -> list[str]:
    rows = wh.con.con.execute("SELECT name FROM duckdb_prepared_statements()").fetchall()
    return sorted(name for name, in rows)


def test_a_statement_is_prepared_once_and_gives_the_rows_of_its_text(wh):
    statement = _by_region(wh)
    first = wh.fetch_compiled(statement)
    assert first == (["region", "total"], [("east", 15), ("west", 7)])
    assert wh.fetch_compiled(statement) == first
    assert wh.con.con.execute(statement).fetchall() == first[1]
    assert len(_prepared(wh)) == 1


def test_a_table_replaced_underneath_is_read_anew(wh):
    statement = _by_region(wh)
    wh.fetch_compiled(statement)
    wh.con.create_table("sales", pa.table({"region": ["north"], "amount": [1.5],
                                           "note": ["a new column"]}), overwrite=True)
    assert wh.fetch_compiled(statement) == (["region", "total"], [("north", 1.5)])
    wh.con.drop_table("sales")
    with pytest.raises(Exception, match="sales"):
        wh.fetch_compiled(statement)
    assert _prepared(wh) == []                   # the failed one is not kept


def test_the_least_recently_used_are_deallocated(wh, monkeypatch):
    monkeypatch.setattr(connection, "PREPARED_MOST", 2)
    t = wh.table("sales")
    statements = [wh.compile(t.filter(t.amount > n).count()) for n in (0, 6, 9)]
    assert [wh.fetch_compiled(s)[1] for s in statements] == [[(3,)], [(2,)], [(1,)]]
    assert len(_prepared(wh)) == 2
    assert wh.fetch_compiled(statements[0])[1] == [(3,)]     # prepared again
    assert len(_prepared(wh)) == 2


def test_an_expression_with_an_in_memory_table_runs_without_preparing(wh):
    lookup = ibis.memtable({"region": ["east"], "manager": ["Li"]})
    t = wh.table("sales")
    joined = t.join(lookup, "region")
    expr = joined.group_by("manager").aggregate(n=joined.count())
    assert wh.fetch_compiled(expr) == (["manager", "n"], [("Li", 2)])
    assert _prepared(wh) == []
