"""Operation expansion's time anchor: a member's own targets count for a quiet teammate who
acts on the same people within ``anchor_gap_hours`` of a member, and for nobody else."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.analytics import connect
from counterspy.detect.base import DetectionContext
from counterspy.detect.expand import OperationExpansion
from counterspy.detect.pipeline import _expand
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from tests.detect_fixtures import T0, Platform

MEMBERS = ("m1", "m2")
# Each member works its own people: none at risk, none reached by both members, so none is a
# core target of the operation.
OWN = {"m1": ("p0", "p1", "p2"), "m2": ("p3", "p4", "p5")}


# The anchored policy under test (72 h, the window measured in docs/detection.md).
ANCHORED = OperationExpansion(anchor_gap_hours=72.0)


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _platform() -> Platform:
    p = Platform()
    for people in OWN.values():
        for t in people:
            p.account(t)
    for m in MEMBERS:
        p.account(m, age_days=60)
    for k, t in enumerate(OWN["m1"]):
        p.event(_day(1 + k), "m1", "profile_view", t)
    for k, t in enumerate(OWN["m2"]):
        p.event(_day(1 + k), "m2", "friend_request", t)
    # A quiet teammate: looks at one of each member's people, hours after the member did.
    p.account("teammate", age_days=200)
    p.event(_day(1.25), "teammate", "profile_view", "p0")
    p.event(_day(1.5), "teammate", "friend_list_view", "p3")
    p.event(_day(1.6), "teammate", "friend_request", "p3")  # operators work their people
    p.event(_day(4), "teammate", "profile_view", p.account("someone"))
    # A look-alike: the same two looks as a stranger, but ten days after the members.
    p.account("later", age_days=200)
    p.event(_day(12), "later", "profile_view", "p1")
    p.event(_day(12.5), "later", "profile_view", "p4")
    p.event(_day(12.6), "later", "friend_request", "p4")
    p.event(_day(14), "later", "profile_view", p.account("another"))
    # Within the window but on one person only: one piece of evidence is not enough.
    p.account("once", age_days=200)
    p.event(_day(3.2), "once", "profile_view", "p2")
    # Within the window, but a contact of the person (they wrote to it first): not a stranger.
    p.account("acquaintance", age_days=200)
    for t, d in (("p2", 3.1), ("p5", 3.1)):
        p.event(_day(0.5), t, "message", "acquaintance")
        p.event(_day(d), "acquaintance", "profile_view", t)
    # Two of the operation's at-risk (core) targets, looked at by a stranger two weeks after
    # the member: the core-target path admits it without any window.
    for t in ("r0", "r1"):
        p.account(t, at_risk="journalist")
        p.event(_day(1), "m1", "profile_view", t)
    p.account("reader", age_days=200)
    p.event(_day(15), "reader", "profile_view", "r0")
    p.event(_day(15.5), "reader", "profile_view", "r1")
    p.event(_day(15.6), "reader", "friend_request", "r1")
    return p


def _admitted(policy: OperationExpansion) -> pd.DataFrame:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    members = ibis.memtable(
        pa.table({"account_id": list(MEMBERS), "operation_id": ["op-0001"] * len(MEMBERS)})
    )
    flagged = ibis.memtable(pa.table({"account_id": list(MEMBERS)}))
    df: pd.DataFrame = (
        connect("duckdb").to_pyarrow(policy.candidates(ctx, members, flagged)).to_pandas()
    )
    return df


@pytest.fixture(scope="module")
def admitted() -> pd.DataFrame:
    return _admitted(ANCHORED)


def test_teammate_within_hours_of_the_members_is_admitted(admitted: pd.DataFrame) -> None:
    row = admitted[admitted["account_id"] == "teammate"]
    assert list(row["operation_id"]) == ["op-0001"]
    assert int(row["n_targets"].iloc[0]) == 2
    assert int(row["n_anchored"].iloc[0]) == 2


def test_the_same_looks_days_later_are_refused(admitted: pd.DataFrame) -> None:
    assert "later" not in set(admitted["account_id"])
    # One person in the window, or a contact of the people, is not enough either.
    assert not {"once", "acquaintance"} & set(admitted["account_id"])


def test_loosening_the_window_admits_the_look_alike() -> None:
    loose = _admitted(OperationExpansion(anchor_gap_hours=24 * 30))
    assert set(loose["account_id"]) == {"teammate", "later", "reader"}
    assert not {"once", "acquaintance"} & set(loose["account_id"])


def test_without_the_anchor_only_core_targets_count() -> None:
    assert set(_admitted(OperationExpansion(anchor_gap_hours=None))["account_id"]) == {"reader"}


def test_core_targets_need_no_window_unless_required(admitted: pd.DataFrame) -> None:
    assert "reader" in set(admitted["account_id"])
    strict = _admitted(OperationExpansion(anchor_gap_hours=72.0, require_anchor=True))
    assert set(strict["account_id"]) == {"teammate"}


def test_signal_row_names_the_anchored_targets(admitted: pd.DataFrame) -> None:
    rows = ANCHORED.signal_rows(admitted[admitted["account_id"] == "teammate"])
    text = rows["evidence"].iloc[0]
    assert "on 2 of the operation's targets within 72 h of a member's action on the same" in text


def test_a_grown_operation_anchors_its_admitted_personas_teammates() -> None:
    """The late round: a persona admitted after the first round (e.g. on a shared device)
    brings its own people; a teammate working them within hours joins then, not before."""
    p = _platform()
    p.account("persona", age_days=90)
    for k, t in enumerate(("q0", "q1", "q2")):
        p.account(t)
        p.event(_day(8 + k), "persona", "profile_view", t)
    p.account("second", age_days=150)
    p.event(_day(8.2), "second", "profile_view", "q0")
    p.event(_day(9.3), "second", "friend_request", "q1")
    p.event(_day(9.4), "second", "message", "q1")
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    first = dict.fromkeys(MEMBERS, "op-0001")
    early, _ = _expand(ctx, first, set(), ANCHORED)
    assert "second" not in early
    grown = {**early, "persona": "op-0001"}
    late, rows = _expand(ctx, grown, set(), ANCHORED)
    assert late["second"] == "op-0001"
    assert set(rows["account_id"]) == {"second"}
