"""Every kind of bad input gets one error naming file, row and column, and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from counterspy.errors import CounterspyError, InputError
from counterspy.ingest.load import ingest
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
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


@pytest.fixture
def loaded(tmp_path: Path) -> Workspace:
    """A workspace holding one committed load (accounts a000000..a000003, events e0..e5)."""
    ws = Workspace(tmp_path / "home")
    ingest(ws, [write_dataset(tmp_path / "base")])
    return ws


@dataclass(frozen=True)
class Bad:
    make: Callable[[Path], Path]  # writes the bad input under a folder, returns the path to ingest
    file: str | None  # expected file name in the error
    row: int | None
    column: str | None
    says: str  # expected words in the message


def _with(rows: list[dict[str, object]], i: int, **changes: object) -> list[dict[str, object]]:
    rows = [dict(r) for r in rows]
    rows[i].update(changes)
    return rows


def _ev(n: int = 6) -> list[dict[str, object]]:
    return events(n, 4, start=100)


def _raw(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / name).write_bytes(data)
        return d / name

    return make


def _truncated(d: Path) -> Path:
    p = write_parquet(d / "events.parquet", _ev(), EVENTS)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def _wrong_parquet_type(d: Path) -> Path:
    t = typed(_ev(), EVENTS)
    t = t.set_column(t.schema.get_field_index("asn"), "asn", pa.array([1.5] * 6))
    pq.write_table(t, d / "events.parquet")
    return d / "events.parquet"


def _dup_across(d: Path) -> Path:
    write_csv(d / "in" / "events-1.csv", _ev(3))
    write_csv(d / "in" / "events-2.csv", _with(events(3, 4, start=103), 2, event_id="e00000101"))
    return d / "in"


def _broken_link(d: Path) -> Path:
    (d / "in").mkdir()
    (d / "in" / "events.csv").symlink_to(d / "nowhere.csv")
    return d / "in"


def _latin1(d: Path) -> Path:
    p = write_csv(d / "accounts.csv", accounts(3, 10))
    p.write_bytes(p.read_bytes().replace(b"Person 11", "Pérson 11".encode("latin-1")))
    return p


def _empty_parquet(d: Path) -> Path:
    pq.write_table(typed([], EVENTS), d / "events.parquet")
    return d / "events.parquet"


def _no_tables(d: Path) -> Path:
    (d / "in").mkdir()
    (d / "in" / "notes.txt").write_text("hello")
    write_csv(d / "in" / "users.csv", accounts(2))
    return d / "in"


CASES: dict[str, Bad] = {
    "missing column": Bad(
        lambda d: write_csv(d / "events.csv", _ev(), [c for c in EVENTS.names if c != "asn"]),
        "events.csv",
        None,
        "asn",
        "missing column",
    ),
    "extra column": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 0, score=1), [*EVENTS.names, "score"]),
        "events.csv",
        None,
        "score",
        "unexpected column",
    ),
    "text in integer column": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 2, asn="abc")),
        "events.csv",
        3,
        "asn",
        "'abc' is not a whole number",
    ),
    "yes in boolean column": Bad(
        lambda d: write_csv(d / "accounts.csv", _with(accounts(3, 10), 1, verified="yes")),
        "accounts.csv",
        2,
        "verified",
        "'yes' is not a boolean",
    ),
    "unparseable timestamp": Bad(
        lambda d: write_jsonl(d / "events.jsonl", _with(_ev(), 1, ts="02/10/2021 17:45")),
        "events.jsonl",
        2,
        "ts",
        "unparseable timestamp",
    ),
    "null in required column": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 3, actor_id=None)),
        "events.csv",
        4,
        "actor_id",
        "missing value",
    ),
    "unknown event type": Bad(
        lambda d: write_parquet(d / "events.parquet", _with(_ev(), 4, event_type="poke"), EVENTS),
        "events.parquet",
        5,
        "event_type",
        "unknown event_type 'poke'",
    ),
    "unknown account type": Bad(
        lambda d: write_csv(d / "accounts.csv", _with(accounts(2, 10), 0, account_type="bot")),
        "accounts.csv",
        1,
        "account_type",
        "unknown account_type 'bot'",
    ),
    "unknown at_risk": Bad(
        lambda d: write_jsonl(d / "accounts.jsonl", _with(accounts(2, 10), 1, at_risk="spy")),
        "accounts.jsonl",
        2,
        "at_risk",
        "unknown at_risk 'spy'",
    ),
    "bad country code": Bad(
        lambda d: write_csv(d / "accounts.csv", _with(accounts(3, 10), 2, country="Germany")),
        "accounts.csv",
        3,
        "country",
        "bad country code 'Germany'",
    ),
    "lower-case country code": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 0, country="de")),
        "events.csv",
        1,
        "country",
        "bad country code 'de'",
    ),
    "duplicate id within a file": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 4, event_id="e00000101")),
        "events.csv",
        5,
        "event_id",
        "first seen at",
    ),
    "duplicate id across files of the load": Bad(
        _dup_across, "events-2.csv", 3, "event_id", "events-1.csv data row 2"
    ),
    "duplicate id against loaded data": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 1, event_id="e00000003")),
        "events.csv",
        2,
        "event_id",
        "already loaded in load",
    ),
    "unknown actor": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 2, actor_id="a999999")),
        "events.csv",
        3,
        "actor_id",
        "unknown account 'a999999'",
    ),
    "unknown target": Bad(
        lambda d: write_jsonl(d / "events.jsonl", _with(_ev(), 5, target_id="a888888")),
        "events.jsonl",
        6,
        "target_id",
        "unknown account 'a888888'",
    ),
    "targeted event without target": Bad(
        lambda d: write_csv(d / "events.csv", _with(_ev(), 1, target_id=None)),
        "events.csv",
        2,
        "target_id",
        "'profile_view' needs a target_id",
    ),
    "header-only csv": Bad(
        lambda d: write_csv(d / "events.csv", [], EVENTS.names), "events.csv", None, None, "empty"
    ),
    "zero-byte csv": Bad(
        _raw("accounts.csv", b""),
        "accounts.csv",
        None,
        None,
        "empty",
    ),
    "empty jsonl": Bad(
        _raw("events.jsonl", b"\n"),
        "events.jsonl",
        None,
        None,
        "empty",
    ),
    "truncated parquet": Bad(_truncated, "events.parquet", None, None, "Parquet"),
    "corrupt parquet": Bad(
        _raw("accounts.parquet", b"PAR1garbage"),
        "accounts.parquet",
        None,
        None,
        "Parquet",
    ),
    "wrong parquet type": Bad(_wrong_parquet_type, "events.parquet", None, "asn", "double"),
    "ragged csv row": Bad(
        _raw(
            "accounts.csv",
            (",".join(ACCOUNTS.names) + "\na1,2020-01-01,x,person,DE,de,false,,,EXTRA\n").encode(),
        ),
        "accounts.csv",
        1,
        None,
        "expected 9 fields, found 10",
    ),
    "invalid json line": Bad(
        _raw("events.jsonl", b'{"event_id": "e1",\n'),
        "events.jsonl",
        1,
        None,
        "invalid JSON on line 1",
    ),
    "nested json value": Bad(
        lambda d: write_jsonl(d / "events.jsonl", _with(_ev(), 2, url={"href": "x"})),
        "events.jsonl",
        3,
        "url",
        "JSON object",
    ),
    "not utf-8": Bad(_latin1, "accounts.csv", 2, "display_name", "not valid UTF-8"),
    "empty parquet": Bad(_empty_parquet, "events.parquet", None, None, "no data rows"),
    "unreadable file": Bad(_broken_link, "events.csv", None, None, "cannot read"),
    "folder without table files": Bad(_no_tables, None, None, None, "no recognisable table"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_rejected_and_workspace_unchanged(
    case: Bad, loaded: Workspace, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    target = case.make(bad)
    before = listing(loaded.home)
    with pytest.raises(CounterspyError) as info:
        ingest(loaded, [target])
    exc = info.value
    assert case.says in exc.message
    if case.file is not None:
        assert isinstance(exc, InputError)
        assert exc.file is not None
        assert Path(exc.file).name == case.file
        assert exc.row == case.row
        assert exc.column == case.column
    assert exc.hint
    assert listing(loaded.home) == before


def test_failed_first_load_leaves_no_workspace_behind(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "new-home")
    bad = write_csv(tmp_path / "events.csv", events(3))  # no accounts loaded anywhere
    with pytest.raises(InputError, match="no accounts are loaded"):
        ingest(ws, [bad])
    assert not ws.home.exists()


def test_jsonl_errors_give_the_line_number_past_blank_lines(
    loaded: Workspace, tmp_path: Path
) -> None:
    rows = _with(_ev(3), 2, actor_id="a404404")
    p = write_jsonl(tmp_path / "events.jsonl", rows)
    p.write_text("\n" + p.read_text().replace("\n", "\n\n", 1))  # blank lines 1 and 3
    with pytest.raises(InputError) as info:
        ingest(loaded, [p])
    assert info.value.row == 3
    assert "(line 5)" in info.value.message


def test_csv_error_says_rows_are_data_rows(loaded: Workspace, tmp_path: Path) -> None:
    p = write_csv(tmp_path / "events.csv", _with(_ev(), 0, asn="x"))
    with pytest.raises(InputError) as info:
        ingest(loaded, [p])
    assert "header line not counted" in info.value.message
