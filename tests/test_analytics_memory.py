"""DuckDB memory budget: parsing, the machine default (cgroups too), and the spill folder."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from counterspy.analytics import connect
from counterspy.analytics.memory import (
    MEMORY_LIMIT_ENV,
    MIN_BYTES,
    MachineMemory,
    MemoryBudget,
    cgroup_limit,
    machine_memory,
    parse_memory_limit,
    resolve_memory_budget,
    spill_dir,
)
from counterspy.cli.main import main
from counterspy.detect.run import detect_workspace
from counterspy.errors import CounterspyError, InputError
from counterspy.ingest.load import ingest
from counterspy.workspace import Workspace
from tests.detect_fixtures import build_platform
from tests.ingest_helpers import accounts, events, write_csv, write_dataset

GiB = 2**30
MACHINE = MachineMemory(physical=16 * GiB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8GB", 8 * 10**9),
        ("8000MB", 8 * 10**9),
        ("7.5GiB", int(7.5 * GiB)),
        (" 512 mib ", 512 * 2**20),
        ("1TB", 10**12),
        ("25%", 4 * GiB),
        ("100%", 16 * GiB),
    ],
)
def test_sizes_and_shares_are_understood(text: str, expected: int) -> None:
    assert parse_memory_limit(text, name="--memory-limit", machine=MACHINE).limit_bytes == expected


@pytest.mark.parametrize(
    "bad",
    ["lots", "10", "-1GB", "1GB; DROP TABLE x", "8 GBs", "0%", "150%", "1KB", "GB", "1e9B"],
)
def test_bad_values_give_one_clear_line(bad: str) -> None:
    with pytest.raises(CounterspyError) as info:
        parse_memory_limit(bad, name="--memory-limit", machine=MACHINE)
    exc = info.value
    assert "\n" not in exc.message
    assert exc.message.startswith(f"--memory-limit {bad!r}")
    assert exc.hint is not None
    assert "8GB" in exc.hint
    assert "%" in exc.hint


def test_option_beats_environment_beats_default() -> None:
    env = {MEMORY_LIMIT_ENV: "6GB"}
    assert resolve_memory_budget("2GB", environ=env, machine=MACHINE).limit_bytes == 2 * 10**9
    from_env = resolve_memory_budget(None, environ=env, machine=MACHINE)
    assert from_env.limit_bytes == 6 * 10**9
    assert MEMORY_LIMIT_ENV in from_env.origin
    default = resolve_memory_budget(None, environ={}, machine=MACHINE)
    assert default.limit_bytes == 8 * GiB
    assert "default" in default.origin
    assert "16.0 GiB of RAM" in default.origin


def test_a_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(CounterspyError, match=MEMORY_LIMIT_ENV):
        resolve_memory_budget(None, environ={MEMORY_LIMIT_ENV: "lots"}, machine=MACHINE)


def test_default_follows_a_cgroup_limit(tmp_path: Path) -> None:
    v2 = tmp_path / "memory.max"
    v2.write_text(f"{4 * GiB}\n")
    machine = machine_memory(physical=16 * GiB, cgroup_files=[v2])
    budget = resolve_memory_budget(None, environ={}, machine=machine)
    assert budget.limit_bytes == 2 * GiB
    assert "cgroup" in budget.origin
    # A share is of the cgroup limit too.
    assert parse_memory_limit("50%", name="x", machine=machine).limit_bytes == 2 * GiB


def test_no_cgroup_limit_means_physical_memory(tmp_path: Path) -> None:
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text("max\n")
    v1.write_text("9223372036854771712\n")  # cgroup v1's "unlimited"
    assert cgroup_limit([v2]) is None
    assert cgroup_limit([tmp_path / "missing", v1]) is None
    assert cgroup_limit([tmp_path / "missing"]) is None
    v1.write_text(f"{3 * GiB}\n")
    assert cgroup_limit([tmp_path / "missing", v1]) == 3 * GiB
    big = machine_memory(physical=2 * GiB, cgroup_files=[v1])  # limit above RAM: RAM counts
    assert resolve_memory_budget(None, environ={}, machine=big).limit_bytes == GiB


def test_a_small_machine_still_gets_a_workable_budget() -> None:
    tiny = MachineMemory(physical=100 * 2**20)
    assert resolve_memory_budget(None, environ={}, machine=tiny).limit_bytes == MIN_BYTES


def _setting(con: object, name: str) -> str:
    rows = con.raw_sql(f"SELECT current_setting('{name}')").fetchall()  # type: ignore[attr-defined]
    return str(rows[0][0])


def test_connect_applies_the_budget_and_spill_folder(tmp_path: Path) -> None:
    con = connect("duckdb", memory=MemoryBudget(3 * GiB, "test"), temp_dir=tmp_path / "spill")
    assert _setting(con, "memory_limit").replace(" ", "") == "3.0GiB"
    assert _setting(con, "temp_directory") == str(tmp_path / "spill")


def test_connect_without_a_budget_is_capped_below_duckdbs_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MEMORY_LIMIT_ENV, raising=False)
    import duckdb

    plain = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchone()
    ours = _setting(connect("duckdb"), "memory_limit")
    assert plain is not None
    assert ours != plain[0]


def test_spill_folder_lives_in_the_workspace_and_is_removed(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    with spill_dir(home) as d:
        assert d.is_dir()
        assert d.parent == home / "tmp" / "duckdb"
        (d / "spill.bin").write_bytes(b"x" * 1000)
    assert not (home / "tmp").exists()
    assert home.is_dir()


def test_spill_folder_does_not_leave_a_workspace_behind(tmp_path: Path) -> None:
    home = tmp_path / "not-yet"
    with spill_dir(home):
        pass
    assert not home.exists()


def test_leftovers_of_dead_runs_are_removed_live_ones_kept(tmp_path: Path) -> None:
    parent = tmp_path / "tmp" / "duckdb"
    host = socket.gethostname()
    dead_pid = 2**22 + 12345  # above Linux's pid_max
    dead = parent / f"{host}-pid{dead_pid}-deadbeef"
    live = parent / f"{host}-pid{os.getpid()}-cafecafe"
    other_host = parent / f"elsewhere-pid{dead_pid}-12345678"
    for d in (dead, live, other_host):
        d.mkdir(parents=True)
    with spill_dir(tmp_path):
        pass
    assert not dead.exists()
    assert live.is_dir()
    assert other_host.is_dir()


class _Watch:
    """A Progress that records the spill folders present while detection runs."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.seen: list[list[Path]] = []

    def begin(self, description: str, total: int | None = None) -> None:
        self.seen.append(sorted((self.home / "tmp" / "duckdb").glob("*")))

    def advance(self, n: int = 1) -> None:
        pass


