"""Happy paths, format equivalence, manifests and atomic commits of `ingest`."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from counterspy.errors import CounterspyError, InputError
from counterspy.ingest import load as load_mod
from counterspy.ingest.info import workspace_info
from counterspy.ingest.manifest import committed_loads, new_load_id
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.conftest import REPO
from tests.ingest_helpers import (
    accounts,
    events,
    listing,
    typed,
    write_csv,
    write_dataset,
    write_jsonl,
    write_parquet,
)


def _read(ws: Workspace, table: str) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in ws.table_files(table))


def test_simulator_folder_loads_and_truth_is_ignored(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    summary = load_mod.ingest(ws, [write_dataset(tmp_path / "sim", 5, 9)])
    assert {(t.table, t.files, t.rows) for t in summary.tables} == {
        ("accounts", 1, 5),
        ("events", 1, 9),
    }
    assert any("truth" in n for n in summary.notes)
    assert not list(ws.loads_dir.rglob("*operators*"))
    assert summary.folder == ws.loads_dir / summary.load_id
    assert not list(ws.staging_dir.iterdir())
    assert _read(ws, "events").schema == EVENTS.schema
    assert _read(ws, "accounts").schema == ACCOUNTS.schema


def test_manifest_records_sources_hashes_and_rows(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    src = write_csv(tmp_path / "in" / "accounts.csv", accounts(3))
    summary = load_mod.ingest(ws, [tmp_path / "in"])
    (manifest,) = committed_loads(ws)
    assert manifest.load_id == summary.load_id
    (f,) = manifest.files
    assert f.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert (f.table, f.rows, f.format, Path(f.source).name) == (
        "accounts",
        3,
        "csv",
        "accounts.csv",
    )
    assert (ws.loads_dir / manifest.load_id / f.part).is_file()
    assert manifest.started_at <= manifest.finished_at


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_every_format_yields_the_same_canonical_rows(tmp_path: Path, fmt: str) -> None:
    ws = Workspace(tmp_path / "home")
    acc, ev = accounts(4), events(6)
    writers = {
        "csv": lambda name, rows, _t: write_csv(tmp_path / "in" / f"{name}.csv", rows),
        "jsonl": lambda name, rows, _t: write_jsonl(tmp_path / "in" / f"{name}.jsonl", rows),
        "parquet": lambda name, rows, t: write_parquet(
            tmp_path / "in" / f"{name}.parquet", rows, t
        ),
    }
    writers[fmt]("accounts", acc, ACCOUNTS)
    writers[fmt]("events", ev, EVENTS)
    load_mod.ingest(ws, [tmp_path / "in"])
    assert _read(ws, "accounts").equals(typed(acc, ACCOUNTS))
    assert _read(ws, "events").equals(typed(ev, EVENTS))


def test_timestamps_are_normalised_to_utc(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    rows = accounts(5)
    stamps = [
        "2021-10-02T17:45:10Z",
        "2021-10-02 19:45:10+02:00",
        "2021-10-02T17:45:10",  # no offset: UTC
        "2021-10-02T12:45:10.123456789-05:00",  # nanoseconds truncated
        "2021-10-02",
    ]
    for r, s in zip(rows, stamps, strict=True):
        r["created_at"] = s
    load_mod.ingest(ws, [write_csv(tmp_path / "accounts.csv", rows)])
    got = _read(ws, "accounts").column("created_at").to_pylist()
    base = datetime(2021, 10, 2, 17, 45, 10, tzinfo=UTC)
    assert got == [
        base,
        base,
        base,
        base.replace(microsecond=123456),
        datetime(2021, 10, 2, tzinfo=UTC),
    ]


def test_parquet_with_other_types_is_converted(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    t = typed(accounts(3), ACCOUNTS)
    naive = pa.array([datetime(2020, 1, 1, 10), datetime(2020, 1, 2), None], pa.timestamp("ns"))
    naive = naive.fill_null(datetime(2020, 1, 3))
    t = t.set_column(1, "created_at", naive)
    t = t.set_column(0, "account_id", pa.array(["a1", "a2", "a3"], pa.large_string()))
    t = t.set_column(3, "account_type", t.column(3).dictionary_encode())
    pq.write_table(t, tmp_path / "accounts.parquet")
    load_mod.ingest(ws, [tmp_path / "accounts.parquet"])
    got = _read(ws, "accounts")
    assert got.schema == ACCOUNTS.schema
    assert got.column("created_at")[0].as_py() == datetime(2020, 1, 1, 10, tzinfo=UTC)
    assert got.column("account_id").to_pylist() == ["a1", "a2", "a3"]


def test_second_load_appends_and_may_reference_earlier_accounts(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    first = load_mod.ingest(ws, [write_csv(tmp_path / "a" / "accounts.csv", accounts(4))])
    second = load_mod.ingest(ws, [write_jsonl(tmp_path / "b" / "events.jsonl", events(6, 4))])
    assert [m.load_id for m in committed_loads(ws)] == [first.load_id, second.load_id]
    assert _read(ws, "events").num_rows == 6


def test_reloading_the_same_file_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    src = write_dataset(tmp_path / "sim")
    load_mod.ingest(ws, [src])
    before = listing(ws.home)
    with pytest.raises(InputError, match="already loaded in load"):
        load_mod.ingest(ws, [src])
    assert listing(ws.home) == before


def test_load_ids_sort_in_commit_order_even_if_the_clock_goes_back() -> None:
    later = new_load_id(datetime(2026, 1, 1, 12, tzinfo=UTC))
    earlier_clock = new_load_id(datetime(2025, 1, 1, tzinfo=UTC), after=later)
    assert earlier_clock > later


def test_error_while_writing_leaves_workspace_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path / "home")
    load_mod.ingest(ws, [write_csv(tmp_path / "a" / "accounts.csv", accounts(4))])
    before = listing(ws.home)
    calls = []

    def failing_write(writer: pq.ParquetWriter, batch: pa.RecordBatch) -> None:
        calls.append(batch.num_rows)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        writer.write_batch(batch)

    monkeypatch.setattr(load_mod, "_write_batch", failing_write)
    src = tmp_path / "b"
    write_csv(src / "events-1.csv", events(3, 4))
    write_csv(src / "events-2.csv", events(3, 4, start=3))
    with pytest.raises(OSError, match="No space"):
        load_mod.ingest(ws, [src])
    assert len(calls) == 2
    assert listing(ws.home) == before


CRASHING_INGEST = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from counterspy.ingest import load
    from counterspy.workspace import Workspace

    def crash(writer, batch):
        writer.write_batch(batch)
        os._exit(9)  # like a kill -9 or power cut: no cleanup runs

    load._write_batch = crash
    load.ingest(Workspace(Path(sys.argv[1])), [Path(sys.argv[2])])
    """
)


