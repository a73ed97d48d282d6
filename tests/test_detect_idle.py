"""Idle personas (detect/idle.py): a reserve persona living on a member's home exit with a
member's legend is admitted; its benign look-alikes are refused, each for the reason given."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.detect.base import DetectionContext
from counterspy.detect.idle import SharedExit
from counterspy.detect.opevidence import OperationEvidence, admit
from counterspy.detect.pipeline import _memtable
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from tests.detect_fixtures import T0, Platform

EXIT = "203.0.113.50"  # a small VPN exit the operation's personas live on
BUSY = "203.0.113.60"  # another member's home exit, shared by seven accounts
SIGNAL = "operation_shared_exit"


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _live(p: Platform, aid: str, ip: str, n: int, start: float = 1.0) -> None:
    for k in range(n):
        p.event(_day(start + k), aid, "reaction", "someone", ip=ip, asn=9009, country="NL")


def _platform() -> Platform:
    p = Platform()
    p.account("someone")
    # The detected operation: two personas claiming Mexico, each living on its own exit.
    p.account("m1", age_days=90, country="MX")
    p.account("m2", age_days=90, country="MX")
    _live(p, "m1", EXIT, 4)
    _live(p, "m2", BUSY, 4)
    # Operator: a reserve persona of the same legend living on m1's exit; it never acts on a
    # target (cover reactions only) and one session comes from its phone.
    p.account("reserve", age_days=200, country="MX")
    _live(p, "reserve", EXIT, 3, start=2.5)
    p.event(_day(9), "reserve", "post", ip="198.51.100.77", asn=8151, country="MX")
    # Look-alike: another customer of the exit, living there, claiming another country.
    p.account("vpn_local", age_days=300, country="DE")
    _live(p, "vpn_local", EXIT, 5, start=0.3)
    # Look-alike: the same legend, but one session through the exit; home is its own line.
    p.account("passing", age_days=300, country="MX")
    _live(p, "passing", EXIT, 1, start=6.0)
    _live(p, "passing", "198.51.100.20", 5, start=7.0)
    # Look-alike: an older account of the legend living on the exit (a long-time VPN user).
    p.account("veteran", age_days=700, country="MX")
    _live(p, "veteran", EXIT, 3, start=3.2)
    # Look-alike: a person in the protection programme living on the exit.
    p.account("protected", age_days=300, country="MX", at_risk="journalist")
    _live(p, "protected", EXIT, 3, start=3.4)
    # Look-alike: six accounts of the legend living on m2's exit, seven users in all.
    for i in range(6):
        p.account(f"crowd{i}", age_days=300, country="MX")
        _live(p, f"crowd{i}", BUSY, 3, start=2.0 + i * 0.1)
    return p


def _admitted(p: Platform, exit_policy: SharedExit | None = None, **kw: object) -> pd.DataFrame:
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    membership = {"m1": "op-0001", "m2": "op-0001"}
    scores = pd.Series({"m1": 1.2, "m2": 1.2}, dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    # One round: the look-alikes never anchor a second one (and the file stays fast).
    kw = {"rounds": 1, **kw}
    policy = OperationEvidence(shared_exit=exit_policy or SharedExit(), **kw)  # type: ignore[arg-type]
    _, rows = admit(ctx, membership, scores, protected, policy, _memtable)
    return rows


def _by(rows: pd.DataFrame) -> set[str]:
    return set(rows[rows["signal"] == SIGNAL]["account_id"])


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return _admitted(_platform())


def test_the_reserve_persona_is_admitted_and_nothing_else(rows: pd.DataFrame) -> None:
    assert _by(rows) == {"reserve"}
    assert set(rows["account_id"]) == {"reserve"}  # no other rule admits anyone here


def test_the_signal_row_explains_the_admission(rows: pd.DataFrame) -> None:
    r = rows[rows["account_id"] == "reserve"].iloc[0]
    assert r["detector"] == "operation.evidence"
    assert r["value"] == pytest.approx(0.75)  # 3 of its 4 events on the exit
    assert r["threshold"] == pytest.approx(0.5)
    assert EXIT in r["evidence"]
    assert "used by 6 accounts in all (max 6)" in r["evidence"]
    assert "claims a country its members claim" in r["evidence"]
    assert r["window_start"] < r["window_end"]


def test_another_customer_of_the_exit_is_refused_for_its_legend() -> None:
    loose = _admitted(_platform(), SharedExit(same_claimed_country=False))
    assert "vpn_local" in _by(loose)
    assert "any country" in loose[loose["account_id"] == "vpn_local"].iloc[0]["evidence"]


def test_one_session_through_the_exit_is_not_a_home() -> None:
    loose = _admitted(_platform(), SharedExit(min_address_events=1, min_home_share=0.1))
    assert "passing" in _by(loose)


def test_a_busy_exit_links_nobody() -> None:
    loose = _admitted(_platform(), SharedExit(max_accounts_per_address=7))
    assert {f"crowd{i}" for i in range(6)} <= _by(loose)


def test_older_and_protected_accounts_are_refused() -> None:
    old = _by(_admitted(_platform(), SharedExit(max_account_age_days=1000)))
    assert "veteran" in old
    assert "protected" not in old
    # The operation-evidence age limit applies too.
    capped = _admitted(_platform(), SharedExit(max_account_age_days=1000), max_account_age_days=650)
    assert "veteran" not in _by(capped)


def test_the_rule_can_be_switched_off() -> None:
    assert _by(_admitted(_platform(), SharedExit(enabled=False))) == set()
