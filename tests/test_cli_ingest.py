"""The ingest, workspace and db commands, end to end through `main`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from counterspy.cli import console, ingest_cmd
from counterspy.cli.main import main
from counterspy.ingest.mirror import mirror_loads
from counterspy.storage.db import Store
from counterspy.storage.loads import list_loads
from counterspy.storage.migrate import head_revision
from counterspy.workspace import Workspace
from tests.ingest_helpers import accounts, events, listing, write_csv, write_dataset


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """No line wrapping in captured output, so messages can be matched whole."""
    monkeypatch.setattr(console.out, "width", 400)
    monkeypatch.setattr(console.err, "width", 400)


def test_ingest_commits_mirrors_and_summarises(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_dataset(tmp_path / "sim", 5, 9)
    assert main(["ingest", str(src)]) == 0
    out = capsys.readouterr().out
    assert "14 rows from 2 files" in out
    assert "ground truth" in out
    store = Store(Workspace(home).database_url)
    (entry,) = list_loads(store)
    store.dispose()
    assert entry.load_id in out
    assert entry.rows == 14


def test_bad_input_exits_2_with_one_line_and_hint_and_touches_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest", str(write_dataset(tmp_path / "sim"))])
    capsys.readouterr()
    before = listing(home)
    rows = events(3, 4, start=50)
    rows[1]["asn"] = "abc"
    bad = write_csv(tmp_path / "bad" / "events.csv", rows)
    assert main(["ingest", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "events.csv, row 2, column 'asn'" in err
    assert "hint:" in err
    assert "Traceback" not in err
    assert listing(home) == before


def test_rejected_first_load_creates_no_workspace(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_csv(tmp_path / "accounts.csv", [{**accounts(1)[0], "verified": "yes"}])
    assert main(["ingest", str(bad), "--home", str(home)]) == 2
    assert not home.exists()


def test_workspace_info_reports_rows_and_time_range(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["workspace", "info"]) == 0
    assert "does not exist yet" in capsys.readouterr().out
    main(["ingest", str(write_dataset(tmp_path / "sim", 4, 6))])
    capsys.readouterr()
    assert main(["workspace", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    by_table = {t["table"]: t for t in info["tables"]}
    assert by_table["events"]["rows"] == 6
    assert by_table["events"]["first"].startswith("2021-10-02 17:00:10")
    assert by_table["events"]["last"].startswith("2021-10-02 17:05:10")
    assert by_table["accounts"]["rows"] == 4
    assert len(info["loads"]) == 1
    assert main(["workspace", "info"]) == 0
    out = capsys.readouterr().out
    assert "2021-10-02 17:05" in out
    assert f"{info['loads'][0]['load_id']} from {tmp_path / 'sim'}" in out


def test_db_status_and_upgrade_on_the_workspace_store(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "status"]) == 0
    assert "not created yet" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"upgraded (empty) -> {head_revision()}" in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert f"current: {head_revision()}" in out
    assert "up to date" in out


def test_db_status_masks_password_when_server_unreachable(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "COUNTERSPY_DATABASE_URL",
        "postgresql+psycopg://spy:s3cr3t@127.0.0.1:9/counterspy?connect_timeout=2",
    )
    assert main(["db", "status"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach" in err
    assert "spy:***@127.0.0.1:9" in err
    assert "s3cr3t" not in err


def test_ingest_records_loads_in_a_shared_store(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    monkeypatch.setenv("COUNTERSPY_DATABASE_URL", url)
    assert main(["ingest", str(write_dataset(tmp_path / "sim"))]) == 0
    assert not (home / "counterspy.db").exists()
    s = Store(url)
    assert len(list_loads(s)) == 1
    s.dispose()


def test_unreachable_shared_store_stops_ingest_before_any_work(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "COUNTERSPY_DATABASE_URL", "postgresql+psycopg://spy:pw@127.0.0.1:9/x?connect_timeout=2"
    )
    assert main(["ingest", str(write_dataset(tmp_path / "sim"))]) == 2
    assert "operational store" in capsys.readouterr().err
    assert not home.exists()


def test_check_validates_without_committing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_dataset(tmp_path / "sim", 4, 6)
    assert main(["ingest", "--check", str(src)]) == 0
    out = capsys.readouterr().out
    assert "checked 10 rows from 2 files" in out
    assert "nothing committed" in out
    assert not home.exists()
    bad = write_csv(tmp_path / "bad" / "events.csv", events(3, 9, start=100))  # targets a000004
    assert main(["ingest", "--check", str(src), str(bad)]) == 2
    assert "unknown account 'a000004'" in capsys.readouterr().err
    assert not home.exists()


def test_store_failure_after_commit_warns_and_db_upgrade_repairs(
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def locked(*_args: object) -> None:
        raise OperationalError("INSERT INTO loads", {}, Exception("database is locked"))

    monkeypatch.setattr(ingest_cmd, "mirror_loads", locked)
    assert main(["ingest", str(write_dataset(tmp_path / "sim"))]) == 0
    captured = capsys.readouterr()
    assert "load committed, but the operational store was not updated" in captured.err
    assert "not updated" in captured.out
    assert len(list((home / "loads").iterdir())) == 1
    monkeypatch.setattr(ingest_cmd, "mirror_loads", mirror_loads)
    assert main(["db", "upgrade"]) == 0
    assert "+1 / -0" in capsys.readouterr().out
    store = Store(Workspace(home).database_url)
    assert len(list_loads(store)) == 1
    store.dispose()


def test_json_summary_is_machine_readable(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--json", str(write_dataset(tmp_path / "sim", 3, 5))]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["committed"] is True
    assert doc["rows"] == 8
    assert {t["table"]: t["rows"] for t in doc["tables"]} == {"accounts": 3, "events": 5}
    assert (home / "loads" / doc["load_id"] / "load.json").is_file()
