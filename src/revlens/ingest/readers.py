"""Read a file of any supported format into an Arrow table of text columns.

Every value comes out as text (or null), exactly as the file holds it, so one set of
validators applies whatever the format. Each row carries its position in the file (`row
numbers` below), which rejects cite: the spreadsheet row for CSV/TSV/XLSX (header = row 1),
the line for JSON Lines, the element (from 1) for a JSON array and the record for Parquet.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq
from charset_normalizer import from_bytes

from revlens.errors import ImportFileError

FORMATS = ("csv", "tsv", "xlsx", "parquet", "json", "jsonl")
_SUFFIXES = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx",
             ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet", ".json": "json",
             ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class RawTable:
    table: pa.Table          # text columns, named by the file's headers
    row_numbers: pa.Array    # int64, one per row
    source_format: str
    encoding: str = "utf-8"
    malformed: dict[int, str] = field(default_factory=dict)  # row number -> why it is unusable


def detect_format(path: Path, given: str | None = None) -> str:
    if given:
        fmt = given.lower()
        if fmt not in FORMATS:
            raise ImportFileError(path, f"unknown format {given!r}; use one of "
                                        f"{', '.join(FORMATS)}")
        return fmt
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ImportFileError(path, f"cannot tell the format from the extension "
                                    f"{path.suffix!r}; pass --input-format ({', '.join(FORMATS)})")
    return fmt


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(sample: bytes) -> str:
    """utf-8 (with or without BOM), else what charset-normalizer finds (GB18030 for GBK)."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4:  # a character cut by the sample's end
            return "utf-8"
    best = from_bytes(sample).best()
    name = (best.encoding if best else "gb18030").lower()
    if name in _CJK_GUESSES and _decodes(sample, "gb18030"):
        return "gb18030"  # short Chinese text is often guessed as Korean or Japanese
    return "gb18030" if name in ("gbk", "gb2312", "gb18030", "hz", "big5") or not best else name


_CJK_GUESSES = ("gbk", "gb2312", "gb18030", "hz", "big5", "big5hkscs", "cp949", "euc_kr",
                "johab", "shift_jis", "cp932", "euc_jp", "euc_jis_2004", "shift_jis_2004")


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        sample.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start > len(sample) - 4  # only a character cut by the sample's end
    return True


def _as_text(table: pa.Table) -> pa.Table:
    """Every column as text; nested values (JSON objects/lists) as compact JSON."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            columns.append(column.cast(pa.string()))
        elif pa.types.is_nested(column.type):
            values = [None if v is None else json.dumps(v, ensure_ascii=False)
                      for v in column.to_pylist()]
            columns.append(pa.array(values, pa.string()))
        elif pa.types.is_null(column.type):
            columns.append(pa.nulls(len(column), pa.string()))
        else:
            columns.append(pc.cast(column, pa.string()))
    return pa.table(columns, names=[str(n) for n in table.column_names])


def _read_delimited(path: Path, delimiter: str, skip_rows: int = 0) -> RawTable:
    """Arrow's fast reader for well-formed files; a file with blank lines or rows whose field
    count differs from the header's goes through `_read_delimited_carefully`, which numbers
    rows by their line and keeps the odd rows (as rejects) instead of failing the file.
    `skip_rows` lines above the header (a report's title lines) are not read."""
    with path.open("rb") as handle:
        encoding = detect_encoding(handle.read(1 << 20))
    kind = "tsv" if delimiter == "\t" else "csv"
    odd_rows: list[int] = []

    def note_odd_row(_row: object) -> str:
        odd_rows.append(1)
        return "skip"

    read = pacsv.ReadOptions(encoding=encoding, block_size=1 << 24, skip_rows=skip_rows)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                               invalid_row_handler=note_odd_row)
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16).decode(encoding, errors="replace").lstrip("\ufeff")
        records = csv.reader(io.StringIO(head), delimiter=delimiter)
        names = next(itertools.islice(records, skip_rows, None), [])
        convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                       strings_can_be_null=False)
        table = pacsv.read_csv(path, read_options=read, parse_options=parse,
                               convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ImportFileError(path, f"not a readable {kind.upper()} file ({encoding}): {exc}"
                              ) from None
    if odd_rows or _has_blank_lines(path):
        return _read_delimited_carefully(path, delimiter, encoding, kind, skip_rows)
    rows = pa.array(range(skip_rows + 2, table.num_rows + skip_rows + 2), pa.int64())
    return RawTable(_as_text(table), rows, kind, encoding)


_BLANK_LINE = re.compile(rb"\n\r?\n")  # one pass over the bytes, not one per ending


def _has_blank_lines(path: Path) -> bool:
    """True when a line of the file is empty (in UTF-8 and GB18030 a newline is one byte)."""
    tail = b""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            chunk = tail + block
            if _BLANK_LINE.search(chunk):
                return True
            tail = chunk[-2:]
    return False


def _read_delimited_carefully(path: Path, delimiter: str, encoding: str, kind: str,
                              skip_rows: int = 0) -> RawTable:
    text = path.read_bytes().decode(encoding, errors="replace").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(itertools.islice(reader, skip_rows, None), [])
    width = len(header)
    records: list[list[str]] = []
    numbers: list[int] = []
    malformed: dict[int, str] = {}
    line = reader.line_num
    for record in reader:
        start, line = line + 1, reader.line_num
        if not record:  # a blank line: not a row
            continue
        if len(record) != width and any(field.strip() for field in record):
            malformed[start] = (f"this row has {len(record)} fields but the header has {width}; "
                                "check for a missing or extra delimiter")
        records.append((record + [""] * width)[:width])
        numbers.append(start)
    columns = {name: pa.array([r[i] for r in records], pa.string())
               for i, name in enumerate(header)}
    return RawTable(pa.table(columns), pa.array(numbers, pa.int64()), kind, encoding,
                    malformed)


def _xlsx_rows(path: Path, nrows: int | None = None) -> list[list[object]]:
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False, nrows=nrows)
    except Exception as exc:  # calamine raises its own error types per file problem
        raise ImportFileError(path, f"not a readable XLSX workbook: {exc}") from None


