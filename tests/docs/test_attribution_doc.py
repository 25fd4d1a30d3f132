"""Every command of docs/attribution.md runs, in order, on the demo; the JSON it shows has the
keys `revlens attribution --format json` prints, and the CSV outputs have the documented
columns."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

from tests.docs.support import code_blocks, revlens_commands

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "attribution.md").read_text(encoding="utf-8")


def test_the_doc_commands_run_and_print_the_documented_shapes(cli, ws_env, doc_set_up):
    commands = revlens_commands(DOC)
    assert len(commands) == 11 and [c[1] for c in commands[:2]] == ["demo", "refresh"]
    (shown,) = code_blocks(DOC, "json")
    documented = list(json.loads(shown)[0])
    doc_set_up(commands[:2])
    for args in commands[2:]:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        if "json" in args:
            by = args[args.index("--by") + 1]
            rows = json.loads(run.stdout)
            assert rows and all(r[by] is not None or r["conversions"] for r in rows)
            with_spend = [r for r in rows if "spend" in r]
            assert with_spend and list(with_spend[0]) == [by, *documented[1:]]
        elif "csv" in args:
            header = next(csv.reader(io.StringIO(run.stdout)))
            if args[2] == "paths":
                assert header == ["path", "total_conversions", "total_conversion_value",
                                  "total_null"]
            else:
                assert header[:3] == ["keyword", "conversions", "amount"]
        elif args[1:3] == ["attribution", "explain"]:
            assert "O0000001" in run.stdout
        elif args[1:3] == ["attribution", "save-model"]:
            assert "board-view" in run.stdout
