"""Match a file's headers to the contract's columns.

A header matches a column by its canonical name, an alias of the contract, or the user's
mapping file (`source header: canonical name`), compared case- and space-insensitively with
full-width characters folded. Headers that match nothing are kept in `extra`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from revlens.contract.entities import Entity, header_aliases
from revlens.errors import ImportFileError


def normalise_header(header: str) -> str:
    """'  Lead ID ' -> 'leadid'; '线索 ID' -> '线索id'; full-width folded; _ - and spaces gone."""
    folded = unicodedata.normalize("NFKC", str(header)).strip().lstrip("\ufeff").lower()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "_-")


@dataclass
class HeaderMap:
    columns: dict[str, str]                       # file header -> canonical column
    extra: list[str] = field(default_factory=list)  # file headers kept in `extra`

    def header_of(self, column: str) -> str:
        return next((h for h, c in self.columns.items() if c == column), column)


def load_mapping(path: Path | None) -> dict[str, str]:
    """A mapping file: YAML (or JSON) object `source header: canonical name`."""
    if path is None:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError) as exc:
        raise ImportFileError(path, f"cannot read the mapping file: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise ImportFileError(path, "a mapping file holds lines `source header: canonical "
                                    "name`, e.g. `客户编号: account_id`")
    return data


def match_headers(headers: list[str], ent: Entity, mapping: dict[str, str] | None = None,
                  source: Path | str = "file") -> HeaderMap:
    """Map `headers` to `ent`'s columns; raises ImportFileError naming what is missing."""
    lookup: dict[str, str] = {}
    for column, aliases in header_aliases(ent).items():
        for name in (column, *aliases):
            lookup.setdefault(normalise_header(name), column)
    for source_header, column in (mapping or {}).items():
        if column not in ent.column_names:
            raise ImportFileError(source, f"the mapping names {column!r}, which is not a column "
                                          f"of {ent.name}; columns: {', '.join(ent.column_names)}")
        lookup[normalise_header(source_header)] = column
    columns: dict[str, str] = {}
    extra: list[str] = []
    for header in headers:
        column = lookup.get(normalise_header(header))
        if column is None:
            extra.append(header)
        elif column in columns.values():
            first = next(h for h, c in columns.items() if c == column)
            raise ImportFileError(source, f"columns {first!r} and {header!r} both mean "
                                          f"{column!r}; keep one, or map one elsewhere with "
                                          "--mapping")
        else:
            columns[header] = column
    _check_required(ent, columns, headers, source)
    return HeaderMap(columns, extra)


def _check_required(ent: Entity, columns: dict[str, str], headers: list[str],
                    source: Path | str) -> None:
    present = set(columns.values())
    missing = [c.name for c in ent.columns if c.required and c.name not in present
               and not (ent.generated_key and c.name in ent.key)]
    if missing:
        hints = {m: header_aliases(ent)[m] for m in missing}
        described = "; ".join(f"{m} (or {', '.join(a)})" if a else m for m, a in hints.items())
        raise ImportFileError(
            source,
            f"{ent.name} needs the column(s) {described}, but the file has: "
            f"{', '.join(map(str, headers)) or 'no header'}. Rename the headers or give a "
            "mapping file with --mapping (lines like `your header: " + missing[0] + "`)",
        )
    if ent.one_of and not present.intersection(ent.one_of):
        raise ImportFileError(source, f"{ent.name} needs at least one of the columns "
                                      f"{', '.join(ent.one_of)}")
