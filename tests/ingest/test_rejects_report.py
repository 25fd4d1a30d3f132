"""`revlens rejects BATCH --format csv` lists each problem with its file row, column, value
and reason: what a person needs to fix the source file.
"""

from __future__ import annotations

import csv
import io
import json

from tests.ingest.support import write

LEADS = ("lead_id,created_at,phone,status\n"
         "L1,2026-01-05 10:00,13812345678,new\n"
         "L2,2026-13-01,,new\n"                       # row 3: no 13th month
         "L3,2026-01-05,12345,潜在\n"                 # row 4: bad phone (warning), bad status
         "L4,2026-01-05,,contacted\n")
DATE_REASON = ("'2026-13-01' is not a date/time "
               "(expected e.g. 2026-01-05 10:00, 2026/1/5 10:00 or 2026年1月5日 10:00)")
PHONE_REASON = ("'12345' is not a phone number that can be normalised to E.164 "
                "(e.g. +8613812345678); the column was left empty")
STATUS_REASON = ("'潜在' is not one of: new (新线索), contacted (已联系), mql, sql, "
                 "converted (已转化), disqualified (无效), recycled (退回公海)")


def _import(cli, ws_env, tmp_path) -> dict:
    run = cli("import", "leads", write(tmp_path / "leads.csv", LEADS), "--format", "json",
              env=ws_env)
    assert run.exit_code == 0, run.stderr
    return json.loads(run.stdout)


def test_rejects_as_csv_list_row_column_value_and_reason(cli, ws_env, tmp_path):
    summary = _import(cli, ws_env, tmp_path)
    assert (summary["rows_read"], summary["inserted"], summary["rejected"],
            summary["warnings"]) == (4, 2, 2, 1)

    run = cli("rejects", summary["batch_id"], "--format", "csv", env=ws_env)

    assert run.exit_code == 0, run.stderr
    assert run.stdout.splitlines()[0] == "row_number,column,value,reason,severity"
    assert list(csv.DictReader(io.StringIO(run.stdout))) == [
        {"row_number": "3", "column": "created_at", "value": "2026-13-01",
         "reason": DATE_REASON, "severity": "error"},
        {"row_number": "4", "column": "phone", "value": "12345", "reason": PHONE_REASON,
         "severity": "warning"},
        {"row_number": "4", "column": "status", "value": "潜在", "reason": STATUS_REASON,
         "severity": "error"},
    ]


def test_rejects_as_json_and_as_a_table(cli, ws_env, tmp_path):
    batch_id = _import(cli, ws_env, tmp_path)["batch_id"]
    as_json = cli("rejects", batch_id, "--format", "json", env=ws_env)
    assert [(r["row_number"], r["column"], r["value"], r["severity"])
            for r in json.loads(as_json.stdout)] == [
        (3, "created_at", "2026-13-01", "error"), (4, "phone", "12345", "warning"),
        (4, "status", "潜在", "error")]
    table = cli("rejects", batch_id, env=ws_env)
    assert table.exit_code == 0
    assert "2026-13-01" in table.stdout and "潜在" in table.stdout


def test_a_clean_import_has_an_empty_report(cli, ws_env, tmp_path):
    clean = write(tmp_path / "ok.csv", "lead_id,created_at\nL1,2026-01-05\n")
    summary = json.loads(cli("import", "leads", clean, "-f", "json", env=ws_env).stdout)
    run = cli("rejects", summary["batch_id"], "--format", "csv", env=ws_env)
    assert (run.exit_code, run.stdout.splitlines()) == (
        0, ["row_number,column,value,reason,severity"])
