"""docs/database-sync.md as a user follows it: its sources file against the test CRM, its
`export` line's variable, every `revlens` command it shows, and the output line it shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

DOC = (Path(__file__).resolve().parents[3] / "docs" / "database-sync.md").read_text(
    encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def test_the_doc_runs_against_a_crm(crm, cli, ws_env, workspace_dir, monkeypatch):
    (sources,) = _blocks("toml")
    (workspace_dir / "sources.toml").write_text(sources, encoding="utf-8")
    exports = [line for block in _blocks("bash") for line in block.splitlines()
               if line.startswith("export ")]
    (variable,) = [line.split()[1].split("=")[0] for line in exports]
    assert f'url_env = "{variable}"' in sources
    scheme = "postgresql" if crm.kind == "postgresql" else "mysql"
    monkeypatch.setenv(variable, scheme + "://" + crm.url.split("://", 1)[1])

    commands = [shlex.split(line) for block in _blocks("bash") for line in block.splitlines()
                if line.startswith("revlens ")]
    assert [c[1] for c in commands] == ["sync", "sync", "sync"]
    outputs = []
    for args in commands:
        run = cli(*args[1:], env=ws_env)
        assert run.exit_code == 0, f"{shlex.join(args)}\n{run.stdout}\n{run.stderr}"
        outputs.append(" ".join(run.stdout.split()))
    (shown,) = _blocks("text")
    pattern = re.escape(" ".join(shown.split())).replace(r"20260310021500\-1a2b3c4d", r"\S+")
    assert re.search(pattern, outputs[0]), outputs[0]
    assert "contacts from crm: 3 rows read, 0 inserted, 0 updated, 2 unchanged, 1 rejected" \
        in outputs[1]
    assert "CRM_DATABASE_URL" in outputs[2] and "*/15 * * * *" in outputs[2]
