"""Stream record batches out of Parquet, CSV and JSON Lines files, checking their columns.

Every reader yields raw batches (text for CSV/JSON, stored types for Parquet) with a
:class:`BatchOrigin`; :func:`counterspy.ingest.convert.to_canonical` does the rest. Nothing here
holds more than one batch in memory.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from counterspy.errors import InputError
from counterspy.ingest.convert import BatchOrigin
from counterspy.ingest.discover import FileFormat, SourceFile
from counterspy.ingest.schema import Table

PARQUET_BATCH_ROWS = 128 * 1024
CSV_BLOCK_BYTES = 16 << 20
JSONL_BATCH_ROWS = 64 * 1024

CSV_UNIT = "data row, the header line not counted"
EMPTY_HINT = "the file holds no rows: remove it from the folder or export the data again"


@dataclass(frozen=True)
class RawBatch:
    data: pa.RecordBatch
    origin: BatchOrigin


def check_columns(names: Sequence[str], table: Table, file: str, what: str = "header") -> None:
    """Raise for a duplicated, missing or extra column."""
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise InputError(
                f"column appears twice in the {what}", file=file, column=n, hint="remove one"
            )
        seen.add(n)
    missing = [c for c in table.names if c not in seen]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} in the {what}: {', '.join(missing)}",
            file=file,
            column=missing[0],
            hint=f"{table.name} needs the columns {', '.join(table.names)} "
            "(see docs/data-contract.md; nullable columns may be empty but must be present)",
        )
    extra = [n for n in names if n not in table.names]
    if extra:
        raise InputError(
            f"unexpected column{'s' if len(extra) > 1 else ''} in the {what}: {', '.join(extra)}",
            file=file,
            column=extra[0],
            hint=f"{table.name} has exactly the columns {', '.join(table.names)}; "
            "drop or rename the others",
        )


def _unreadable(src: SourceFile, exc: BaseException) -> InputError:
    return InputError(
        f"cannot read the file ({exc})",
        file=src.display,
        hint="check that the file exists and that you may read it",
    )


# --- Parquet ------------------------------------------------------------------------------------


def parquet_rows(src: SourceFile) -> int | None:
    """Row count from the Parquet footer (None for text formats or unreadable files)."""
    if src.format is not FileFormat.PARQUET:
        return None
    try:
        return int(pq.ParquetFile(src.path).metadata.num_rows)
    except (pa.ArrowException, OSError):
        return None


def _corrupt(src: SourceFile, exc: BaseException, after_row: int | None = None) -> InputError:
    where = f" after row {after_row}" if after_row else ""
    return InputError(
        f"not a readable Parquet file{where} ({exc})",
        file=src.display,
        hint="the file looks truncated or corrupt: copy or export it again",
    )


def _read_parquet(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    try:
        pf = pq.ParquetFile(src.path)
    except PermissionError as exc:
        raise _unreadable(src, exc) from None
    except FileNotFoundError as exc:
        raise _unreadable(src, exc) from None
    except (pa.ArrowException, OSError) as exc:
        raise _corrupt(src, exc) from None
    check_columns(pf.schema_arrow.names, table, src.display, "Parquet schema")
    batches = pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=list(table.names))
    row = 1
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise _corrupt(src, exc, row - 1) from None
        yield RawBatch(batch, BatchOrigin(src.display, row))
        row += batch.num_rows


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "error"

    def parse_error(exc: BaseException) -> InputError:
        if invalid:
            bad = invalid[0]
            row = bad.number - 1 if bad.number is not None else None
            return InputError(
                f"expected {bad.expected_columns} fields, found {bad.actual_columns} "
                f"({CSV_UNIT}): {bad.text[:80]!r}",
                file=src.display,
                row=row,
                hint="quote fields that contain commas or line breaks",
            )
        if "Empty CSV file" in str(exc):
            return InputError("empty file (no header line)", file=src.display, hint=EMPTY_HINT)
        return InputError(
            f"not a readable CSV file ({exc})",
            file=src.display,
            hint="save it as UTF-8 CSV with a header line",
        )

    try:
        reader = pacsv.open_csv(
            src.path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in table.names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (PermissionError, FileNotFoundError) as exc:
        raise _unreadable(src, exc) from None
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise parse_error(exc) from None
    check_columns(reader.schema.names, table, src.display)
    row = 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
            raise parse_error(exc) from None
        batch = batch.select(list(table.names))
        yield RawBatch(batch, BatchOrigin(src.display, row, CSV_UNIT))
        row += batch.num_rows


# --- JSON Lines ---------------------------------------------------------------------------------


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
    raise _BadValueError(type(value).__name__)


def _jsonl_batch(
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
                kind = "object" if str(exc) == "dict" else "array" if str(exc) == "list" else exc
                raise origin.error(
                    i, name, f"wrong type: a JSON {kind}", f"{name} must be a plain JSON value"
                ) from None
        arrays.append(pa.array(values, pa.string()))
    return RawBatch(pa.RecordBatch.from_arrays(arrays, names=list(table.names)), origin)


def _read_jsonl(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    known = set(table.names)
    required = [c.name for c in table.columns if not c.nullable]
    records: list[dict[str, object]] = []
    lines: list[int] = []
    first = 1
    try:
        stream = pa.input_stream(str(src.path), compression="detect")
    except (PermissionError, FileNotFoundError) as exc:
        raise _unreadable(src, exc) from None
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(src, exc) from None
    with stream:
        for line_no, raw in enumerate(_lines(stream, src), start=1):
            if not raw.strip():
                continue
            rec = _parse_line(raw, line_no, first + len(records), src)
            extra = [k for k in rec if k not in known]
            if extra:
                raise InputError(
                    f"unexpected column {extra[0]!r} (line {line_no})",
                    file=src.display,
                    row=first + len(records),
                    column=extra[0],
                    hint=f"{table.name} has exactly the keys {', '.join(table.names)}",
                )
            missing = [k for k in required if k not in rec]
            if missing:
                raise InputError(
                    f"missing column: required key {missing[0]!r} is absent (line {line_no})",
                    file=src.display,
                    row=first + len(records),
                    column=missing[0],
                    hint="required keys must be present in every record; "
                    "optional ones may be omitted or null",
                )
            records.append(rec)
            lines.append(line_no)
            if len(records) >= JSONL_BATCH_ROWS:
                yield _jsonl_batch(records, lines, first, src, table)
                first += len(records)
                records, lines = [], []
    if records:
        yield _jsonl_batch(records, lines, first, src, table)


def _lines(stream: pa.NativeFile, src: SourceFile) -> Iterator[bytes]:
    try:
        yield from io.BufferedReader(stream, buffer_size=1 << 20)
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(src, exc) from None


def _parse_line(raw: bytes, line_no: int, row: int, src: SourceFile) -> dict[str, object]:
    try:
        rec = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"invalid JSON on line {line_no} ({exc})",
            file=src.display,
            row=row,
            hint="each line must be one complete JSON object",
        ) from None
    if not isinstance(rec, dict):
        raise InputError(
            f"line {line_no} is a JSON {type(rec).__name__}, not an object",
            file=src.display,
            row=row,
            hint="each line must be one JSON object with the table's keys",
        )
    return rec


READERS: dict[FileFormat, Callable[[SourceFile, Table], Iterator[RawBatch]]] = {
    FileFormat.PARQUET: _read_parquet,
    FileFormat.CSV: _read_csv,
    FileFormat.JSONL: _read_jsonl,
}


def read_batches(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    """Raw batches of ``src`` (column names checked), in file order."""
    return READERS[src.format](src, table)
