"""Stream record batches out of Parquet, CSV and JSON Lines files, checking their columns.

Every reader yields raw batches (text for CSV/JSON, stored types for Parquet) with a
:class:`BatchOrigin`; :func:`counterspy.ingest.convert.to_canonical` does the rest. Nothing here
holds more than one batch in memory.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from counterspy.errors import InputError
from counterspy.ingest.batches import EMPTY_HINT, RawBatch, unreadable
from counterspy.ingest.convert import BatchOrigin
from counterspy.ingest.discover import FileFormat, SourceFile
from counterspy.ingest.jsonl import read_jsonl
from counterspy.ingest.schema import Table

PARQUET_BATCH_ROWS = 128 * 1024
CSV_BLOCK_BYTES = 16 << 20

CSV_UNIT = "data row, the header line not counted"
# Arrow's CSV errors say "In CSV column #2: Row #3: ..." (0-based column, row counts the header).
_ARROW_CSV_PLACE = re.compile(r"column #(\d+): Row #(\d+)")


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
        raise unreadable(src, exc) from None
    except FileNotFoundError as exc:
        raise unreadable(src, exc) from None
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


def _csv_header(src: SourceFile) -> list[str]:
    """Column names from the first line, for errors raised before Arrow reports its schema."""
    try:
        with pa.input_stream(str(src.path), compression="detect") as stream:
            first = io.BufferedReader(stream).readline().decode("utf-8-sig", errors="replace")
    except (pa.ArrowException, OSError):
        return []
    return next(csv.reader([first]), [])


def _read_csv(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "error"

    header: list[str] = []

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
        where = _ARROW_CSV_PLACE.search(str(exc))
        if where is not None and "UTF8" in str(exc):
            col, row = int(where.group(1)), int(where.group(2))
            names = header or _csv_header(src)
            return InputError(
                f"text is not valid UTF-8 ({CSV_UNIT})",
                file=src.display,
                row=row - 1,
                column=names[col] if col < len(names) else None,
                hint="save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8 in.csv > out.csv)",
            )
        return InputError(
            f"not a readable CSV file ({exc})",
            file=src.display,
            hint="save it as UTF-8 CSV with a header line",
        )

    try:
        reader = pacsv.open_csv(
            src.path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False),
            # Quoted fields may span lines (display names, user agents exported by Excel).
            parse_options=pacsv.ParseOptions(
                invalid_row_handler=on_invalid, newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in table.names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (PermissionError, FileNotFoundError) as exc:
        raise unreadable(src, exc) from None
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        raise parse_error(exc) from None
    header.extend(reader.schema.names)
    check_columns(header, table, src.display)
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


READERS: dict[FileFormat, Callable[[SourceFile, Table], Iterator[RawBatch]]] = {
    FileFormat.PARQUET: _read_parquet,
    FileFormat.CSV: _read_csv,
    FileFormat.JSONL: read_jsonl,
}


def read_batches(src: SourceFile, table: Table) -> Iterator[RawBatch]:
    """Raw batches of ``src`` (column names checked), in file order."""
    return READERS[src.format](src, table)
