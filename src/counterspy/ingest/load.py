"""Atomic loads: validate input files into ``staging/<load_id>/``, then commit with one rename.

Nothing reads ``staging/``. A load either appears whole under ``loads/<load_id>/`` (with its
``load.json``) or not at all; a failed load leaves the workspace as it was, and the leftovers of
a crashed one are removed by the next ingest.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from counterspy import __version__
from counterspy.analytics.memory import MemoryBudget, resolve_memory_budget
from counterspy.errors import CounterspyError, InputError
from counterspy.ingest.batches import EMPTY_HINT
from counterspy.ingest.checks import PartOrigin, check_account_references, check_unique_keys
from counterspy.ingest.convert import to_canonical
from counterspy.ingest.discover import Discovery, FileFormat, SourceFile, discover
from counterspy.ingest.manifest import (
    LoadedFile,
    LoadManifest,
    committed_loads,
    new_load_id,
    write_manifest,
)
from counterspy.ingest.readers import read_batches
from counterspy.ingest.scan import FileScan, estimated_rows, scan_file
from counterspy.ingest.schema import ACCOUNTS, EVENTS, TABLES
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.workspace import Workspace

if sys.platform != "win32":  # POSIX advisory lock; on Windows concurrent ingests are unguarded
    import fcntl

# How each format's rows are counted in messages ("row 3", "data row 3", "record 3").
ROW_UNITS: dict[FileFormat, str] = {
    FileFormat.PARQUET: "row",
    FileFormat.CSV: "data row",
    FileFormat.JSONL: "record",
}


# Low-cardinality columns worth dictionary-encoding in the staged Parquet. Trying a dictionary on
# id columns first and then falling back costs more time than it saves space.
DICTIONARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("account_type", "country", "locale", "at_risk"),
    "events": ("event_type", "asn", "user_agent", "country"),
}


@dataclass(frozen=True)
class TableCount:
    table: str
    files: int
    rows: int


@dataclass(frozen=True)
class LoadSummary:
    """What one ingest committed."""

    load_id: str
    folder: Path | None  # None when only checked (commit=False)
    tables: tuple[TableCount, ...]
    seconds: float
    notes: tuple[str, ...]
    manifest: LoadManifest
    memory_limit: str = ""  # the DuckDB budget of the checks, and where it came from

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def files(self) -> int:
        return sum(t.files for t in self.tables)


@dataclass
class _Guard:
    """Directories this run created (removed again on failure) and the workspace lock."""

    created: list[Path] = field(default_factory=list)

    def make(self, d: Path) -> None:
        missing = []
        for p in (d, *d.parents):
            if p.exists():
                break
            missing.append(p)
        for p in reversed(missing):
            p.mkdir()
            self.created.append(p)

    def rollback(self) -> None:
        for d in reversed(self.created):
            with contextlib.suppress(OSError):  # not empty: someone else put something there
                d.rmdir()


@contextmanager
def _locked(ws: Workspace, guard: _Guard) -> Iterator[None]:
    guard.make(ws.home)
    if sys.platform == "win32":  # pragma: no cover
        yield
        return
    fd = os.open(ws.home, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CounterspyError(
                f"{ws.home}: another ingest is running in this workspace",
                hint="wait for it to finish, then run this one again",
            ) from None
        yield
    finally:
        os.close(fd)


def _write_batch(writer: pq.ParquetWriter, batch: pa.RecordBatch) -> None:
    writer.write_batch(batch)


@dataclass(frozen=True)
class _Staged:
    part: Path
    source: SourceFile
    rows: int
    sha256: str
    blank_lines: tuple[int, ...]


def _stage_file(src: SourceFile, part: Path, sha: str, progress: Progress) -> _Staged:
    table = TABLES[src.table]
    rows = 0
    blanks: list[int] = []
    last_line = 0
    writer: pq.ParquetWriter | None = None
    try:
        for raw in read_batches(src, table):
            batch = to_canonical(raw.data, table, raw.origin)
            if writer is None:
                writer = pq.ParquetWriter(
                    part,
                    table.schema,
                    compression="zstd",
                    use_dictionary=list(DICTIONARY_COLUMNS.get(table.name, ())),
                )
            _write_batch(writer, batch)
            for line in raw.origin.lines or ():
                blanks.extend(range(last_line + 1, line))
                last_line = line
            rows += batch.num_rows
            progress.advance(batch.num_rows)
    finally:
        if writer is not None:
            writer.close()
    if rows == 0:
        raise InputError("empty file: no data rows", file=src.display, hint=EMPTY_HINT)
    return _Staged(part, src, rows, sha, tuple(blanks))


def _gather(paths: Sequence[Path]) -> tuple[list[SourceFile], list[str]]:
    found: list[Discovery] = [discover(Path(p)) for p in paths]
    seen: set[Path] = set()
    files: list[SourceFile] = []
    notes: list[str] = []
    for d in found:
        notes.extend(d.notes)
        for f in d.files:
            key = f.path.resolve()
            if key not in seen:
                seen.add(key)
                files.append(f)
    order = {t: i for i, t in enumerate(TABLES)}
    files.sort(key=lambda f: order[f.table])  # accounts before events; stable otherwise
    return files, notes


def _refuse_own_files(ws: Workspace, files: Sequence[SourceFile]) -> None:
    home = ws.home.resolve()
    for f in files:
        if f.path.resolve().is_relative_to(home):
            raise InputError(
                "this file is inside the workspace itself",
                file=f.display,
                hint=f"give the folder your platform exported, not {ws.home} or a folder in it",
            )


def _clear_stale_staging(ws: Workspace) -> list[str]:
    notes = []
    if ws.staging_dir.is_dir():
        for leftover in sorted(ws.staging_dir.iterdir()):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
            notes.append(f"removed {leftover.name} left in staging/ by an interrupted ingest")
    return notes


def _refuse_reloaded(
    files: Sequence[SourceFile], scans: dict[Path, FileScan], ws: Workspace
) -> None:
    known = {f.sha256: (m.load_id, f.source) for m in committed_loads(ws) for f in m.files}
    for src in files:
        hit = known.get(scans[src.path].sha256)
        if hit is not None:
            raise InputError(
                f"this file was already loaded in load {hit[0]} (as {hit[1]}; same sha256)",
                file=src.display,
                hint="loads are append-only: leave it out, or remove that load folder first",
            )


def _committed_parts(ws: Workspace) -> tuple[dict[str, list[Path]], dict[str, PartOrigin]]:
    parts: dict[str, list[Path]] = {t: [] for t in TABLES}
    origins: dict[str, PartOrigin] = {}
    for m in committed_loads(ws):
        for f in m.files:
            path = ws.loads_dir / m.load_id / f.part
            parts[f.table].append(path)
            origins[str(path)] = PartOrigin(f.source, f.row_unit, m.load_id)
    return parts, origins


def _stage_all(
    files: Sequence[SourceFile], scans: dict[Path, FileScan], stage: Path, progress: Progress
) -> list[_Staged]:
    counts = [estimated_rows(f, scans[f.path]) for f in files]
    total = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
    progress.begin("validating and staging rows", total)
    staged: list[_Staged] = []
    index: dict[str, int] = {}
    for src in files:
        n = index.get(src.table, 0)
        index[src.table] = n + 1
        (stage / src.table).mkdir(exist_ok=True)
        part = stage / src.table / f"part-{n:05d}.parquet"
        staged.append(_stage_file(src, part, scans[src.path].sha256, progress))
    return staged


def _check_across(
    ws: Workspace, staged: Sequence[_Staged], tmp: Path, memory: MemoryBudget, progress: Progress
) -> None:
    progress.begin("checking ids and account references", len(TABLES) + 1)
    committed, origins = _committed_parts(ws)
    for s in staged:
        origins[str(s.part)] = PartOrigin(
            s.source.display,
            ROW_UNITS[s.source.format],
            None,
            s.blank_lines,
            line_numbers=s.source.format is FileFormat.JSONL,
        )
    new = {t: [s.part for s in staged if s.source.table == t] for t in TABLES}
    for t in TABLES:
        check_unique_keys(t, new[t], committed[t], origins, tmp, memory)
        progress.advance(1)
    accounts = [*committed[ACCOUNTS.name], *new[ACCOUNTS.name]]
    check_account_references(new[EVENTS.name], accounts, origins, tmp, memory)
    progress.advance(1)


def _last_load_id(ws: Workspace) -> str | None:
    names = sorted(d.name for d in ws.loads_dir.iterdir() if d.is_dir())
    return names[-1] if names else None


def _fsync_dir(d: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(stage: Path | None, tmp: Path | None, guard: _Guard) -> None:
    for d in (stage, tmp):
        if d is not None:
            shutil.rmtree(d, ignore_errors=True)
    guard.rollback()


def ingest(
    ws: Workspace,
    paths: Sequence[Path],
    progress: Progress = NULL_PROGRESS,
    *,
    commit: bool = True,
    memory: MemoryBudget | None = None,
) -> LoadSummary:
    """Validate the table files under ``paths`` and commit them as one new load of ``ws``.

    With ``commit=False`` every check runs but nothing is kept: the workspace is left as it was
    (leftovers of an interrupted ingest included), and the summary describes the load that
    would have been committed. The cross-file checks run in DuckDB under ``memory`` (default:
    :func:`resolve_memory_budget`) and spill to ``staging/<load_id>.duckdb-tmp``.
    """
    budget = memory or resolve_memory_budget()
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    files, notes = _gather(paths)
    _refuse_own_files(ws, files)
    guard = _Guard()
    target: Path | None = None
    with _locked(ws, guard):
        stage: Path | None = None
        tmp: Path | None = None
        try:
            guard.make(ws.loads_dir)
            guard.make(ws.staging_dir)
            if commit:
                notes.extend(_clear_stale_staging(ws))
            scans = {f.path: scan_file(f.path) for f in files}
            _refuse_reloaded(files, scans, ws)
            load_id = new_load_id(started, after=_last_load_id(ws))
            stage, tmp = ws.staging_dir / load_id, ws.staging_dir / f"{load_id}.duckdb-tmp"
            stage.mkdir()
            staged = _stage_all(files, scans, stage, progress)
            _check_across(ws, staged, tmp, budget, progress)
            manifest = _manifest(load_id, started, paths, staged, stage)
            if commit:
                write_manifest(stage, manifest)
                target = ws.loads_dir / load_id
                stage.rename(target)  # the commit: one atomic rename
                _fsync_dir(ws.loads_dir)
        except BaseException:
            _discard(stage, tmp, guard)
            raise
        if commit:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            _discard(stage, tmp, guard)
    tables = tuple(
        TableCount(t, sum(1 for s in staged if s.source.table == t), manifest.rows(t))
        for t in TABLES
        if any(s.source.table == t for s in staged)
    )
    seconds = time.perf_counter() - t0
    return LoadSummary(load_id, target, tables, seconds, tuple(notes), manifest, budget.describe())


def _manifest(
    load_id: str, started: datetime, paths: Sequence[Path], staged: Sequence[_Staged], stage: Path
) -> LoadManifest:
    return LoadManifest(
        load_id=load_id,
        counterspy_version=__version__,
        started_at=started,
        finished_at=datetime.now(UTC),
        sources=tuple(str(Path(p).absolute()) for p in paths),
        files=tuple(
            LoadedFile(
                table=s.source.table,
                part=str(s.part.relative_to(stage)),
                source=str(s.source.path.absolute()),
                format=s.source.format.value,
                sha256=s.sha256,
                bytes=s.source.path.stat().st_size,
                rows=s.rows,
                row_unit=ROW_UNITS[s.source.format],
            )
            for s in staged
        ),
    )