def test_detect_spills_inside_the_workspace_and_cleans_up(tmp_path: Path) -> None:
    build_platform().write(tmp_path)
    watch = _Watch(tmp_path)
    budget = MemoryBudget(512 * 2**20, "test")
    _, info = detect_workspace(Workspace(tmp_path), memory=budget, progress=watch)
    assert all(len(s) == 1 for s in watch.seen)  # one spill folder during the whole run
    assert not (tmp_path / "tmp").exists()
    assert "0.5 GiB (test)" in info.memory_limit


def test_cli_refuses_a_bad_limit_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["detect"], ["ingest", str(tmp_path)]):
        code = main([*command, "--home", str(tmp_path / "ws"), "--memory-limit", "lots"])
        assert code == 2
        err = capsys.readouterr().err
        assert "--memory-limit 'lots' is not a memory size" in err
        assert "8GB" in err
        assert not (tmp_path / "ws").exists()


def test_ingest_reports_its_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_dataset(tmp_path / "export")
    home = tmp_path / "ws"
    code = main(["ingest", str(data), "--home", str(home), "--memory-limit", "200MB", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["memory_limit"] == "DuckDB memory limit 0.2 GiB (--memory-limit 200MB)"
    assert not (home / "staging").exists() or not any((home / "staging").iterdir())


def test_ingest_under_the_smallest_budget_still_finds_repeats_and_dangling_ids(
    tmp_path: Path,
) -> None:
    small = MemoryBudget(MIN_BYTES, "test")
    ws = Workspace(tmp_path / "ws")
    d = tmp_path / "in"
    write_csv(d / "accounts.csv", accounts(4))
    rows = events(3000, 4)
    write_csv(d / "events-1.csv", rows[:2000])
    write_csv(d / "events-2.csv", [*rows[2000:], rows[1500], rows[10]])
    with pytest.raises(InputError) as info:
        ingest(ws, [d], memory=small)
    assert info.value.file is not None
    assert info.value.file.endswith("events-2.csv")
    assert info.value.row == 1001
    assert info.value.column == "event_id"
    assert "events-1.csv data row 1501" in info.value.message
    assert "1 more duplicated" in info.value.message
    write_csv(d / "events-2.csv", [*rows[2000:], {**rows[0], "event_id": "x", "target_id": "a9"}])
    with pytest.raises(InputError) as info:
        ingest(ws, [d], memory=small)
    assert info.value.row == 1001
    assert info.value.column == "target_id"
    assert "unknown account 'a9'" in info.value.message
