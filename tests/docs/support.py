"""Reading a doc's examples: its fenced code blocks and the `revlens` commands in them."""

from __future__ import annotations

import re
import shlex


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def revlens_commands(text: str) -> list[list[str]]:
    """Every `revlens ...` line of the bash blocks, split as a shell would."""
    return [shlex.split(line) for block in code_blocks(text, "bash")
            for line in block.splitlines() if line.startswith("revlens ")]
