"""Operation expansion: quiet accounts admitted on operation-level evidence, and who is not."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext
from counterspy.detect.expand import EXPANSION_COLUMNS, OperationExpansion, best_operation
from counterspy.detect.opevidence import OperationEvidence
from counterspy.detect.pipeline import DetectionConfig, _expand, run_detection
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, Platform, add_quiet_member, build_platform

MEMBERS = ("m1", "m2")
TARGETS = tuple(f"r{i}" for i in range(8))  # the operation's at-risk targets
CROWDED = ("r8", "r9")  # targets of the operation that a crowd also visits


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _platform() -> Platform:
    p = Platform()
    for t in (*TARGETS, *CROWDED):
        p.account(t, at_risk="journalist")
    for m in MEMBERS:
        p.account(m, age_days=60)
        for k, t in enumerate((*TARGETS, *CROWDED)):
            p.event(_day(1 + k * 0.1), m, "profile_view", t)
    # (a) a quiet operator: looks at two of the targets as a stranger, and little else.
    p.account("quiet", age_days=200)
    p.event(_day(3), "quiet", "profile_view", "r1")
    p.event(_day(3.01), "quiet", "friend_list_view", "r2")
    p.event(_day(3.2), "quiet", "friend_request", "r1")  # it comes back to work r1
    p.account("bystander")
    p.event(_day(4), "quiet", "profile_view", "bystander")
    # (b) a friend: the targets reached out first and the two write back and forth.
    p.account("friend", age_days=200)
    for t in ("r1", "r2"):
        p.event(_day(0.5), t, "message", "friend")
        p.event(_day(2), "friend", "profile_view", t)
        p.event(_day(2.1), "friend", "message", t)
    # (b') a friend of friends: looks at the targets first, but they share a contact.
    p.account("circle", age_days=200)
    p.account("mutual")
    for t in ("r3", "r4"):
        p.event(_day(5), "circle", "profile_view", t)
        p.event(_day(0.2), t, "message", "mutual")
    p.event(_day(0.3), "circle", "message", "mutual")
    # (c) a crowd: 60 young accounts look at the two famous targets and at nothing else.
    for i in range(60):
        v = p.account(f"v{i:02d}", age_days=200)
        for t in CROWDED:
            p.event(_day(6 + i * 0.01), v, "profile_view", t)
    # (d) a protected account behaving exactly like the quiet operator.
    p.account("protected", age_days=200, at_risk="activist")
    p.event(_day(3), "protected", "profile_view", "r5")
    p.event(_day(3.01), "protected", "friend_list_view", "r6")
    # A conversation is not targeting: messages alone never count.
    p.account("writer", age_days=200)
    for t in ("r5", "r6"):
        p.event(_day(7), "writer", "message", t)
    # An old account (not a young persona) looking at two targets is not admitted.
    p.account("veteran", age_days=4000)
    p.event(_day(3), "veteran", "profile_view", "r6")
    p.event(_day(3.1), "veteran", "profile_view", "r7")
    # A broad reader: two of the targets among many other people it looks at (unfocused).
    p.account("reader", age_days=200)
    p.event(_day(3), "reader", "profile_view", "r3")
    p.event(_day(3.1), "reader", "profile_view", "r7")
    for i in range(12):
        p.event(_day(4 + i), "reader", "profile_view", p.account(f"n{i:02d}"))
    # One look at one target, from a device only a member also uses: the infrastructure path.
    p.account("sibling", age_days=200)
    p.event(_day(2), "m1", "login", device="rare-dev")
    p.event(_day(3), "sibling", "profile_view", "r0", device="rare-dev")
    p.event(_day(3.1), "sibling", "friend_request", "r0", device="rare-dev")
    # A drive-by: one look at each of five people, two of them the operation's targets
    # (ordinary accounts at stealth 2 admitted by chance, session 6) ...
    p.account("passerby", age_days=400)
    for k, t in enumerate(("r5", "r7", p.account("c1"), p.account("c2"), p.account("c3"))):
        p.event(_day(3 + k * 0.2), "passerby", "profile_view", t)
    # ... and a drive-by on three of them: enough targets to count without a second look.
    p.account("sweeper", age_days=400)
    for k, t in enumerate(("r0", "r3", "r7", p.account("c4"))):
        p.event(_day(3 + k * 0.2), "sweeper", "profile_view", t)
    return p


def _admitted(p: Platform, policy: OperationExpansion | None = None) -> pd.DataFrame:
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    members = ibis.memtable(
        pa.table({"account_id": list(MEMBERS), "operation_id": ["op-0001"] * len(MEMBERS)})
    )
    flagged = ibis.memtable(pa.table({"account_id": list(MEMBERS)}))
    expr = (policy or OperationExpansion()).candidates(ctx, members, flagged)
    df: pd.DataFrame = connect("duckdb").to_pyarrow(expr).to_pandas()
    return df


@pytest.fixture(scope="module")
def admitted() -> pd.DataFrame:
    return _admitted(_platform())


def test_quiet_operator_touching_two_targets_as_a_stranger_is_admitted(
    admitted: pd.DataFrame,
) -> None:
    row = admitted[admitted["account_id"] == "quiet"]
    assert list(row["operation_id"]) == ["op-0001"]
    assert int(row["n_targets"].iloc[0]) == 2
    assert float(row["focus"].iloc[0]) == pytest.approx(2 / 3)
    assert list(admitted.columns) == list(EXPANSION_COLUMNS)


def test_reciprocal_friends_and_friends_of_friends_are_not_admitted(
    admitted: pd.DataFrame,
) -> None:
    assert "friend" not in set(admitted["account_id"])
    assert "circle" not in set(admitted["account_id"])


def test_a_popular_target_does_not_drag_in_its_visitors(admitted: pd.DataFrame) -> None:
    assert not {a for a in admitted["account_id"] if a.startswith("v")}
    # With the crowd limit raised above the crowd, the same visitors would be admitted:
    # the limit, not some other condition, is what keeps them out.
    # (The visitors are drive-bys too: that condition is off here.)
    loose = _admitted(
        _platform(),
        OperationExpansion(max_visitors=100, rare_visitors=100, min_actions_per_target=None),
    )
    assert len({a for a in loose["account_id"] if a.startswith("v")}) == 60


def test_protected_accounts_are_never_admitted(admitted: pd.DataFrame) -> None:
    assert "protected" not in set(admitted["account_id"])


def test_messages_old_accounts_and_broad_readers_are_not_admitted(
    admitted: pd.DataFrame,
) -> None:
    assert not {"writer", "veteran", "reader"} & set(admitted["account_id"])
    # (Both look once at each person: the drive-by condition is off to isolate each limit.)
    no_age = _admitted(
        _platform(), OperationExpansion(max_account_age_days=None, min_actions_per_target=None)
    )
    assert "veteran" in set(no_age["account_id"])
    unfocused = _admitted(
        _platform(), OperationExpansion(min_focus=0.1, min_actions_per_target=None)
    )
    assert "reader" in set(unfocused["account_id"])


def test_shared_rare_device_lowers_the_bar(admitted: pd.DataFrame) -> None:
    row = admitted[admitted["account_id"] == "sibling"]
    assert bool(row["shared_infra"].iloc[0])
    assert int(row["n_targets"].iloc[0]) == 1
    strict = _admitted(_platform(), OperationExpansion(min_infra_evidence=5.0))
    assert "sibling" not in set(strict["account_id"])


def test_nothing_else_is_admitted_and_lone_members_are_not_expanded(
    admitted: pd.DataFrame,
) -> None:
    assert set(admitted["account_id"]) == {"quiet", "sibling", "sweeper"}
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    protected = {a["account_id"] for a in p.accounts if a["at_risk"] is not None}
    lone = {"m1": "op-0001", "m2": "op-0002"}
    membership, rows = _expand(ctx, lone, protected, OperationExpansion())
    assert membership == lone
    assert rows.empty
    both = {"m1": "op-0001", "m2": "op-0001"}
    membership, rows = _expand(ctx, both, protected, OperationExpansion())
    expanded = {"quiet", "sibling", "sweeper"}
    assert {a for a, o in membership.items() if o == "op-0001"} == {"m1", "m2", *expanded}
    assert set(rows["account_id"]) == expanded


def test_a_drive_by_needs_three_targets(admitted: pd.DataFrame) -> None:
    assert "passerby" not in set(admitted["account_id"])
    sweeper = admitted[admitted["account_id"] == "sweeper"].iloc[0]
    assert int(sweeper["n_targets"]) == 3
    assert int(sweeper["n_actions"]) == int(sweeper["n_targeted"]) == 4
    quiet = admitted[admitted["account_id"] == "quiet"].iloc[0]
    assert (int(quiet["n_actions"]), int(quiet["n_targeted"])) == (4, 3)
    # Without the condition the drive-by is admitted: the condition is what keeps it out.
    off = _admitted(_platform(), OperationExpansion(min_actions_per_target=None))
    assert "passerby" in set(off["account_id"])
    # A stricter bar refuses the quiet operator's 4 actions on 3 people (1.33 per person);
    # the sweeper still counts on its 3 targets.
    strict = _admitted(_platform(), OperationExpansion(min_actions_per_target=1.5))
    assert "quiet" not in set(strict["account_id"])
    assert "sweeper" in set(strict["account_id"])


def test_signal_rows_explain_the_admission(admitted: pd.DataFrame) -> None:
    policy = OperationExpansion()
    rows = policy.signal_rows(best_operation(admitted))
    assert list(rows.columns) == list(SIGNAL_COLUMNS)
    quiet = rows[rows["account_id"] == "quiet"].iloc[0]
    assert quiet["signal"] == "operation_expansion"
    assert quiet["phase"] == "operation"
    assert quiet["threshold"] == policy.min_evidence
    assert "op-0001" in quiet["evidence"]
    assert "2 of its targets" in quiet["evidence"]
    assert "4 targeting actions on those 3 accounts (1.33 per person" in quiet["evidence"]
    assert quiet["window_start"] <= quiet["window_end"]
    assert '"min_focus": 0.3' in quiet["params"]
    assert policy.signal_rows(admitted.iloc[0:0]).empty


def test_best_operation_keeps_the_strongest_evidence() -> None:
    rows = pd.DataFrame(
        {
            "account_id": ["a", "a", "b"],
            "operation_id": ["op-0001", "op-0002", "op-0001"],
            "evidence_weight": [1.5, 2.5, 2.0],
        }
    )
    best = best_operation(rows)
    assert dict(zip(best["account_id"], best["operation_id"], strict=True)) == {
        "a": "op-0002",
        "b": "op-0001",
    }


def test_pipeline_admits_a_quiet_ring_member_and_nothing_else(tmp_path: Path) -> None:
    p = build_platform()
    ring = p.rings["A"]
    q = add_quiet_member(p)
    p.write(tmp_path)
    tables = load_tables(connect("duckdb"), Workspace(tmp_path))
    r = run_detection(tables)
    flagged = r.accounts[r.accounts["flagged"]]
    op_of = dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
    assert op_of.get(q) == op_of[ring[0]]
    expanded = set(r.signals[r.signals["signal"] == "operation_expansion"]["account_id"])
    assert expanded == {q}
    assert not set(flagged["account_id"]) & set(p.confounders + p.viral)
    off = run_detection(
        tables,
        DetectionConfig(
            expansion=OperationExpansion(enabled=False),
            op_evidence=OperationEvidence(enabled=False),
        ),
    )
    assert q not in set(off.accounts[off.accounts["flagged"]]["account_id"])
