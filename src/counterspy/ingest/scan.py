"""One pass over a source file's bytes before it is read: its digest and a row estimate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from counterspy.errors import InputError
from counterspy.ingest.discover import FileFormat, SourceFile
from counterspy.ingest.readers import parquet_rows


@dataclass(frozen=True)
class FileScan:
    """One pass over a source file's bytes: its digest and, for plain text, a row estimate."""

    sha256: str
    lines: int
    ends_with_newline: bool


def scan_file(path: Path) -> FileScan:
    h = hashlib.sha256()
    lines, last = 0, b"\n"
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError as exc:
        raise InputError(
            f"cannot read the file ({exc.strerror or exc})",
            file=str(path),
            hint="check that the file exists and that you may read it",
        ) from None
    return FileScan(h.hexdigest(), lines, last == b"\n")


def estimated_rows(src: SourceFile, scan: FileScan) -> int | None:
    """Rows to expect, for the progress bar: exact for Parquet, close for plain CSV/JSONL."""
    if src.format is FileFormat.PARQUET:
        return parquet_rows(src)
    if src.path.suffix.lower() not in (".csv", ".jsonl", ".ndjson"):
        return None  # compressed: the byte scan says nothing about lines
    lines = scan.lines + (0 if scan.ends_with_newline else 1)
    return max(lines - 1, 0) if src.format is FileFormat.CSV else lines
