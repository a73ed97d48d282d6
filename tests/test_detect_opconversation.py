"""Operation evidence ``operation_conversation`` / ``operation_brief_courting``: a stranger that
looked at one of an operation's targets and held a conversation the target answered (no
request needed), or sent a friend request and a message, joins it; friends, fans, unanswered
or short chats, approaches without a look, busy or old accounts, people we protect and
approaches anchored on a one-account operation do not."""

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
TARGETS = tuple(f"r{i}" for i in range(7))
# ~30 CPU-s (five small detections on a shared machine).
pytestmark = pytest.mark.slow

SIGNAL = "operation_conversation"
BRIEF = "operation_brief_courting"


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _talk(
    p: Platform,
    who: str,
    target: str,
    *,
    messages: int,
    look: bool = True,
    answered: bool = True,
    request: bool = False,
    look_at: float = 4.9,
) -> None:
    if look:
        p.event(_day(look_at), who, "profile_view", target)
    if request:
        p.event(_day(5), who, "friend_request", target)
    for k in range(messages):
        p.event(_day(5.1 + k * 0.2), who, "message", target)
    if answered:
        p.event(_day(6), target, "message", who)


def _platform() -> Platform:
    p = Platform()
    for t in (*TARGETS, "s0"):
        p.account(t)
    for m in MEMBERS:
        p.account(m, age_days=60)
        for k, t in enumerate(TARGETS):
            p.event(_day(1 + k * 0.1), m, "profile_view", t)
    # A one-account "operation" (an ordinary account flagged on its own reading, say).
    p.account("solo", age_days=60)
    p.event(_day(1), "solo", "profile_view", "s0")
    p.account("someone")
    # Operator: a persona that studied a target's profile and got them talking.
    p.account("caller", age_days=200)
    _talk(p, "caller", "r2", messages=5)
    p.event(_day(7), "caller", "reaction", "someone")
    # Operator: a look, a friend request and one message, unanswered (brief courting).
    p.account("knocker", age_days=200)
    _talk(p, "knocker", "r1", messages=1, answered=False, request=True)
    # Look-alike: a request and a message without a look at the profile.
    p.account("doorstep", age_days=200)
    _talk(p, "doorstep", "r5", messages=1, answered=False, request=True, look=False)
    # Look-alike: brief courting by an account acting on 12 accounts in all.
    p.account("hustler", age_days=200)
    _talk(p, "hustler", "r6", messages=1, answered=False, request=True)
    for i in range(11):
        p.event(_day(8), "hustler", "profile_view", f"n{i:02d}")
    # Look-alike: wrote first and looked at the profile only afterwards (a link sharer chatting).
    p.account("late", age_days=200)
    _talk(p, "late", "r5", messages=5, look_at=7)
    # Look-alike: the target wrote first (a friend, not a stranger).
    p.account("pal", age_days=200)
    p.event(_day(0.5), "r3", "message", "pal")
    _talk(p, "pal", "r3", messages=6)
    # Look-alike: the target wrote after being viewed but before the account's first message,
    # and never answered it (no reply: not a conversation).
    p.account("noted", age_days=200)
    p.event(_day(4.95), "r0", "message", "noted")
    _talk(p, "noted", "r0", messages=5, answered=False)
    # Look-alike: a request before any look, then a look and a message (not look, request,
    # write).
    p.account("backwards", age_days=200)
    p.event(_day(4), "backwards", "friend_request", "r1")
    _talk(p, "backwards", "r1", messages=1, answered=False)
    # Look-alike: a fan who reacts to the target's posts.
    p.account("fan", age_days=200)
    p.event(_day(3), "fan", "reaction", "r4")
    _talk(p, "fan", "r4", messages=5)
    # Look-alike: nobody answered (spam).
    p.account("spammer", age_days=200)
    _talk(p, "spammer", "r5", messages=6, answered=False)
    # Look-alike: a short chat (3 messages).
    p.account("brief", age_days=200)
    _talk(p, "brief", "r1", messages=3)
    # Look-alike: a conversation without a look at the profile.
    p.account("blind", age_days=200)
    _talk(p, "blind", "r6", messages=6, look=False)
    # Look-alike: the same conversation by an account acting on 12 accounts in all.
    p.account("busy", age_days=200)
    _talk(p, "busy", "r0", messages=5)
    for i in range(11):
        p.event(_day(8), "busy", "profile_view", p.account(f"n{i:02d}"))
    # Look-alike: the same conversation by an account years old.
    p.account("elder", age_days=4000)
    _talk(p, "elder", "r6", messages=5)
    # Look-alike: a person we protect talking to a target (at-risk people talk to each other).
    p.account("colleague", age_days=200, at_risk="journalist")
    _talk(p, "colleague", "r0", messages=6)
    # Look-alike: the conversation is with the one-account operation's target.
    p.account("visitor", age_days=200)
    _talk(p, "visitor", "s0", messages=5)
    return p


