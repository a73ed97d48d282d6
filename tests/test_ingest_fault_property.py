"""Property: one bad cell anywhere in a valid events file is reported at exactly that cell."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counterspy.errors import InputError
from counterspy.ingest.load import ingest
from counterspy.workspace import Workspace
from tests.ingest_helpers import accounts, events, listing, write_csv, write_jsonl

# (column, bad value): each breaks exactly one rule for exactly one cell.
FAULTS: list[tuple[str, object]] = [
    ("ts", "yesterday"),
    ("ts", "2021-13-01T00:00:00Z"),
    ("ts", None),
    ("asn", "abc"),
    ("asn", "1.5"),
    ("event_type", "poke"),
    ("event_type", "PROFILE_VIEW"),
    ("country", "Germany"),
    ("country", "de"),
    ("actor_id", None),
    ("actor_id", "a999999"),
    ("target_id", None),  # profile_view needs a target
    ("target_id", "nobody"),
    ("event_id", None),
    ("event_id", "DUP"),  # replaced by the id of an earlier row
]

ACCOUNTS_N = 5


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_single_bad_cell_is_named(fmt: str, data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 40), label="rows")
    column, value = data.draw(st.sampled_from(FAULTS), label="fault")
    row = data.draw(st.integers(1 if value == "DUP" else 0, n - 1), label="bad row (0-based)")
    rows = events(n, ACCOUNTS_N, start=1000)
    if value == "DUP":
        value = rows[data.draw(st.integers(0, row - 1), label="earlier row")]["event_id"]
    rows[row][column] = value
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        ws = Workspace(d / "home")
        ingest(ws, [write_csv(d / "a" / "accounts.csv", accounts(ACCOUNTS_N))])
        before = listing(ws.home)
        writer = write_csv if fmt == "csv" else write_jsonl
        src = writer(d / "in" / f"events.{fmt}", rows)
        with pytest.raises(InputError) as info:
            ingest(ws, [src])
        assert listing(ws.home) == before
    assert (info.value.row, info.value.column) == (row + 1, column), info.value.message
    assert info.value.file == str(src)