def test_crash_leaves_only_staging_which_the_next_run_removes(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    src = write_dataset(tmp_path / "sim")
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_INGEST, str(ws.home), str(src)],
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 9, proc.stderr.decode()
    assert list(ws.loads_dir.iterdir()) == []
    (leftover,) = ws.staging_dir.iterdir()
    assert list(leftover.rglob("*.parquet"))
    summary = load_mod.ingest(ws, [src])
    assert any(leftover.name in n for n in summary.notes)
    assert list(ws.staging_dir.iterdir()) == []
    assert [m.load_id for m in committed_loads(ws)] == [summary.load_id]


def test_excel_style_csv_with_bom_and_crlf_loads(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    p = write_csv(tmp_path / "accounts.csv", accounts(3))
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))
    load_mod.ingest(ws, [p])
    assert _read(ws, "accounts").equals(typed(accounts(3), ACCOUNTS))


def test_a_second_ingest_into_a_busy_workspace_is_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    ws.home.mkdir()
    fd = os.open(ws.home, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running ingest holds
        with pytest.raises(CounterspyError, match="another ingest is running"):
            load_mod.ingest(ws, [write_dataset(tmp_path / "sim")])
    finally:
        os.close(fd)
    assert list(ws.home.iterdir()) == []


def test_single_file_with_unknown_name_is_explained(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "export.csv", accounts(2))
    with pytest.raises(InputError, match="cannot tell which table") as info:
        load_mod.ingest(Workspace(tmp_path / "home"), [p])
    assert "accounts.parquet" in info.value.hint


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CounterspyError, match="no such file"):
        load_mod.ingest(Workspace(tmp_path / "home"), [tmp_path / "nope"])


