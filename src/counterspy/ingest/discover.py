"""Find the canonical table files under a path given to ``counterspy ingest``.

A file belongs to a table by its own name (``accounts.parquet``, ``events-0001.jsonl``) or by
the name of the folder holding it (``accounts/part-00000.parquet``). Folders named ``truth``
(simulator ground truth) are never loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from counterspy.errors import CounterspyError, InputError
from counterspy.ingest.schema import TABLES


class FileFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"


# Suffix (lower case) -> format. Compressed text is decompressed while streaming.
_SUFFIXES: dict[str, FileFormat] = {
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
    ".csv": FileFormat.CSV,
    ".csv.gz": FileFormat.CSV,
    ".csv.zst": FileFormat.CSV,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".jsonl.gz": FileFormat.JSONL,
    ".ndjson.gz": FileFormat.JSONL,
    ".jsonl.zst": FileFormat.JSONL,
}

IGNORED_DIRS = frozenset({"truth"})
# Files Spark/Hadoop/macOS leave beside data; skipped silently.
_NOISE = re.compile(r"^(_SUCCESS|_committed_.*|_started_.*|\..*|.*\.crc)$")


@dataclass(frozen=True)
class SourceFile:
    """One input file and the canonical table it holds."""

    path: Path
    table: str
    format: FileFormat

    @property
    def display(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class Discovery:
    """What a path holds: table files in load order, plus what was skipped and why."""

    files: tuple[SourceFile, ...]
    notes: tuple[str, ...]

    def for_table(self, table: str) -> tuple[SourceFile, ...]:
        return tuple(f for f in self.files if f.table == table)


def file_format(path: Path) -> FileFormat | None:
    """The format a file name announces, or None."""
    name = path.name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return _SUFFIXES[suffix]
    return None


def _stem(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


_TABLE_NAME = re.compile(r"^(?P<table>[a-z]+)(?:[-_.].*)?$")


def table_of(path: Path) -> str | None:
    """The canonical table a file belongs to by its name or its folder's name, or None."""
    m = _TABLE_NAME.match(_stem(path))
    if m and m.group("table") in TABLES:
        return m.group("table")
    parent = path.parent.name.lower()
    return parent if parent in TABLES else None


def _expected() -> str:
    names = ", ".join(f"{t}.parquet|.csv|.jsonl" for t in TABLES)
    folders = ", ".join(f"{t}/part-*.parquet" for t in TABLES)
    return f"expected files named like {names}, or folders {folders}"


def discover(path: Path) -> Discovery:
    """The table files at ``path`` (a file or a folder, searched recursively)."""
    if not path.exists():
        raise CounterspyError(f"{path}: no such file or folder", hint="check the path")
    if path.is_file():
        return Discovery((_single(path),), ())
    if not path.is_dir():
        raise InputError(
            "not a regular file or folder", file=str(path), hint="give a file or a folder"
        )
    files: list[SourceFile] = []
    skipped: list[Path] = []
    notes: list[str] = []
    for p in sorted(path.rglob("*")):
        parents = p.relative_to(path).parts[:-1]
        if any(d.lower() in IGNORED_DIRS or d.startswith((".", "_")) for d in parents):
            continue  # inside truth/, a hidden folder or a Spark _temporary folder
        if p.is_dir():
            if p.name.lower() in IGNORED_DIRS:
                notes.append(
                    f"ignored folder {p} (simulator ground truth is never loaded as telemetry)"
                )
            continue
        if _NOISE.match(p.name):
            continue
        fmt, table = file_format(p), table_of(p)
        if fmt is None or table is None:
            skipped.append(p)
            continue
        files.append(SourceFile(p, table, fmt))
    if skipped:
        shown = ", ".join(str(s.relative_to(path)) for s in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        notes.append(f"ignored {len(skipped)} unrecognised file(s): {shown}{more}")
    if not files:
        raise CounterspyError(
            f"{path}: no recognisable table files found"
            + (f" ({notes[-1]})" if notes else " (folder is empty)"),
            hint=_expected(),
        )
    order = {t: i for i, t in enumerate(TABLES)}
    files.sort(key=lambda f: (order[f.table], str(f.path)))
    return Discovery(tuple(files), tuple(notes))


def _single(path: Path) -> SourceFile:
    fmt, table = file_format(path), table_of(path)
    if fmt is None:
        raise InputError(
            "unrecognised file type",
            file=str(path),
            hint="use Parquet (.parquet), CSV with a header (.csv) or JSON Lines (.jsonl)",
        )
    if table is None:
        raise InputError(
            "cannot tell which table this file holds",
            file=str(path),
            hint=f"rename it: {_expected()}",
        )
    return SourceFile(path, table, fmt)
