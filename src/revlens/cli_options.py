"""What every `revlens` command group shares: its consoles and its common options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

_WIDTH = None if sys.stdout.isatty() else 160
out = Console(width=_WIDTH)
err = Console(stderr=True, width=_WIDTH)

WorkspaceOpt = Annotated[Path | None, typer.Option(
    "--workspace", "-w", envvar="REVLENS_WORKSPACE",
    help="workspace directory (default ~/.revlens)")]
MappingOpt = Annotated[Path | None, typer.Option(
    help="YAML file of `source header: canonical name` lines")]
InputFormatOpt = Annotated[str | None, typer.Option(
    "--input-format", help="file format when the extension does not tell")]
