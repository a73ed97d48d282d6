"""Property: any valid accounts table survives CSV, JSON Lines and Parquet ingest unchanged."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counterspy.ingest.load import ingest
from counterspy.ingest.schema import ACCOUNTS
from counterspy.model import AccountType, AtRiskCategory
from counterspy.workspace import Workspace
from tests.ingest_helpers import write_csv, write_jsonl

_text = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
_offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_moments = st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))


@st.composite
def _account(draw: st.DrawFn) -> dict[str, object]:
    moment = draw(_moments)
    return {
        "account_id": draw(st.text("abcdefghij0123456789-_", min_size=1, max_size=12)),
        "created_at": moment,
        "shown_as": moment.astimezone(draw(_offsets)).isoformat(),
        "display_name": draw(_text),
        "account_type": draw(st.sampled_from([t.value for t in AccountType])),
        "country": draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)),
        "locale": draw(_text),
        "verified": draw(st.booleans()),
        "at_risk": draw(st.none() | st.sampled_from([c.value for c in AtRiskCategory])),
        "photo_hash": draw(st.none() | st.text("0123456789abcdef", min_size=1, max_size=16)),
    }


_tables = st.lists(_account(), min_size=1, max_size=30, unique_by=lambda r: r["account_id"])


def _expected(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(
        [{c: r[c] for c in ACCOUNTS.names} for r in rows], schema=ACCOUNTS.schema
    )


def _as_written(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    out = []
    for r in rows:
        w = {c: r[c] for c in ACCOUNTS.names}
        w["created_at"] = r["shown_as"]
        w["verified"] = "true" if r["verified"] else "false"
        out.append(w)
    return out


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_tables)
def test_accounts_round_trip(fmt: str, rows: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if fmt == "csv":
            src = write_csv(d / "accounts.csv", _as_written(rows))
        elif fmt == "jsonl":
            src = write_jsonl(d / "accounts.jsonl", _as_written(rows))
        else:
            src = d / "accounts.parquet"
            pq.write_table(_expected(rows), src)
        ws = Workspace(d / "home")
        ingest(ws, [src])
        (part,) = ws.table_files("accounts")
        got = pq.read_table(part)
    assert got.equals(_expected(rows)), got.to_pylist()
