"""The identity graph inside a Spark warehouse (`identity_engine = "auto"` picks the warehouse
engine there) writes the same tables as the in-memory engine on DuckDB, on hand-made records
whose persons are worked out below; and connected components run as Spark queries.

Records: a cookie that fills a form, then a CRM contact with the same phone (one person of
five identifiers); a kiosk cookie used by three e-mails with a limit of two (the third edge is
dropped); a placeholder phone shared by two contacts and a shared mailbox (blocked); two
contacts sharing one phone (one person, later split when the phone is blocked); and later a
form joining two cookies' persons (a merge: the older id survives).
"""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from revlens.identity.components import connected_components
from revlens.identity.graph import resolve
from revlens.identity.guards import IdentityConfig
from revlens.workspace import Workspace
from tests.attribution.conftest import write_csv
from tests.identity.test_engines import tables
from tests.spark.conftest import spark_overrides

pytestmark = [pytest.mark.spark, pytest.mark.slow]

TOUCHES = """
touchpoint_id,occurred_at,type,anonymous_id,email,phone,channel
T1,2026-03-01 10:00,page_view,cookie-1,,,paid_search
T2,2026-03-01 10:05,form_submit,cookie-1,Li.Lei@Corp.cn,13912345678,paid_search
T3,2026-03-01 10:00,form_submit,kiosk-1,a@corp.cn,,event
T4,2026-03-02 10:00,form_submit,kiosk-1,b@corp.cn,,event
T5,2026-03-03 10:00,form_submit,kiosk-1,c@corp.cn,,event
T6,2026-03-01 10:00,page_view,cookie-a,,,direct
T7,2026-03-01 11:00,form_submit,cookie-b,wang@corp.cn,,direct
T8,2026-03-01 12:00,form_submit,cookie-x,info@corp.cn,,direct
"""
CONTACTS = """
contact_id,account_id,name,email,phone,wechat_unionid,created_at
C1,A1,李雷,,+86 139 1234 5678,union-1,2026-03-02
C2,A1,张三,zhang.san@x.cn,13800000000,,2026-03-01
C3,A1,李四,li.si@x.cn,13800000000,,2026-03-01
C5,A1,王五,wang.wu@x.cn,13912340001,,2026-03-01
C6,A1,赵六,zhao.liu@x.cn,13912340001,,2026-03-01
"""
LATER = """
touchpoint_id,occurred_at,type,anonymous_id,email,phone,channel
T9,2026-03-05 10:00,page_view,cookie-c,,,direct
T10,2026-03-06 10:00,form_submit,cookie-a,wang@corp.cn,,direct
"""
FIRST = IdentityConfig(limits={"email": 2, "phone": 5})
THEN = IdentityConfig(limits={"email": 2, "phone": 5}, blocked={"phone": ("13912340001",)})


@pytest.fixture
def app_db_url():
    return None


@pytest.fixture(scope="module")
def spark_ws(spark_root):
    ws_dir = spark_root / "identity"
    Workspace.init(ws_dir, admin_password="spark-password-1", **spark_overrides("identity"))
    ws = Workspace.open(ws_dir, **spark_overrides("identity"))
    yield ws
    ws.close()


def test_connected_components_as_spark_queries(spark_ws):
    # 3 - 1 - 4 - 2 (a chain), 7 - 9 - 8 - 7 (a cycle), 5 alone with 6
    a, b = (3, 1, 4, 7, 9, 8, 5), (1, 4, 2, 9, 8, 7, 6)
    edges = ibis.memtable(pa.table({"a": pa.array(a, pa.int64()), "b": pa.array(b, pa.int64())}))
    wh = spark_ws.warehouse
    with wh.scratch_scope():
        found = connected_components(wh, edges)
        labels = {r["node"]: r["label"] for r in wh.to_arrow(found.labels).to_pylist()}
    assert labels == {1: 1, 2: 1, 3: 1, 4: 1, 5: 5, 6: 5, 7: 7, 8: 7, 9: 7}


def test_spark_writes_the_tables_the_in_memory_engine_writes(spark_ws, workspace, tmp_path):
    runs = {}
    for name, ws in (("duckdb", workspace), ("spark", spark_ws)):
        (tmp_path / name / "later").mkdir(parents=True)
        write_csv(ws, tmp_path / name, "touchpoints", TOUCHES)
        write_csv(ws, tmp_path / name, "contacts", CONTACTS)
        first = resolve(ws.warehouse, FIRST)
        after_first = tables(ws)
        write_csv(ws, tmp_path / name / "later", "touchpoints", LATER)
        runs[name] = (first, after_first, resolve(ws.warehouse, THEN), tables(ws))
    duck, spark = runs["duckdb"], runs["spark"]
    assert duck[0].rounds is None and spark[0].rounds is not None   # memory; warehouse
    assert duck[0] == spark[0] and duck[2] == spark[2]
    assert duck[1] == spark[1]
    assert duck[3] == spark[3]
    first, then = spark[0], spark[2]
    # chain of 5; kiosk + a@ + b@; c@; cookie-a; cookie-b + wang@; cookie-x; C2; C3; C5 + C6
    assert (first.persons, first.identifiers, first.blocked, first.dropped_edges) == \
        (9, 22, 2, 1)
    # cookie-c is new; cookie-a and cookie-b's persons merge; C5 and C6 split (C6's part new)
    assert (then.persons, then.new, then.merges, then.splits) == (10, 2, 1, 1)
