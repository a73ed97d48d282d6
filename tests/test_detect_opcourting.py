"""Operation evidence ``operation_courting``: a stranger courting one of an operation's targets
(a friend request and several messages, or a profile view, a request and two messages) joins
it; friends, short chats, messages without a request, old or busy accounts, people we protect
and courting outside the operation do not."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.detect.base import DetectionContext
from counterspy.detect.opevidence import OperationEvidence, admit
from counterspy.detect.pipeline import _memtable
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from tests.detect_fixtures import T0, Platform

MEMBERS = ("m1", "m2")
TARGETS = tuple(f"r{i}" for i in range(6))
SIGNAL = "operation_courting"


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _court(
    p: Platform, who: str, target: str, *, messages: int, request: bool = True, look: bool = False
) -> None:
    if look:
        p.event(_day(4.9), who, "profile_view", target)
    if request:
        p.event(_day(5), who, "friend_request", target)
    for k in range(messages):
        p.event(_day(5.1 + k * 0.2), who, "message", target)
    # The person answers, as people courted this way do.
    p.event(_day(6), target, "message", who)


def _platform() -> Platform:
    p = Platform()
    for t in TARGETS:
        p.account(t)
    for m in MEMBERS:
        p.account(m, age_days=60)
        for k, t in enumerate(TARGETS):
            p.event(_day(1 + k * 0.1), m, "profile_view", t)
    p.account("someone")
    # Operator: a persona courting one of the operation's targets, and little else.
    p.account("suitor", age_days=200)
    _court(p, "suitor", "r2", messages=5)
    p.event(_day(7), "suitor", "reaction", "someone")
    # Operator: looks at a target's profile, sends a request and two messages.
    p.account("looker", age_days=200)
    _court(p, "looker", "r3", messages=2, look=True)
    # Look-alike: the same sequence by an account acting on 31 accounts in all.
    p.account("busy", age_days=200)
    _court(p, "busy", "r4", messages=2, look=True)
    for i in range(30):
        p.event(_day(8), "busy", "profile_view", p.account(f"n{i:02d}"))
    # Look-alike: the target wrote first (a friend, not a stranger).
    p.account("pal", age_days=200)
    p.event(_day(0.5), "r3", "message", "pal")
    _court(p, "pal", "r3", messages=6)
    # Look-alike: a friend request and a short chat (3 messages).
    p.account("chatty", age_days=200)
    _court(p, "chatty", "r4", messages=3)
    # Look-alike: many messages, no friend request (a customer writing to a shop, a fan).
    p.account("writer", age_days=200)
    _court(p, "writer", "r5", messages=8, request=False)
    # Look-alike: the same courting by an account years old.
    p.account("elder", age_days=4000)
    _court(p, "elder", "r1", messages=6)
    # Look-alike: a person we protect courting a target (at-risk people befriend each other).
    p.account("colleague", age_days=200, at_risk="journalist")
    _court(p, "colleague", "r0", messages=6)
    # Look-alike: courting someone the operation never targeted.
    p.account("romeo", age_days=200)
    _court(p, "romeo", "someone", messages=6)
    return p


def _admitted(policy: OperationEvidence | None = None) -> pd.DataFrame:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    membership = dict.fromkeys(MEMBERS, "op-0001")
    scores = pd.Series(dict.fromkeys(MEMBERS, 1.2), dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    _, rows = admit(ctx, membership, scores, protected, policy or OperationEvidence(), _memtable)
    return rows


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return _admitted()


def _by(rows: pd.DataFrame) -> set[str]:
    return set(rows[rows["signal"] == SIGNAL]["account_id"])


def test_the_courting_stranger_joins_and_no_look_alike_does(rows: pd.DataFrame) -> None:
    assert _by(rows) == {"suitor", "looker"}
    assert set(rows["account_id"]) == {"suitor", "looker"}


def test_each_limit_keeps_its_look_alike_out() -> None:
    """Loosened limits admit exactly the look-alike each one refused: the short chat (it sent
    a friend request, so only the message count kept it out), the writer without a request
    (8 messages), the old account, the account acting on 31 people; never the friend, the
    protected colleague or courting outside the operation."""
    loose = OperationEvidence(
        min_courting_messages=1,
        min_courting_requests=0,
        max_account_age_days=5000,
        max_courting_targets=40,
    )
    admitted = {"suitor", "looker", "chatty", "writer", "elder", "busy"}
    assert _by(_admitted(loose)) == admitted


def test_without_the_profile_view_path_two_messages_are_not_courting() -> None:
    assert _by(_admitted(OperationEvidence(min_looked_messages=0))) == {"suitor"}


def test_off_admits_nobody() -> None:
    assert _by(_admitted(OperationEvidence(min_courting_messages=0))) == set()


def test_signal_row_explains_the_courting(rows: pd.DataFrame) -> None:
    r = rows[rows["account_id"] == "suitor"].iloc[0]
    assert r["detector"] == "operation.evidence"
    assert r["value"] == 5.0
    assert r["threshold"] == OperationEvidence().min_looked_messages
    assert "courted 1 of its targets as a stranger (e.g. r2)" in r["evidence"]
    assert "op-0001" in r["evidence"]
    assert "acted on 2 other accounts in all (max 30)" in r["evidence"]
    assert r["window_start"] == _day(5)
    assert r["window_start"] < r["window_end"]
