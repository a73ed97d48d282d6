"""Weak rings keep their large intermediates inside the engine (detect/rings.py
``kept_in_engine``): the same rings and signal rows as without keeping, the temporary tables
exist during the step and are dropped after it, and other engines get the fallback."""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from counterspy.detect.narrow import same
from counterspy.detect.rings import kept_in_engine
from tests.test_detect_weakring import POLICY, _run


def _cached_names() -> set[str]:
    con = ibis.get_backend().con  # the raw DuckDB connection
    rows = con.execute("select table_name from duckdb_tables() where temporary").fetchall()
    return {str(r[0]) for r in rows if str(r[0]).startswith("ibis_cache")}


def _admit(keep: Any) -> tuple[dict[str, str], pd.DataFrame]:
    return _run(POLICY, keep)


def _never(t: Any) -> Any:
    raise AssertionError("DuckDB must keep the intermediate as a temporary table")


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.sort_values(["account_id", "detector"]).reset_index(drop=True)


def test_kept_in_engine_gives_the_same_rings_and_drops_its_tables() -> None:
    plain_membership, plain_rows = _admit(same)
    before = _cached_names()
    seen: list[set[str]] = []
    with kept_in_engine("duckdb", _never) as keep:

        def spy(t: Any) -> Any:
            out = keep(t)
            seen.append(_cached_names() - before)
            return out

        membership, rows = _admit(spy)
        inside = _cached_names() - before
    # Several intermediates became engine tables, and every one is gone after the step.
    assert len(seen) >= 3
    assert len(inside) >= 3
    assert _cached_names() - before == set()
    assert membership == plain_membership
    assert len(rows) > 0
    pd.testing.assert_frame_equal(_sorted(rows), _sorted(plain_rows))


def test_other_engines_get_the_fallback() -> None:
    """The engine named, not the expression, decides: these tables are DuckDB's, but a
    pyspark detection keeps its intermediates with the fallback (caching them in DuckDB
    would mix two backends in one expression)."""
    calls: list[Any] = []

    def fallback(t: Any) -> Any:
        calls.append(t)
        return t

    before = _cached_names()
    with kept_in_engine("pyspark", fallback) as keep:
        membership, _ = _admit(keep)
    assert len(calls) >= 3
    assert _cached_names() == before
    assert membership == _admit(same)[0]