def _read_xlsx(path: Path, skip_rows: int = 0) -> RawTable:
    rows = _xlsx_rows(path)
    if len(rows) <= skip_rows:
        raise ImportFileError(path, "the first sheet is empty")
    header = [str(h).strip() if h not in (None, "") else f"column_{i + 1}"
              for i, h in enumerate(rows[skip_rows])]
    body = rows[skip_rows + 1:]
    columns = []
    for index in range(len(header)):
        values = [row[index] if index < len(row) else None for row in body]
        columns.append(pa.array([_cell_text(v) for v in values], pa.string()))
    numbers = pa.array(range(skip_rows + 2, len(body) + skip_rows + 2), pa.int64())
    return RawTable(pa.table(columns, names=header), numbers, "xlsx")


def _cell_text(value: object) -> str | None:
    """XLSX cells as text: whole floats without '.0', dates and times in ISO form."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(
            value, "year") else value.isoformat()
    return str(value)


def _read_json(path: Path, lines: bool) -> RawTable:
    if lines:
        with path.open("rb") as handle:
            utf8 = detect_encoding(handle.read(1 << 20)) in ("utf-8", "utf-8-sig")
        try:
            if not utf8:  # Arrow's JSON reader takes UTF-8 only
                raise pa.ArrowInvalid("not UTF-8")
            table = pajson.read_json(path)
            stamps = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
            if stamps:  # the reader turns ISO text into timestamps, dropping written offsets
                as_text = pajson.ParseOptions(
                    explicit_schema=pa.schema([(n, pa.string()) for n in stamps]),
                    unexpected_field_behavior="infer")
                table = pajson.read_json(path, parse_options=as_text).select(
                    table.column_names)
        except pa.ArrowInvalid:  # e.g. a column of numbers and text: Arrow wants one type
            table = _json_lines_in_python(path)
        return RawTable(_as_text(table), pa.array(range(1, table.num_rows + 1), pa.int64()),
                        "jsonl")
    try:
        data = json.loads(path.read_bytes().decode(detect_encoding(path.read_bytes()[:1 << 20])))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFileError(path, f"not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ImportFileError(path, "a JSON file must hold an array of objects, one per row")
    return RawTable(_records_as_text(data), pa.array(range(1, len(data) + 1), pa.int64()),
                    "json")


def _json_lines_in_python(path: Path) -> pa.Table:
    raw = path.read_bytes()
    try:
        lines = raw.decode(detect_encoding(raw[:1 << 20])).splitlines()
    except UnicodeDecodeError as exc:
        raise ImportFileError(path, f"not valid JSON Lines: {exc}") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ImportFileError(path, f"not valid JSON Lines: line {number}: {exc}") from None
    if not all(isinstance(r, dict) for r in records):
        raise ImportFileError(path, "each line of a JSON Lines file must be an object")
    return _records_as_text(records)


def _records_as_text(records: list[dict]) -> pa.Table:
    """JSON objects as text columns, whatever mix of types a key has across them."""
    names = list(dict.fromkeys(name for record in records for name in record))
    return pa.table({str(name): pa.array([_json_text(r.get(name)) for r in records],
                                         pa.string()) for name in names})


def _json_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def head_rows(path: Path, fmt: str | None = None, n: int = 30) -> list[list[str]]:
    """The first `n` rows of a CSV, TSV or XLSX file as text, header and any title lines
    above it included (a blank line is an empty row), to find where the header is."""
    if not path.exists():
        raise ImportFileError(path, "no such file")
    fmt = detect_format(path, fmt)
    if fmt == "xlsx":
        return [[_cell_text(v) or "" for v in row] for row in _xlsx_rows(path, n)]
    if fmt not in ("csv", "tsv"):
        return []
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    text = sample.decode(detect_encoding(sample), errors="replace").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if fmt == "tsv" else ",")
    return list(itertools.islice(reader, n))


def read_file(path: Path, fmt: str | None = None, *, skip_rows: int = 0) -> RawTable:
    """The file's rows as text. Raises ImportFileError for a file that cannot be read.
    `skip_rows` rows above the header (CSV, TSV, XLSX) are skipped; row numbers still count
    them, so they are the file's own."""
    if not path.exists():
        raise ImportFileError(path, "no such file")
    fmt = detect_format(path, fmt)
    if fmt in ("csv", "tsv"):
        return _read_delimited(path, "\t" if fmt == "tsv" else ",", skip_rows)
    if fmt == "xlsx":
        return _read_xlsx(path, skip_rows)
    if fmt == "parquet":
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise ImportFileError(path, f"not a readable Parquet file: {exc}") from None
        return RawTable(_as_text(table), pa.array(range(1, table.num_rows + 1), pa.int64()),
                        "parquet")
    return _read_json(path, lines=fmt == "jsonl")
