"""Stream JSON Lines files: Arrow's reader while the file is regular, Python's where it is not.

The fast path (``pyarrow.json``) parses whole blocks in C++, but cannot say which line broke a
rule or accept ``"asn": "3320"`` where a number is expected. When it stops, the reader carries on
from the first record it did not deliver with a line-by-line reader that accepts any JSON scalar
and names the exact line of a problem. Files with blank lines always use the line-by-line reader,
so record numbers and line numbers stay in step on the fast path.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.json as pajson

from counterspy.errors import InputError
from counterspy.ingest.batches import RawBatch, unreadable
from counterspy.ingest.convert import BatchOrigin
from counterspy.ingest.discover import SourceFile
from counterspy.ingest.schema import Table

JSONL_BATCH_ROWS = 64 * 1024
JSONL_BLOCK_BYTES = 16 << 20
_BLANK_LINE = re.compile(rb"\n[ \t\r]*\n")
_LEADING_BLANK = re.compile(rb"[ \t\r]*\n")


def _open(src: SourceFile) -> pa.NativeFile:
    try:
        return pa.input_stream(str(src.path), compression="detect")
    except (pa.ArrowException, OSError) as exc:
        raise unreadable(src, exc) from None


def _has_blank_lines(src: SourceFile) -> bool:
    """True if an empty or whitespace-only line comes before the last record."""
    with _open(src) as stream:
        data = stream.read(1 << 20)
        if _LEADING_BLANK.match(data):
            return True
        tail = b""
        while data:
            # A trailing newline (or several) at the end of the file is harmless: cut it off
            # only when this is the last chunk.
            nxt = stream.read(1 << 20)
            window = tail + (data if nxt else data.rstrip(b" \t\r\n"))
            if _BLANK_LINE.search(window):
                return True
            tail, data = data[-64:], nxt
    return False


def _fast_schema(table: Table) -> pa.Schema:
    # Timestamps arrive as text and go through the shared ISO 8601 parser.
    return pa.schema(
        [
            pa.field(c.name, pa.string() if pa.types.is_timestamp(c.type) else c.type)
            for c in table.columns
        ]
    )


def _fast(src: SourceFile, table: Table) -> Iterator[pa.RecordBatch]:
    """Arrow's reader; stops (returns) at the first block it cannot parse under the schema."""
    stream = _open(src)
    try:
        reader = pajson.open_json(
            stream,
            read_options=pajson.ReadOptions(block_size=JSONL_BLOCK_BYTES),
            parse_options=pajson.ParseOptions(
                explicit_schema=_fast_schema(table), unexpected_field_behavior="error"
            ),
        )
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            yield batch.select(list(table.names))
    except pa.ArrowInvalid:
        return
    finally:
        stream.close()


def read_jsonl(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    """Raw text batches of a JSON Lines file, each row's line number known."""
    done = 0
    if not _has_blank_lines(src):
        for batch in _fast(src, table):
            text = pa.RecordBatch.from_arrays(
                [_as_text_array(col) for col in batch.columns], names=list(table.names)
            )
            lines = tuple(range(done + 1, done + 1 + batch.num_rows))
            yield RawBatch(text, BatchOrigin(src.display, done + 1, lines=lines))
            done += batch.num_rows
    yield from _slow(src, table, skip=done)


def _as_text_array(col: pa.Array) -> pa.Array:
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_boolean(col.type):
        return pa.compute.if_else(col, "true", "false")
    return pa.compute.cast(col, pa.string())


# --- line-by-line reader ----------------------------------------------------------------------


class _BadValueError(Exception):
    pass


def _as_text(value: object) -> str | None:
    """A JSON value as the text the shared parsers understand."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    raise _BadValueError({"dict": "object", "list": "array"}.get(type(value).__name__, "value"))


def _batch(
    records: list[dict[str, object]], lines: list[int], first: int, src: SourceFile, table: Table
) -> RawBatch:
    origin = BatchOrigin(src.display, first, lines=tuple(lines))
    arrays: list[pa.Array] = []
    for name in table.names:
        values: list[str | None] = []
        for i, rec in enumerate(records):
            try:
                values.append(_as_text(rec.get(name)))
            except _BadValueError as exc:
                raise origin.error(
                    i, name, f"wrong type: a JSON {exc}", f"{name} must be a plain JSON value"
                ) from None
        arrays.append(pa.array(values, pa.string()))
    return RawBatch(pa.RecordBatch.from_arrays(arrays, names=list(table.names)), origin)


def _check_keys(rec: dict[str, object], table: Table, line: int, row: int, file: str) -> None:
    extra = [k for k in rec if k not in table.names]
    if extra:
        raise InputError(
            f"unexpected column {extra[0]!r} (line {line})",
            file=file,
            row=row,
            column=extra[0],
            hint=f"{table.name} has exactly the keys {', '.join(table.names)}",
        )
    missing = [c.name for c in table.columns if not c.nullable and c.name not in rec]
    if missing:
        raise InputError(
            f"missing column: required key {missing[0]!r} is absent (line {line})",
            file=file,
            row=row,
            column=missing[0],
            hint="required keys must be present in every record; "
            "optional ones may be omitted or null",
        )


def _parse_line(raw: bytes, line: int, row: int, src: SourceFile) -> dict[str, object]:
    try:
        rec = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"invalid JSON on line {line} ({exc})",
            file=src.display,
            row=row,
            hint="each line must be one complete JSON object",
        ) from None
    if not isinstance(rec, dict):
        raise InputError(
            f"line {line} is a JSON {type(rec).__name__}, not an object",
            file=src.display,
            row=row,
            hint="each line must be one JSON object with the table's keys",
        )
    return rec


def _lines(src: SourceFile) -> Iterator[bytes]:
    with _open(src) as stream:
        try:
            yield from io.BufferedReader(stream, buffer_size=1 << 20)
        except (pa.ArrowException, OSError) as exc:
            raise unreadable(src, exc) from None


def _slow(src: SourceFile, table: Table, skip: int) -> Iterator[RawBatch]:
    """Line by line, after ``skip`` records already delivered."""
    records: list[dict[str, object]] = []
    lines: list[int] = []
    seen = 0  # records met so far, including skipped ones
    for line_no, raw in enumerate(_lines(src), start=1):
        if not raw.strip():
            continue
        seen += 1
        if seen <= skip:
            continue
        rec = _parse_line(raw, line_no, seen, src)
        _check_keys(rec, table, line_no, seen, src.display)
        records.append(rec)
        lines.append(line_no)
        if len(records) >= JSONL_BATCH_ROWS:
            yield _batch(records, lines, seen - len(records) + 1, src, table)
            records, lines = [], []
    if records:
        yield _batch(records, lines, seen - len(records) + 1, src, table)
