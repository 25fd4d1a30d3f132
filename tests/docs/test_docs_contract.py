"""The docs say what the code does.

docs/data-contract.md is written by hand; these tests hold its tables to the machine-readable
contract (`revlens.contract.entities`): every entity with exactly its columns, kinds, required
flags, aliases and key, every enum value and label, the common aliases, the default stages, the
channel rules, the file formats and the system columns. Every `revlens ...` command line shown
in docs/*.md must name a real command with real options, and every link inside the docs must
point at a real heading.
"""

from __future__ import annotations

import enum
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main

from revlens.cli import app
from revlens.config import DEFAULT_STAGES
from revlens.contract.channels import CHANNEL_RULES
from revlens.contract.entities import (
    COMMON_ALIASES,
    CONTRACT_VERSION,
    ENTITIES,
    SYSTEM_COLUMNS,
    Column,
    Entity,
    header_aliases,
)
from revlens.ingest import readers

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONTRACT = (DOCS / "data-contract.md").read_text(encoding="utf-8")
DOC_FILES = sorted(DOCS.glob("*.md"))
FENCED = re.compile(r"^```[^\n]*\n.*?^```", flags=re.M | re.S)


# --- markdown helpers --------------------------------------------------------------------------


def _sections(text: str, level: int) -> dict[str, str]:
    """Heading text -> body, for the headings of exactly `level` (#, ##, ...)."""
    marker = "#" * level + " "
    parts = re.split(rf"^{re.escape(marker)}(.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _section(text: str, level: int, starts_with: str) -> str:
    found = [body for title, body in _sections(text, level).items()
             if title.startswith(starts_with)]
    assert len(found) == 1, f"expected one heading starting with {starts_with!r}"
    return found[0]


def _spans(text: str) -> list[str]:
    """The `code spans` of a piece of markdown, in order."""
    return re.findall(r"`([^`]+)`", text)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _tables(text: str) -> list[list[list[str]]]:
    """Every markdown table of `text` as rows of cells, header row first, separator dropped."""
    tables, current = [], []
    for line in text.splitlines():
        if line.lstrip().startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return [[_cells(row) for i, row in enumerate(t) if i != 1] for t in tables if len(t) >= 2]


def _table(text: str, first_header: str) -> list[list[str]]:
    """The body rows of the only table whose first header cell starts with `first_header`."""
    found = [t for t in _tables(text) if t[0][0].startswith(first_header)]
    assert len(found) == 1, f"expected one table headed {first_header!r}, found {len(found)}"
    return found[0][1:]


def _labelled_line(text: str, label: str) -> list[str] | None:
    """The code spans of the line `**<label>:** ...`, or None when there is no such line."""
    match = re.search(rf"^\*\*{re.escape(label)}:\*\*(.*)$", text, flags=re.M)
    return _spans(match.group(1)) if match else None


# --- the entity tables -------------------------------------------------------------------------


@dataclass
class DocColumn:
    name: str
    in_key: bool
    kind: str
    enum_list: str | None
    range: tuple[float | None, float | None]
    negative_allowed: bool
    required: bool
    aliases: list[str]


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def _doc_column(cells: list[str]) -> DocColumn:
    name_cell, type_cell, required_cell, alias_cell = cells[:4]
    kind, *rest = _spans(type_cell)
    plain = re.sub(r"`[^`]*`", "", type_cell)
    between = re.search(r"(-?\d+(?:\.\d+)?)\s*–\s*(-?\d+(?:\.\d+)?)", plain)
    at_least = re.search(r"≥\s*(-?\d+(?:\.\d+)?)", plain)
    if between:
        bounds = (_number(between.group(1)), _number(between.group(2)))
    else:
        bounds = (_number(at_least.group(1)) if at_least else None, None)
    return DocColumn(
        name=_spans(name_cell)[0],
        in_key="★" in name_cell,
        kind=kind,
        enum_list=rest[0] if kind == "enum" and rest else None,
        range=bounds,
        negative_allowed="negative allowed" in plain,
        required=re.match(r"\**yes\b", required_cell) is not None,
        aliases=_spans(alias_cell),
    )


ENTITY_SECTIONS = {_spans(title)[0]: body for title, body in _sections(
    _section(CONTRACT, 2, "11. Entities"), 3).items()}
ENUM_SECTIONS = {_spans(title)[0]: body for title, body in _sections(
    _section(CONTRACT, 2, "12. Enumerations"), 3).items() if title.startswith("`")}


def _doc_columns(entity: str) -> list[DocColumn]:
    return [_doc_column(row) for row in _table(ENTITY_SECTIONS[entity], "column")]


def _doc_enum(name: str) -> dict[str, list[str]]:
    assert name in ENUM_SECTIONS, f"enum list {name!r} is referenced but not documented"
    return {_spans(value)[0]: _spans(labels)
            for value, labels, *_ in _table(ENUM_SECTIONS[name], "value")}


def test_every_entity_is_documented_in_contract_order():
    assert list(ENTITY_SECTIONS) == list(ENTITIES)


@pytest.mark.parametrize("name", list(ENTITIES))
def test_entity_table_matches_the_contract(name: str):
    ent: Entity = ENTITIES[name]
    documented = _doc_columns(name)
    assert [c.name for c in documented] == ent.column_names
    aliases = header_aliases(ent)
    for doc, col in zip(documented, ent.columns, strict=True):
        where = f"{name}.{col.name}"
        assert doc.kind == col.kind, where
        assert doc.required == col.required, where
        assert doc.aliases == list(dict.fromkeys(aliases[col.name])), where
        assert doc.range == (col.min_value, col.max_value), where
        assert doc.negative_allowed == bool(col.options.get("allow_negative")), where
        if col.kind == "enum":
            assert doc.enum_list, f"{where}: the type cell must name its enum list"
            assert _doc_enum(doc.enum_list) == {v: list(labels) for v, labels in
                                                col.options["values"].items()}, where


@pytest.mark.parametrize("name", list(ENTITIES))
def test_entity_key_and_row_rules_match_the_contract(name: str):
    ent = ENTITIES[name]
    body = ENTITY_SECTIONS[name]
    assert {c.name for c in _doc_columns(name) if c.in_key} == set(ent.key)
    assert _labelled_line(body, "Key 自然键") == list(ent.key)
    assert (_labelled_line(body, "At least one of 至少填写其一") or []) == list(ent.one_of)
    conversion = _labelled_line(body, "Conversion date 汇率日期")
    assert conversion == ([ent.time_column] if ent.time_column else None)


def _enum_columns() -> list[tuple[str, Column]]:
    return [(f"{e.name}.{c.name}", c) for e in ENTITIES.values() for c in e.columns
            if c.kind == "enum"]


def test_every_enum_value_and_label_appears_in_the_docs():
    spans = set(_spans(FENCED.sub("", CONTRACT)))
    for where, col in _enum_columns():
        for value, labels in col.options["values"].items():
            assert value in spans, f"{where}: enum value {value!r} is not in the docs"
            for label in labels:
                assert label in spans, f"{where}: label {label!r} of {value!r} is not in the docs"


def test_every_documented_enum_list_names_the_columns_that_use_it():
    used: dict[str, list[str]] = {}
    for name in ENTITIES:
        for doc in _doc_columns(name):
            if doc.enum_list:
                used.setdefault(doc.enum_list, []).append(f"{name}.{doc.name}")
    assert set(ENUM_SECTIONS) == set(used)
    for enum_list, columns in used.items():
        match = re.search(r"^Used by 用于:(.*)$", ENUM_SECTIONS[enum_list], flags=re.M)
        assert match and _spans(match.group(1)) == columns, enum_list


def test_common_aliases_table_matches_the_contract():
    rows = _table(_section(CONTRACT, 2, "3. Header matching"), "column")
    assert {_spans(c)[0]: _spans(a) for c, a in rows} == COMMON_ALIASES


def test_default_stages_match_the_settings():
    rows = _table(CONTRACT, "stage")
    documented = [(_spans(n)[0], _spans(zh)[0], p, _spans(k)[0]) for n, zh, p, k in rows]
    assert documented == [(s.name, s.label_zh, f"{s.probability:.0%}", s.kind)
                          for s in DEFAULT_STAGES]


def test_channel_rules_are_documented_in_order():
    rows = _table(_section(CONTRACT, 2, "9. Derived values"), "#")
    assert [(_spans(field)[0], _spans(channel)[0]) for _, field, _, channel in rows] == [
        (rule.field, rule.channel) for rule in CHANNEL_RULES]


def test_file_formats_and_extensions_match_the_readers():
    rows = _table(_section(CONTRACT, 2, "2. File formats"), "format")
    documented = {_spans(fmt)[0]: set(_spans(ext)) for _, ext, fmt, *_ in rows}
    assert list(documented) == list(readers.FORMATS)
    by_format: dict[str, set[str]] = {}
    for suffix, fmt in readers._SUFFIXES.items():
        by_format.setdefault(fmt, set()).add(suffix)
    assert documented == by_format


def test_system_columns_match_the_contract():
    rows = _table(_section(CONTRACT, 2, "10. System columns"), "column")
    assert {_spans(name)[0]: _spans(kind)[0] for name, kind, _ in rows} == SYSTEM_COLUMNS


def test_the_format_version_is_the_contracts():
    title = CONTRACT.splitlines()[0]
    assert f"import format v{CONTRACT_VERSION}" in title
    assert f"导入格式 v{CONTRACT_VERSION}" in title


# --- commands shown in the docs ----------------------------------------------------------------

CLI = typer.main.get_command(app)
SHELL_OPERATORS = {">", ">>", "2>", "2>&1", "|", "||", "&&", ";", "&"}


def _command_lines() -> list[tuple[str, str, bool]]:
    """(doc file, line, complete) for every `revlens ...` line of a code block (complete
    invocations) and every inline code span (mentions, which may leave out arguments)."""
    found = []
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        blocks = [line.strip().removeprefix("$ ") for block in FENCED.findall(text)
                  for line in block.splitlines()[1:]]
        found += [(path.name, line, True) for line in blocks if line.startswith("revlens ")]
        found += [(path.name, span, False) for span in _spans(FENCED.sub("", text))
                  if span.startswith("revlens ")]
    return found


def _is_placeholder(token: str) -> bool:
    return token.replace("_", "").isupper()


def _choices(option) -> list[str] | None:
    """The values an option accepts, when it is a choice (click Choice or an Enum annotation)."""
    choices = getattr(getattr(option, "type", None), "choices", None)
    if choices:
        return [str(c) for c in choices]
    annotation = getattr(getattr(option, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return None


def _check_value(command: str, option, value: str) -> None:
    """An option's value: a placeholder, or one of its choices (a|b lists each checked)."""
    if _is_placeholder(value):
        return
    for alternative in value.split("|"):
        choices = _choices(option)
        if choices:
            assert alternative in choices, (
                f"{command}: {alternative!r} is not a value of {option.opts[0]} "
                f"({', '.join(choices)})")
        if option.name == "input_format":
            assert alternative in readers.FORMATS, f"{command}: unknown format {alternative!r}"


def _check_invocation(cmd, args: list[str], path: str, complete: bool = True) -> None:
    """Walk `args` through the click command `cmd` as the CLI would parse them; `complete`
    also checks that the arguments are all there."""
    options = {opt: p for p in cmd.params if p.param_type_name == "option"
               for opt in (*p.opts, *p.secondary_opts)}
    arguments = [p for p in cmd.params if p.param_type_name == "argument"]
    subcommands = getattr(cmd, "commands", None)
    positionals: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        if token.startswith("-") and token != "-":
            name, has_value, value = token.partition("=")
            if name == "--help":
                i += 1
                continue
            assert name in options, f"{path}: no option {name} (has {', '.join(options)})"
            option = options[name]
            if not option.is_flag:
                if not has_value:
                    wanted = max(option.nargs, 1)
                    assert i + wanted < len(args), f"{path}: {name} needs {wanted} value(s)"
                    i += wanted
                    value = args[i]
                if option.nargs <= 1:
                    _check_value(path, option, value)
            i += 1
            continue
        if subcommands is not None and not positionals:
            assert token in subcommands, f"{path}: no command {token!r} ({', '.join(subcommands)})"
            _check_invocation(subcommands[token], args[i + 1:], f"{path} {token}", complete)
            return
        positionals.append(token)
        i += 1
    required = [a for a in arguments if a.required] if complete else []
    most = len(positionals) if any(a.nargs == -1 for a in arguments) else len(arguments)
    assert len(required) <= len(positionals) <= most, (
        f"{path}: takes {', '.join(a.name.upper() for a in arguments) or 'no arguments'}, "
        f"given {positionals}")
    if cmd.name == "import" and arguments and arguments[0].name == "entity" and positionals:
        entity = positionals[0]
        assert _is_placeholder(entity) or entity in ENTITIES, f"{path}: unknown entity {entity!r}"


def _check_command_line(line: str, complete: bool = True) -> None:
    tokens = shlex.split(line, comments=True)
    for index, token in enumerate(tokens):
        if token in SHELL_OPERATORS:
            tokens = tokens[:index]
            break
    tokens = [t.strip("[]") for t in tokens]
    assert tokens[0] == "revlens"
    _check_invocation(CLI, [t for t in tokens[1:] if t], "revlens", complete)


COMMAND_LINES = _command_lines()


def test_the_docs_show_commands():
    shown = {line.split()[1] for _, line, complete in COMMAND_LINES if complete}
    assert {"import", "imports", "rejects", "init", "serve", "refresh"} <= shown


@pytest.mark.parametrize(("doc", "line", "complete"), COMMAND_LINES,
                         ids=[f"{doc}: {line}" for doc, line, _ in COMMAND_LINES])
def test_command_in_docs_exists(doc: str, line: str, complete: bool):
    _check_command_line(line, complete)


@pytest.mark.parametrize("line", [
    "revlens importt leads leads.csv",
    "revlens import leads leads.csv --format yaml",
    "revlens import leads leads.csv --output json",
    "revlens import lead leads.csv",
    "revlens import leads",
    "revlens rejects BATCH_ID --format xml",
    "revlens demo generate --size small",
    "revlens import leads x.data --input-format xls",
])
def test_command_check_catches_wrong_commands(line: str):
    with pytest.raises(AssertionError):
        _check_command_line(line)


# --- links between and inside the docs ---------------------------------------------------------


def _slug(heading: str) -> str:
    """The anchor a heading gets on GitHub: lower case, punctuation dropped, spaces -> '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = FENCED.sub("", path.read_text(encoding="utf-8"))
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_links_inside_the_docs_resolve(path: Path):
    text = path.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([\w./-]*?\.md)?#([^)]+)\)", text):
        linked = path.parent / target if target else path
        assert linked.exists(), f"{path.name}: link to missing {target}"
        assert anchor in _anchors(linked), f"{path.name}: no heading #{anchor} in {linked.name}"
