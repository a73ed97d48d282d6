"""Operation merge, attribution decisions and the evaluation's per-firm definitions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from counterspy.detect.evaluate import evaluate
from counterspy.detect.opmerge import OperationMerge, merge_operations
from counterspy.detect.results import RunInfo, write_results
from counterspy.workspace import Workspace


def _write(ws: Workspace, members: dict[str, str], firms: dict[str, str]) -> None:
    empty = pd.DataFrame({"x": pd.Series(dtype="object")})
    accounts = pd.DataFrame(
        {
            "account_id": list(members),
            "score": 1.0,
            "flagged": True,
            "operation_id": list(members.values()),
            "firm": [firms[o] for o in members.values()],
            "n_signals": 1,
        }
    )
    ops = pd.DataFrame({"operation_id": list(firms), "firm": list(firms.values())})
    targets = pd.DataFrame(
        {"target_id": ["t1"], "operation_id": ["op-0001"], "phase": ["reconnaissance"]}
    )
    write_results(
        ws,
        {
            "signals": empty,
            "accounts": accounts,
            "operations": ops,
            "targets": targets,
            "bad_domains": empty,
        },
        RunInfo(engine="duckdb", n_events=0, seconds=0.0, indicator_files=(), link_checker="-"),
    )


def _truth(d: Path) -> Path:
    d.mkdir()
    ops = [
        *({"account_id": f"a{i}", "firm": "black_cube", "operation_id": "X"} for i in range(4)),
        *({"account_id": f"b{i}", "firm": "cognyte", "operation_id": "Y"} for i in range(4)),
        *({"account_id": f"c{i}", "firm": "cobwebs", "operation_id": "Z"} for i in range(4)),
    ]
    pd.DataFrame(ops).to_parquet(d / "operators.parquet")
    pd.DataFrame(
        [{"account_id": "t1", "firm": "cobwebs", "operation_id": "Z", "phase": "reconnaissance"}]
    ).to_parquet(d / "targets.parquet")
    pd.DataFrame({"account_id": ["n1"], "kind": ["researcher"]}).to_parquet(
        d / "confounders.parquet"
    )
    return d


def test_an_operation_counts_as_attributed_only_when_found(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home")
    # X: one of four operators flagged, in an operation labelled with the right firm — a lucky
    # account, not a found operation. Y: three of four flagged, split over two predicted
    # operations, the larger one right. Z: two of four (exactly half), whole and right.
    _write(
        ws,
        {"a0": "op-0001", "b0": "op-0002", "b1": "op-0002", "b2": "op-0003"}
        | {"c0": "op-0004", "c1": "op-0004"},
        {"op-0001": "black_cube", "op-0002": "cognyte", "op-0003": "cobwebs", "op-0004": "cobwebs"},
    )
    ev = evaluate(ws, _truth(tmp_path / "truth"))
    bc, cg, cw = ev.per_firm["black_cube"], ev.per_firm["cognyte"], ev.per_firm["cobwebs"]
    assert (bc.detected, bc.operations_found, bc.operations_attributed) == (1, 0, 0)
    assert (cg.operations_found, cg.operations_attributed, cg.operations_whole) == (1, 1, 0)
    assert (cw.operations_found, cw.operations_attributed, cw.operations_whole) == (1, 1, 1)
    assert ev.attribution_accuracy == pytest.approx(2 / 3, abs=1e-4)


def test_a_found_operation_in_a_wrongly_attributed_piece_is_not_attributed(
    tmp_path: Path,
) -> None:
    ws = Workspace(tmp_path / "home")
    # Y's operators mostly sit in a piece labelled cobwebs: found, not attributed.
    _write(
        ws,
        {"b0": "op-0001", "b1": "op-0001", "b2": "op-0002"},
        {"op-0001": "cobwebs", "op-0002": "cognyte"},
    )
    ev = evaluate(ws, _truth(tmp_path / "truth"))
    assert ev.per_firm["cognyte"].operations_found == 1
    assert ev.per_firm["cognyte"].operations_attributed == 0
    assert ev.attribution_accuracy == 0.0


def _touched(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["actor_id", "target_id", "n_actors"])


def test_pieces_sending_links_on_one_rare_domain_are_one_operation() -> None:
    membership = {"x1": "op-0001", "x2": "op-0002", "y1": "op-0003"}
    links = pd.DataFrame(
        {
            "actor_id": ["x1", "x2", "y1"],
            "domain": ["gogle-verify.net", "gogle-verify.net", "other.example"],
            "actor": [None, None, None],
            "n_senders": [2, 2, 1],
        }
    )
    merged = merge_operations(membership, _touched([]), OperationMerge(), links)
    assert merged["x1"] == merged["x2"] != merged["y1"]
    # The same domain sent by a crowd of accounts is not one operation's infrastructure.
    busy = links.assign(n_senders=40)
    apart = merge_operations(membership, _touched([]), OperationMerge(), busy)
    assert len(set(apart.values())) == 3
    # Indicators that name two different actors keep the pieces apart.
    named = links.assign(actor=["cytrox", "belltrox", None])
    apart = merge_operations(membership, _touched([]), OperationMerge(), named)
    assert apart["x1"] != apart["x2"]


def test_recon_and_engagement_pieces_on_the_same_rare_people_merge() -> None:
    # A reconnaissance piece views five little-known people; an engagement piece writes to
    # three of them. Nothing else joins them.
    membership = {"r1": "op-0001", "r2": "op-0001", "e1": "op-0002"}
    rows = [("r1", f"p{i}", 3) for i in range(5)] + [("r2", "p0", 3)]
    rows += [("e1", p, 3) for p in ("p1", "p2", "p3")] + [("e1", "q9", 2)]
    merged = merge_operations(membership, _touched(rows), OperationMerge())
    assert merged["r1"] == merged["e1"]


def test_two_firms_watching_the_same_famous_people_stay_apart() -> None:
    # Two operations share two very popular targets (a famous journalist, a minister) and
    # otherwise work different people. Unweighted, 2 of 8 shared would pass Jaccard 0.15 + 2.
    membership = {"a1": "op-0001", "b1": "op-0002"}
    rows = [("a1", "star", 45), ("a1", "minister", 40)] + [("a1", f"a{i}", 2) for i in range(3)]
    rows += [("b1", "star", 45), ("b1", "minister", 40)] + [("b1", f"b{i}", 2) for i in range(3)]
    merged = merge_operations(membership, _touched(rows), OperationMerge())
    assert merged["a1"] != merged["b1"]
    # ... and one shared popular target is never enough, however small the pieces.
    rows = [("a1", "star", 45), ("a1", "a0", 2), ("b1", "star", 45), ("b1", "b0", 2)]
    assert len(set(merge_operations(membership, _touched(rows), OperationMerge()).values())) == 2
    # A crowd target (more accounts than max_target_actors) weighs nothing at all.
    rows = [("a1", "viral1", 500), ("a1", "viral2", 500), ("b1", "viral1", 500)]
    rows += [("b1", "viral2", 500)]
    assert len(set(merge_operations(membership, _touched(rows), OperationMerge()).values())) == 2
