"""Every command of docs/identity.md runs, in order, on the demo, and prints what the doc
says: the explained identifier's person, and the export's four columns."""

from __future__ import annotations

import csv
import io
import re
import shlex
from pathlib import Path

from tests.docs.support import revlens_commands

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "identity.md").read_text(encoding="utf-8")


def test_the_doc_commands_run(cli, ws_env, doc_set_up):
    commands = revlens_commands(DOC)
    assert [c[1:3] for c in commands] == [["demo", "--no-serve"], ["identity", "run"],
                                          ["identity", "explain"], ["identity", "export"],
                                          ["identity", "review"]]
    outputs = doc_set_up(commands[:1])
    for args in commands[1:]:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        outputs.append(run.stdout)
    explained, exported = outputs[2], outputs[3]
    person = re.search(r"is person (P\d{8})", explained).group(1)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert list(rows[0]) == ["identifier_type", "identifier_value", "person_id", "account_id"]
    mine = [r for r in rows if r["person_id"] == person]
    assert {"identifier_type": "phone", "identifier_value": "+8613323442932",
            "person_id": person, "account_id": mine[0]["account_id"]} in mine
    assert len(mine) > 1                       # the phone's person has other identifiers
    assert "uncertain matches" in outputs[4] and "│ L0" in outputs[4]
