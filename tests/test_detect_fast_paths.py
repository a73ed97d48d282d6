"""The pipeline's fast pandas paths give exactly what the plain pandas code gave."""

from __future__ import annotations

import ibis
import pandas as pd
import pyarrow as pa

from counterspy.detect.base import SIGNAL_COLUMNS
from counterspy.detect.conversation import CONVERSATION_TYPES
from counterspy.detect.courting import COURTING_TYPES
from counterspy.detect.narrow import among, known_empty, unless_empty
from counterspy.detect.scoring import ScoringPolicy, coordination_signals

WINDOW = (pd.Timestamp("2021-10-01", tz="UTC"), pd.Timestamp("2021-10-31", tz="UTC"))


def _arrow_frame(data: dict[str, list[object]]) -> pd.DataFrame:
    # As fetched from the engine: Arrow-backed strings.
    return pa.Table.from_pydict(data).to_pandas()


def test_among_matches_isin_on_arrow_strings() -> None:
    s = _arrow_frame({"id": ["a1", "a2", "a3", "a2"]})["id"]
    assert among(s, {"a2", "zz"}).tolist() == s.isin({"a2", "zz"}).tolist()
    assert among(s, set()).tolist() == [False] * 4
    assert among(pd.Index([], dtype="str"), {"a1"}).tolist() == []


def _edges() -> pd.DataFrame:
    return _arrow_frame(
        {
            "a": ["x", "p2", "x", "x", "x", "y", "y"],
            "b": ["p1", "x", "p1", "p3", "p2", "p1", "p1"],
            "kind": ["co_action"] * 4 + ["shared_ip", "co_action", "shared_ip"],
            "strength": [0.25, 0.5, float("nan"), 0.75, 1.0, 0.125, 1.0],
            "evidence": ["e1", "e2", "e3", "e4", "e5", "e6", "e7"],
        }
    )


def _rows(df: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float, str]]:
    return {
        (r.account_id, r.signal): (r.value, r.weight, r.evidence)
        for r in df.itertuples(index=False)
    }


def test_coordination_signals_per_account_and_kind() -> None:
    policy = ScoringPolicy(min_coordinated_peers=2, co_action_weight=0.1)
    out = coordination_signals(_edges(), {"p1", "p2", "p3", "x"}, policy, WINDOW)
    got = _rows(out)
    # x: co-action peers p1 (max 0.25; the missing strength skipped), p2 (0.5), p3 (0.75);
    # its first row by peer is the first edge to p1 (ties keep the edges' order).
    assert got[("x", "co_action")] == (
        3.0,
        0.1 * (0.25 + 0.5 + 0.75),
        "co_action with 3 suspicious accounts, e.g. p1: e1",
    )
    # One peer of a kind is below the minimum: no row (x shared_ip, y co_action).
    assert set(got) == {("x", "co_action")}
    assert tuple(out.columns) == SIGNAL_COLUMNS


def test_coordination_signals_counts_only_seed_peers() -> None:
    policy = ScoringPolicy(min_coordinated_peers=2, co_action_weight=0.1)
    out = coordination_signals(_edges(), {"p1", "p3"}, policy, WINDOW)
    assert _rows(out)[("x", "co_action")][0] == 2.0
    loose = coordination_signals(_edges(), {"p1", "p3"}, ScoringPolicy(), WINDOW)
    assert ("y", "co_action") in _rows(loose)  # one peer is enough at the default minimum


def test_known_empty_only_for_in_memory_tables_without_rows() -> None:
    empty = ibis.memtable(pa.table({"account_id": pa.array([], pa.string())}))
    full = ibis.memtable(pa.table({"account_id": ["a1"]}))
    assert known_empty(empty)
    assert not known_empty(full)
    # An expression over an empty in-memory table is not known to be empty without running.
    assert not known_empty(empty.union(full))


def test_unless_empty_keeps_the_columns_and_drops_every_row() -> None:
    ev = ibis.memtable(pa.table({"actor_id": ["a1", "a2"], "target_id": ["t1", None]}))
    empty = ibis.memtable(pa.table({"x": pa.array([], pa.string())}))
    full = ibis.memtable(pa.table({"x": ["a1"]}))
    assert unless_empty(ev, full) is ev
    gone = unless_empty(ev, full, empty)
    assert gone.schema() == ev.schema()
    assert gone.to_pyarrow().num_rows == 0


def test_conversation_reads_its_types_from_the_shared_approaches() -> None:
    # detect/courting.approaches holds the courting types only: conversation's must be among
    # them, or conversation would silently lose events.
    assert set(CONVERSATION_TYPES) <= set(COURTING_TYPES)