def test_permission_denied_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = write_csv(tmp_path / "accounts.csv", accounts(2))
    real_open = Path.open

    def denying_open(self: Path, *args: object, **kwargs: object) -> object:
        if self == p:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", denying_open)
    ws = Workspace(tmp_path / "home")
    with pytest.raises(InputError, match="Permission denied") as info:
        load_mod.ingest(ws, [p])
    assert info.value.file == str(p)
    assert not ws.home.exists()


def test_workspace_info_counts_rows_and_mentions_leftovers(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    load_mod.ingest(ws, [write_dataset(tmp_path / "sim", 4, 6)])
    load_mod.ingest(ws, [write_csv(tmp_path / "more" / "events.csv", events(3, 4, start=10))])
    (ws.staging_dir / "20260101T000000.000000Z-dead00").mkdir()
    info = workspace_info(ws)
    tables = {t.table: t for t in info.tables}
    assert (tables["events"].loads, tables["events"].files, tables["events"].rows) == (2, 2, 9)
    assert tables["accounts"].rows == 4
    assert tables["events"].first == datetime(2021, 10, 2, 17, 0, 10, tzinfo=UTC)
    assert tables["events"].last == datetime(2021, 10, 2, 17, 12, 10, tzinfo=UTC)
    assert [ld.rows for ld in info.loads] == [10, 3]
    assert info.staging_leftovers == ("20260101T000000.000000Z-dead00",)


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("accounts.csv.gz", "gzip"),
        ("accounts.csv.zst", "zstd"),
        ("accounts.jsonl.gz", "gzip"),
        ("accounts.ndjson.gz", "gzip"),
        ("accounts.jsonl.zst", "zstd"),
    ],
)
def test_compressed_text_files_load(tmp_path: Path, name: str, codec: str) -> None:
    plain = tmp_path / "plain"
    rows = accounts(5)
    src = write_csv(plain, rows) if ".csv" in name else write_jsonl(plain, rows)
    packed = tmp_path / name
    with pa.output_stream(str(packed), compression=codec) as out:
        out.write(src.read_bytes())
    ws = Workspace(tmp_path / "home")
    summary = load_mod.ingest(ws, [packed])
    assert summary.rows == 5
    assert _read(ws, "accounts").equals(typed(rows, ACCOUNTS))


def test_files_inside_the_workspace_are_refused(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    load_mod.ingest(ws, [write_dataset(tmp_path / "sim")])
    before = listing(ws.home)
    with pytest.raises(InputError, match="inside the workspace"):
        load_mod.ingest(ws, [ws.home])
    assert listing(ws.home) == before


def test_hidden_and_spark_temporary_folders_are_skipped(tmp_path: Path) -> None:
    src = write_dataset(tmp_path / "sim")
    write_csv(src / "_temporary" / "0" / "events" / "part-9.csv", events(2))
    write_csv(src / ".cache" / "accounts.csv", accounts(1))
    (src / "_SUCCESS").write_text("")
    summary = load_mod.ingest(Workspace(tmp_path / "home"), [src])
    assert summary.files == 2
    assert not any("unrecognised" in n for n in summary.notes)
    assert sum("truth" in n for n in summary.notes) == 1
