"""JSON Lines: the fast Arrow path and the line-by-line path agree, and errors name lines."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from counterspy.errors import InputError
from counterspy.ingest import jsonl
from counterspy.ingest.load import ingest
from counterspy.ingest.schema import EVENTS
from counterspy.workspace import Workspace
from tests.ingest_helpers import accounts, events, typed, write_csv, write_jsonl


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrow reads ~10 records per block, so files span many blocks."""
    monkeypatch.setattr(jsonl, "JSONL_BLOCK_BYTES", 4096)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = Workspace(tmp_path / "home")
    ingest(w, [write_csv(tmp_path / "a" / "accounts.csv", accounts(4))])
    return w


def _events(ws: Workspace) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for p in ws.table_files("events"):
        rows.extend(pq.read_table(p).to_pylist())
    return rows


def test_value_types_the_fast_path_rejects_are_still_loaded(
    ws: Workspace, tmp_path: Path, small_blocks: None
) -> None:
    rows = events(300)
    for r in rows:
        r["asn"] = int(str(r["asn"]))  # JSON numbers, as most exporters write
    rows[250]["asn"] = "3320"  # ...except one, as text, deep into the file
    rows[260]["asn"] = 3320.0  # and one as a float with no fraction
    write_jsonl(tmp_path / "e" / "events.jsonl", rows)
    ingest(ws, [tmp_path / "e"])
    got = _events(ws)
    assert len(got) == 300
    assert got == typed(events(300), EVENTS).to_pylist()


def test_error_late_in_a_multi_block_file_names_its_line(
    ws: Workspace, tmp_path: Path, small_blocks: None
) -> None:
    rows = events(300)
    rows[276]["event_type"] = "poke"
    p = write_jsonl(tmp_path / "events.jsonl", rows)
    with pytest.raises(InputError) as info:
        ingest(ws, [p])
    assert (info.value.row, info.value.column) == (277, "event_type")
    assert "(line 277)" in info.value.message


def test_error_after_fallback_names_its_line(
    ws: Workspace, tmp_path: Path, small_blocks: None
) -> None:
    rows = events(300)
    rows[100]["asn"] = "3320"  # forces the line-by-line reader from this block on
    rows[200]["verified_by"] = "x"  # an unknown key later on
    p = write_jsonl(tmp_path / "events.jsonl", rows)
    with pytest.raises(InputError) as info:
        ingest(ws, [p])
    assert (info.value.row, info.value.column) == (201, "verified_by")
    assert "line 201" in info.value.message


def test_blank_lines_are_skipped_and_counted_in_line_numbers(ws: Workspace, tmp_path: Path) -> None:
    rows = events(5)
    rows[4]["ts"] = "yesterday"
    p = write_jsonl(tmp_path / "events.jsonl", rows)
    text = p.read_text()
    p.write_text(text.replace("\n", "\n  \n", 2))  # whitespace-only lines after records 1 and 2
    with pytest.raises(InputError) as info:
        ingest(ws, [p])
    assert info.value.row == 5
    assert "(line 7)" in info.value.message


def test_missing_required_key_is_named(ws: Workspace, tmp_path: Path) -> None:
    rows = events(3)
    del rows[1]["ts"]
    p = write_jsonl(tmp_path / "events.jsonl", rows)
    with pytest.raises(InputError) as info:
        ingest(ws, [p])
    assert (info.value.row, info.value.column) == (2, "ts")


def test_optional_keys_may_be_omitted(ws: Workspace, tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if v is not None} for r in events(3)]
    ingest(ws, [write_jsonl(tmp_path / "events.jsonl", rows)])
    assert len(_events(ws)) == 3
