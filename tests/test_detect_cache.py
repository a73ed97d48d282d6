"""The pipeline's copy of the events: event types as a DuckDB ENUM, seen by Ibis as strings."""

from __future__ import annotations

import gc

import ibis
import pyarrow as pa

from counterspy.analytics import connect
from counterspy.detect.pipeline import _cached_events


def _events(con: ibis.BaseBackend, types: list[str | None]) -> ibis.Table:
    t = pa.table(
        {
            "actor_id": pa.array([f"a{i}" for i in range(len(types))], pa.string()),
            "event_type": pa.array(types, pa.string()),
        }
    )
    con.create_table("ev", ibis.memtable(t), overwrite=True)
    return con.table("ev")


def _column_type(con: ibis.BaseBackend, name: str, column: str) -> str:
    sql = "SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = ?"
    rows = con.con.execute(sql, [name.split(".")[-1], column]).fetchall()  # type: ignore[attr-defined]
    return str(rows[0][0])


def _temp_tables(con: ibis.BaseBackend) -> set[str]:
    sql = "SELECT table_name FROM duckdb_tables() WHERE temporary"
    return {r[0] for r in con.con.execute(sql).fetchall()}  # type: ignore[attr-defined]


def test_event_types_are_cached_as_an_enum_that_reads_back_as_strings() -> None:
    con = connect("duckdb")
    types = ["message", "profile_view", "it's odd", None, "message", "follow"]
    cached = _cached_events(_events(con, types))
    assert _column_type(con, cached.get_name(), "event_type").startswith("ENUM(")
    assert cached.schema()["event_type"].is_string()
    back = cached.order_by("actor_id").to_pyarrow().column("event_type").to_pylist()
    assert back == types
    # A type the data never shows matches nothing (no cast error), as with strings.
    hits = cached.filter(cached.event_type.isin(["login", "message"]))
    assert hits.count().to_pyarrow().as_py() == 2
    # Strings order: the ENUM's order is the sorted order of the types.
    ordered = cached.filter(cached.event_type.notnull()).order_by("event_type")
    got = ordered.to_pyarrow().column("event_type").to_pylist()
    assert got == sorted(t for t in types if t is not None)
    # Joined with a string column (e.g. an in-memory table) it compares as text.
    kinds = ibis.memtable(pa.table({"k": ["follow", "it's odd"]}))
    j = cached.inner_join(kinds, cached.event_type == kinds.k)
    assert sorted(j.to_pyarrow().column("k").to_pylist()) == ["follow", "it's odd"]


def test_the_copy_is_dropped_with_its_last_expression() -> None:
    con = connect("duckdb")
    cached = _cached_events(_events(con, ["message", "follow"]))
    name = cached.get_name()
    assert name in _temp_tables(con)
    del cached
    gc.collect()
    assert name not in _temp_tables(con)


def test_no_event_types_falls_back_to_a_plain_copy() -> None:
    con = connect("duckdb")
    cached = _cached_events(_events(con, [None, None]))
    assert cached.count().to_pyarrow().as_py() == 2
    assert _column_type(con, cached.get_name(), "event_type") == "VARCHAR"