def _admitted(policy: OperationEvidence | None = None) -> tuple[dict[str, str], pd.DataFrame]:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    membership = {**dict.fromkeys(MEMBERS, "op-0001"), "solo": "op-0002"}
    scores = pd.Series(dict.fromkeys(membership, 1.2), dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    return admit(ctx, membership, scores, protected, policy or _policy(), _memtable)


def _policy(**loosened: int) -> OperationEvidence:
    """The defaults, brief courting on (whatever its default), with ``loosened`` limits."""
    return OperationEvidence(**{"min_brief_courting_messages": 1, **loosened})


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return _admitted()[1]


def _by(rows: pd.DataFrame, signal: str = SIGNAL) -> set[str]:
    return set(rows[rows["signal"] == signal]["account_id"])


def test_the_personas_join_and_no_look_alike_does(rows: pd.DataFrame) -> None:
    assert _by(rows) == {"caller"}
    assert _by(rows, BRIEF) == {"knocker"}
    assert set(rows["account_id"]) == {"caller", "knocker"}


@pytest.mark.parametrize(
    ("loosened", "admits"),
    [
        ({"min_conversation_messages": 3}, {"brief"}),
        ({"max_conversation_targets": 15}, {"busy", "hustler"}),
        ({"min_conversation_members": 1}, {"visitor"}),
        ({"max_account_age_days": 5000}, {"elder"}),
        ({"conversation_look_first": False}, {"late"}),
    ],
)
def test_each_limit_keeps_its_look_alike_out(loosened: dict[str, int], admits: set[str]) -> None:
    """Loosening one limit admits exactly the look-alike it refused (the short chat, the busy
    account, the conversation anchored on a one-account operation — into that operation —,
    the old account, the account that looked only after writing); never the friend, the fan,
    the unanswered writer, the writer the target wrote to only before its first message, the
    request before the look, the chat without a look, the request without a look or the
    protected colleague."""
    membership, rows = _admitted(_policy(**loosened))
    assert set(rows["account_id"]) == {"caller", "knocker", *admits}
    assert membership["caller"] == "op-0001"
    assert {membership[a] for a in admits} == {"op-0002" if "visitor" in admits else "op-0001"}


def test_off_admits_nobody() -> None:
    rows = _admitted(OperationEvidence(min_conversation_messages=0, min_brief_courting_messages=0))
    assert set(rows[1]["account_id"]) == set()


def test_signal_row_explains_the_conversation(rows: pd.DataFrame) -> None:
    r = rows[rows["account_id"] == "caller"].iloc[0]
    assert r["detector"] == "operation.evidence"
    assert r["value"] == 5.0
    assert r["threshold"] == OperationEvidence().min_conversation_messages
    assert "looked at the profile of 1 of its targets (e.g. r2)" in r["evidence"]
    assert "op-0001" in r["evidence"]
    assert "acted on 2 accounts in all (max 10)" in r["evidence"]
    assert "at least 2 accounts" in r["evidence"]
    assert r["window_start"] == _day(4.9)
    assert r["window_start"] < r["window_end"]
    b = rows[rows["account_id"] == "knocker"].iloc[0]
    assert b["signal"] == BRIEF
    assert "sent a friend request and 1 messages (min 1)" in b["evidence"]
