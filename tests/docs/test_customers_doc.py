"""Every command of docs/customers.md runs, in order, on the demo; the profiles carry what the
doc says; the planted faster-closing segment (专精特新 accounts) shows up in the comparison."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

from tests.docs.support import revlens_commands

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "customers.md").read_text(encoding="utf-8")


def test_the_doc_commands_run(cli, ws_env, doc_set_up):
    commands = revlens_commands(DOC)
    assert [c[1] for c in commands] == ["demo", "refresh", "profile", "profile", *["tags"] * 3,
                                        "refresh", "tags", *["segments"] * 3, *["privacy"] * 3]
    outputs = doc_set_up(commands[:2])
    for args in commands[2:]:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        outputs.append(run.stdout)
    assert "leads:L0009725" in outputs[2] and "timeline" in outputs[2]
    account = json.loads(outputs[3])
    assert account["account_id"] == "A0001951" and account["people"]
    listed = set(re.findall(r"│ (\S+)\s+│", outputs[4]))
    assert {"高意向", "关注竞品", "活动参与者", "专精特新"} <= listed
    previewed = int(outputs[5].split()[0].replace(",", ""))
    readers = list(csv.DictReader(io.StringIO(outputs[8])))
    assert len(readers) >= previewed > 0 and {r["source"] for r in readers} == {"rule"}
    shorter = re.search(r"median sales cycle: (\d+)% of the rest's", outputs[10])
    assert shorter and int(shorter.group(1)) < 85          # the planted 0.7x cycle
    both = json.loads(outputs[11])
    assert both["segment_figures"]["members"] > 0 and both["level"] == "person"
    assert "unsubscribed" in outputs[13] and "email" in outputs[13]
    assert "erased person" in outputs[14] and "leads" in outputs[14]
