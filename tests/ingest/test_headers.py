"""Matching a file's headers: aliases, case and spaces, the user's mapping file, and a file that
lacks a required column (it fails whole and writes nothing).
"""

from __future__ import annotations

import pytest

from revlens.errors import ImportFileError
from revlens.ingest.pipeline import import_file
from revlens.warehouse.schema import BATCHES_TABLE, REJECTS_TABLE
from tests.ingest.support import load, stored, utc, write


def test_headers_match_whatever_their_case_and_spacing(workspace, tmp_path):
    accounts = write(tmp_path / "accounts.csv",
                     " Account ID ,NAME,Created_At,employee-count,客户 ID 备注\n"
                     "A1,甲科技,2026-01-05 10:00,120,重点\n")
    result = load(workspace, "accounts", accounts)
    assert (result.inserted, result.rejected) == (1, 0)
    assert stored(workspace, "accounts", "account_id", "name", "created_at", "employee_count",
                  "extra") == [{"account_id": "A1", "name": "甲科技",
                                "created_at": utc(2026, 1, 5, 2), "employee_count": 120,
                                "extra": '{"客户 ID 备注":"重点"}'}]


def test_a_mapping_file_names_the_canonical_column(workspace, tmp_path):
    accounts = write(tmp_path / "crm.csv",
                     "客户编号,客户名称,建档日期,客户等级\n"
                     "K-001,甲科技,2026/1/5,A\n"
                     "K-002,乙制造,2026/1/6,B\n")
    mapping = write(tmp_path / "mapping.yaml",
                    "客户编号: account_id\n"
                    "建档日期: created_at\n")
    result = load(workspace, "accounts", accounts, mapping=mapping)
    assert (result.inserted, result.rejected) == (2, 0)
    assert stored(workspace, "accounts", "account_id", "name", "created_at", "extra") == [
        {"account_id": "K-001", "name": "甲科技", "created_at": utc(2026, 1, 4, 16),
         "extra": '{"客户等级":"A"}'},
        {"account_id": "K-002", "name": "乙制造", "created_at": utc(2026, 1, 5, 16),
         "extra": '{"客户等级":"B"}'},
    ]


def test_a_mapping_to_a_column_the_entity_lacks_is_refused(workspace, tmp_path):
    accounts = write(tmp_path / "crm.csv", "客户编号,客户名称,创建时间\nK-1,甲,2026-01-05\n")
    mapping = write(tmp_path / "mapping.yaml", "客户编号: customer_code\n")
    with pytest.raises(ImportFileError, match="'customer_code', which is not a column of "
                                              "accounts"):
        import_file(workspace, "accounts", accounts, mapping=mapping)
    assert stored(workspace, "accounts") == []


def test_missing_required_column_fails_naming_it_and_writes_nothing(workspace, tmp_path):
    load(workspace, "accounts", write(tmp_path / "first.csv",
                                      "account_id,name,created_at\nA1,甲科技,2026-01-05\n"))
    before = {t: stored(workspace, t) for t in ("accounts", BATCHES_TABLE, REJECTS_TABLE)}
    accounts = write(tmp_path / "accounts.csv",
                     "客户编号,客户名称,创建时间\n"
                     "K-001,甲科技,2026-01-05\n")

    with pytest.raises(ImportFileError) as failure:
        import_file(workspace, "accounts", accounts)

    message = str(failure.value)
    assert "accounts needs the column(s) account_id (or 客户ID, 公司ID), " in message
    assert "but the file has: 客户编号, 客户名称, 创建时间" in message
    assert "--mapping (lines like `your header: account_id`)" in message
    assert {t: stored(workspace, t) for t in before} == before
    failed = workspace.appdb.batches()[0]
    assert (failed.entity, failed.source_name, failed.status) == ("accounts", "accounts.csv",
                                                                  "failed")
    assert failed.error == message
    assert failed.rows_read == 1
    assert (failed.inserted, failed.updated, failed.rejected) == (0, 0, 0)


def test_two_headers_meaning_the_same_column_fail_the_file(workspace, tmp_path):
    leads = write(tmp_path / "leads.csv",
                  "线索ID,lead_id,创建时间\nL1,L1,2026-01-05\n")
    with pytest.raises(ImportFileError, match="columns '线索ID' and 'lead_id' both mean "
                                              "'lead_id'"):
        import_file(workspace, "leads", leads)
    assert stored(workspace, "leads") == []
    assert workspace.appdb.batches()[0].status == "failed"
