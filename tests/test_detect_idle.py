"""Idle personas (detect/idle.py): a reserve persona living on a member's home exit with a
member's legend is admitted; its benign look-alikes are refused, each for the reason given."""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.detect.base import DetectionContext
from counterspy.detect.idle import SharedExit, shared_exit
from counterspy.detect.narrow import same
from counterspy.detect.opevidence import OperationEvidence, _Anchors, admit
from counterspy.detect.pipeline import _memtable
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from tests.detect_fixtures import T0, Platform

EXIT = "203.0.113.50"  # a small VPN exit the operation's personas live on
BUSY = "203.0.113.60"  # another member's home exit, shared by seven accounts
PROXY = "203.0.113.70"  # a third member's home exit: a residential proxy
HOUSE = "192.0.2.80"  # the home line of a member admitted by operation evidence
RESIDENTIAL = 7922  # a residential carrier (no hosting network in detect/data/networks.yaml)
SIGNAL = "operation_shared_exit"


def _on(**kw: object) -> SharedExit:
    """The rule switched on (it is off by default: see docs/detection.md, idle personas)."""
    return SharedExit(enabled=True, **kw)  # type: ignore[arg-type]


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _live(p: Platform, aid: str, ip: str, n: int, start: float = 1.0, asn: int = 9009) -> None:
    for k in range(n):
        p.event(_day(start + k), aid, "reaction", "someone", ip=ip, asn=asn, country="NL")


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
    # Look-alike: the same legend, one event in all, through the exit (share 1.0): one login
    # through a VPN is nobody's home.
    p.account("once", age_days=300, country="MX")
    _live(p, "once", EXIT, 1, start=6.0)
    # A third member living on a rented residential proxy; a reserve persona of the legend
    # lives there too.
    p.account("m3", age_days=90, country="MX")
    _live(p, "m3", PROXY, 4, asn=RESIDENTIAL)
    p.account("proxy_reserve", age_days=150, country="MX")
    _live(p, "proxy_reserve", PROXY, 3, start=1.5, asn=RESIDENTIAL)
    # Look-alike: the same legend, three sessions through m3's exit, but home is its own line
    # (3 of 8 events on the exit).
    p.account("visitor", age_days=300, country="MX")
    _live(p, "visitor", PROXY, 3, start=6.0, asn=RESIDENTIAL)
    _live(p, "visitor", "198.51.100.20", 5, start=7.0)
    # Look-alike: a housemate of a member that operation evidence admitted (not flagged on
    # its own evidence): same home line, same country.
    p.account("m_admitted", age_days=120, country="MX")
    _live(p, "m_admitted", HOUSE, 4)
    p.account("housemate", age_days=400, country="MX")
    _live(p, "housemate", HOUSE, 4, start=1.5)
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


OWN = frozenset({"m1", "m2", "m3"})  # flagged on their own evidence; m_admitted was admitted


def _admitted(
    p: Platform,
    exit_policy: SharedExit | None = None,
    own: frozenset[str] | None = OWN,
    **kw: object,
) -> pd.DataFrame:
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    membership = dict.fromkeys(("m1", "m2", "m3", "m_admitted"), "op-0001")
    scores = pd.Series({"m1": 1.2, "m2": 1.2, "m3": 1.2, "m_admitted": 0.2}, dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    # One round: the look-alikes never anchor a second one (and the file stays fast).
    kw = {"rounds": 1, **kw}
    policy = OperationEvidence(shared_exit=exit_policy or _on(), **kw)  # type: ignore[arg-type]
    _, rows = admit(ctx, membership, scores, protected, policy, _memtable, own=own)
    return rows


def _by(rows: pd.DataFrame) -> set[str]:
    return set(rows[rows["signal"] == SIGNAL]["account_id"])


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return _admitted(_platform())


def test_the_reserve_personas_are_admitted_and_nothing_else(rows: pd.DataFrame) -> None:
    assert _by(rows) == {"reserve", "proxy_reserve"}
    assert set(rows["account_id"]) == {"reserve", "proxy_reserve"}  # no other rule admits


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
    loose = _admitted(_platform(), _on(same_claimed_country=False))
    assert "vpn_local" in _by(loose)
    assert "any country" in loose[loose["account_id"] == "vpn_local"].iloc[0]["evidence"]


def test_one_event_through_the_exit_is_not_a_home() -> None:
    loose = _by(_admitted(_platform(), _on(min_address_events=1)))
    assert "once" in loose
    assert "visitor" not in loose


def test_sessions_through_the_exit_from_another_home_are_refused() -> None:
    loose = _by(_admitted(_platform(), _on(min_home_share=0.3)))
    assert "visitor" in loose
    assert "once" not in loose


def test_an_admitted_member_never_anchors_its_household() -> None:
    # Every member anchoring (the admitted one too): its housemate joins the operation.
    assert "housemate" in _by(_admitted(_platform(), own=None))
    assert "housemate" in _by(_admitted(_platform(), _on(own_evidence_anchors=False)))


def test_only_hosting_exits_when_asked() -> None:
    # The reserve's exit is on a VPN host (AS9009, M247); the residential proxy is not.
    hosted = _by(_admitted(_platform(), _on(hosting_only=True)))
    assert hosted == {"reserve"}


def test_a_busy_exit_links_nobody() -> None:
    loose = _admitted(_platform(), _on(max_accounts_per_address=7))
    assert {f"crowd{i}" for i in range(6)} <= _by(loose)


def test_older_and_protected_accounts_are_refused() -> None:
    old = _by(_admitted(_platform(), _on(max_account_age_days=1000)))
    assert "veteran" in old
    assert "protected" not in old
    # The operation-evidence age limit applies too.
    capped = _admitted(_platform(), _on(max_account_age_days=1000), max_account_age_days=650)
    assert "veteran" not in _by(capped)


def test_the_rule_is_off_by_default() -> None:
    assert _by(_admitted(_platform(), SharedExit())) == set()
    assert not OperationEvidence().shared_exit.enabled


def test_the_rule_can_be_switched_off() -> None:
    assert _by(_admitted(_platform(), SharedExit(enabled=False))) == set()


def test_switched_off_the_rule_builds_no_query() -> None:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    # Events without an address column: building the rule's query would fail at once.
    ctx = DetectionContext(acc, ev.drop("ip"), ev.limit(0).select(domain="url"))
    members = ibis.memtable(pa.table({"account_id": ["m1"], "operation_id": ["op-0001"]}))
    weak = ibis.memtable(pa.table({"account_id": ["x"], "score": [0.5]}))
    off = OperationEvidence(shared_exit=SharedExit(enabled=False))
    a = _Anchors(ctx, members, members.select("account_id"), weak, off, same)
    assert shared_exit(off, ctx, a).to_pyarrow().num_rows == 0
    with pytest.raises(AttributeError):
        shared_exit(OperationEvidence(shared_exit=_on()), ctx, a)
