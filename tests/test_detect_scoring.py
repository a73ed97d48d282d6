"""Scoring rules, operation merging and protected accounts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from counterspy.analytics import connect, load_tables
from counterspy.detect.base import DetectionContext
from counterspy.detect.coordination import CoAction
from counterspy.detect.pipeline import run_detection
from counterspy.detect.scoring import OperationMerge, account_scores, merge_operations
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, Platform, build_platform


def _signals(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "phase", "signal", "weight"])


def test_one_kind_of_evidence_is_never_enough() -> None:
    s = _signals(
        [
            ("lone", "reconnaissance", "at_risk_concentration", 0.6),
            ("lone", "reconnaissance", "friend_list_enumeration", 0.4),
            ("lone", "reconnaissance", "at_risk_strangers", 0.6),
            ("pair", "reconnaissance", "at_risk_concentration", 0.6),
            ("pair", "coordination", "co_action", 0.5),
            ("link", "exploitation", "malicious_links", 1.0),
        ]
    )
    scores = account_scores(s)
    assert scores["lone"] < 1.0  # capped at 0.8 however many reconnaissance signals
    assert scores["pair"] >= 1.0
    assert scores["link"] >= 1.0  # known-bad infrastructure is enough on its own


def test_repeated_signal_counts_once() -> None:
    s = _signals([("a", "engagement", "shared_photo", 0.2)] * 5)
    assert account_scores(s)["a"] == 0.2


def test_pieces_sharing_at_risk_targets_merge_and_others_stay_apart() -> None:
    membership = {"a1": "op-0001", "a2": "op-0002", "b1": "op-0003"}
    touched = pd.DataFrame(
        {
            "actor_id": ["a1"] * 4 + ["a2"] * 3 + ["b1"] * 3,
            "target_id": ["t1", "t2", "t3", "t4", "t2", "t3", "t5", "t4", "x1", "x2"],
        }
    )
    merged = merge_operations(membership, touched, OperationMerge())
    assert merged["a1"] == merged["a2"]
    assert merged["b1"] != merged["a1"]  # one shared target is not enough
    assert merge_operations(membership, touched, OperationMerge(enabled=False)) == membership


def test_protected_accounts_are_never_flagged(tmp_path: Path) -> None:
    p = build_platform(seed=5, viral_crowd=0)
    # An at-risk journalist shares a lookalike link with many people: still never flagged.
    for i, target in enumerate(f"r{n:03d}" for n in range(20, 30)):
        p.event(
            T0 + timedelta(days=3, hours=i),
            "r000",
            "message",
            target,
            url="https://instagam.click/story",
        )
    p.write(tmp_path)
    r = run_detection(load_tables(connect("duckdb"), Workspace(tmp_path)))
    flagged = set(r.accounts.loc[r.accounts["flagged"], "account_id"])
    assert "r000" not in flagged
    assert "r000" in set(r.signals["account_id"])  # the evidence is still recorded


def test_contacting_at_risk_strangers_counts_once() -> None:
    # Outreach already counts the strangers it wrote to: the generic strangers signal adds
    # nothing on top, so a caseworker writing to activists is not flagged on that alone.
    s = _signals(
        [
            ("ngo", "engagement", "at_risk_outreach", 0.6),
            ("ngo", "reconnaissance", "at_risk_strangers", 0.6),
            ("op", "reconnaissance", "at_risk_strangers", 0.6),
            ("op", "coordination", "co_action", 0.5),
        ]
    )
    scores = account_scores(s)
    assert scores["ngo"] == 0.6
    assert scores["op"] >= 1.0  # without outreach the strangers signal still counts


def test_reading_and_writing_to_at_risk_people_alone_is_not_enough() -> None:
    # A researcher who reads many journalists and writes to some of them: reconnaissance and
    # engagement, but one behaviour. Any corroboration (here a young persona) tips it over.
    base = [
        ("engagement", "at_risk_outreach", 0.6),
        ("reconnaissance", "at_risk_concentration", 0.6),
        ("reconnaissance", "friend_list_enumeration", 0.4),
    ]
    s = _signals(
        [("researcher", *r) for r in base]
        + [("persona", *r) for r in base]
        + [("persona", "engagement", "young_active_persona", 0.2)]
    )
    scores = account_scores(s)
    assert scores["researcher"] == 0.9
    assert scores["persona"] >= 1.0


def _co_action_pairs(views: dict[str, list[str]], n_at_risk: int) -> set[tuple[str, str]]:
    p = Platform()
    for i in range(n_at_risk):
        p.account(f"r{i:03d}", at_risk="journalist")
    for actor, objs in views.items():
        p.account(actor)
        for k, obj in enumerate(objs):
            p.event(T0 + timedelta(hours=k), actor, "profile_view", obj)
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    actors = ibis.memtable(pa.table({"account_id": list(views)}))
    edges = connect("duckdb").to_pyarrow(CoAction().edges(ctx, actors)).to_pylist()
    return {(str(e["a"]), str(e["b"])) for e in edges}


def test_co_action_needs_more_overlap_than_chance() -> None:
    pool = [f"r{i:03d}" for i in range(40)]
    # Two broad readers of the same 40 journalists overlap heavily just by being broad;
    # two narrow accounts that pick the same 3 of 40 do not.
    broad = {"b1": pool[:30], "b2": pool[10:40]}
    narrow = {"n1": pool[:3], "n2": [*pool[:3], pool[20]]}
    pairs = _co_action_pairs({**broad, **narrow}, n_at_risk=40)
    assert ("n1", "n2") in pairs
    assert ("b1", "b2") not in pairs


def test_materialising_shared_tables_changes_no_result(tmp_path: Path) -> None:
    from counterspy.detect.pipeline import DetectionConfig

    build_platform(seed=3).write(tmp_path)
    runs = [
        run_detection(
            load_tables(connect("duckdb"), Workspace(tmp_path)),
            DetectionConfig(cache_inputs=flag, materialize_derived=flag),
        )
        for flag in (True, False)
    ]
    cached, lazy = (r.signals.drop(columns="params") for r in runs)
    assert len(cached) > 0
    pd.testing.assert_frame_equal(cached, lazy)
    assert list(runs[0].targets["target_id"]) == list(runs[1].targets["target_id"])


def test_links_parse_each_distinct_url_and_keep_every_event() -> None:
    con = connect("duckdb")
    url = ["https://www.Evil.example/a", "https://www.Evil.example/a", "not a url", None]
    n = len(url)
    events = con.create_table(
        "ev",
        pa.table(
            {
                "ts": pa.array([T0 + timedelta(minutes=i) for i in range(n)], pa.timestamp("us")),
                "actor_id": ["a1", "a2", "a3", "a4"],
                "event_type": ["message", "link_share", "message", "message"],
                "target_id": ["t1", "t2", "t3", "t4"],
                "url": url,
            }
        ),
    )
    empty = ibis.memtable(pa.table({"domain": pa.array([], pa.string())}))
    ctx = DetectionContext(events, events, empty, materialize=True)
    got = ctx.links.order_by("actor_id").to_pyarrow()
    assert got["actor_id"].to_pylist() == ["a1", "a2"]
    assert got["domain"].to_pylist() == ["evil.example", "evil.example"]
    assert got.column_names == ["ts", "actor_id", "event_type", "target_id", "url", "domain"]
