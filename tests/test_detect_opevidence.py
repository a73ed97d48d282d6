"""Operation evidence: each rule admits its planted operator and refuses its benign look-alike."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext
from counterspy.detect.expand import OperationExpansion
from counterspy.detect.opevidence import (
    EVIDENCE_COLUMNS,
    OperationEvidence,
    admit,
    best_rows,
)
from counterspy.detect.pipeline import DetectionConfig, _memtable, run_detection
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, Platform, add_quiet_member, build_platform

MEMBERS = ("m1", "m2")
TARGETS = tuple(f"r{i}" for i in range(8))
# Own scores below the flag threshold (what the per-account signals gave these accounts).
WEAK = {"weak": 0.45, "weak_friend": 0.45, "weak_broad": 0.45, "one_look": 0.45, "faint": 0.15}


def _day(d: float) -> datetime:
    return T0 + timedelta(days=d)


def _platform() -> Platform:
    p = Platform()
    for t in TARGETS:
        p.account(t, at_risk="journalist")
    for m in MEMBERS:
        p.account(m, age_days=60, photo=f"photo-{m}")
        for k, t in enumerate(TARGETS):
            p.event(_day(1 + k * 0.1), m, "profile_view", t)
    p.account("someone")
    # Shared device. Operator: a persona run from a member's handset, nothing else in common.
    p.event(_day(2), "m1", "login", device="handset")
    p.account("devmate", age_days=150)
    p.event(_day(3), "devmate", "reaction", "someone", device="handset")
    # Second round: a persona sharing a device only with the persona admitted in round one.
    p.event(_day(3.5), "devmate", "login", device="burner")
    p.account("chain", age_days=150)
    p.event(_day(4), "chain", "login", device="burner")
    # Look-alike: a shared terminal a member also used, used by 12 accounts in all.
    p.event(_day(2), "m2", "login", device="library-pc")
    for i in range(10):
        p.account(f"lib{i}", age_days=300)
        p.event(_day(3 + i * 0.1), f"lib{i}", "login", device="library-pc")
    # Look-alike: an old account on a member's rare device (an old phone, sold on).
    p.account("veteran", age_days=4000)
    p.event(_day(2.5), "m1", "login", device="old-phone")
    p.event(_day(4), "veteran", "login", device="old-phone")
    # Look-alike: the same IP address as a member (VPN exit), own device: IPs are not used.
    p.account("vpn", age_days=100)
    p.event(_day(2), "m2", "login", ip="192.0.2.99")
    p.event(_day(2.1), "vpn", "login", ip="192.0.2.99")
    # Look-alike: a protected account on a member's device.
    p.account("protected", age_days=100, at_risk="activist")
    p.event(_day(3), "protected", "login", device="handset")

    # Shared photo. Operator: a persona wearing a member's photo.
    p.account("twin", age_days=200, photo="photo-m2")
    # Look-alike: a stock avatar a member also uses, worn by 25 accounts.
    p.accounts[[a["account_id"] for a in p.accounts].index("m1")]["photo_hash"] = "stock"
    for i in range(24):
        p.account(f"stock{i:02d}", age_days=200, photo="stock")

    # Weak own signals on the operation's targets. Operator: looks at two targets as a
    # stranger (evidence 2.0) and at little else.
    p.account("weak", age_days=200)
    for t in ("r3", "r7"):
        p.event(_day(3), "weak", "profile_view", t)
        p.event(_day(3.1), "weak", "friend_list_view", t)
    p.event(_day(4), "weak", "profile_view", "someone")
    # Look-alike: the targets wrote to it first (a contact, not a stranger).
    p.account("weak_friend", age_days=200)
    for t in ("r4", "r2"):
        p.event(_day(0.5), t, "message", "weak_friend")
        p.event(_day(3), "weak_friend", "profile_view", t)
    # Look-alike: two of the targets among many people it reads (unfocused).
    p.account("weak_broad", age_days=200)
    for t in ("r5", "r1"):
        p.event(_day(3), "weak_broad", "profile_view", t)
    for i in range(9):
        p.event(_day(4 + i), "weak_broad", "profile_view", p.account(f"n{i}"))
    # Look-alike: the same looks, but own signals too faint to count.
    p.account("faint", age_days=200)
    for t in ("r6", "r0"):
        p.event(_day(3), "faint", "profile_view", t)
    # Look-alike: weak own signals and a look at a single target.
    p.account("one_look", age_days=200)
    p.event(_day(3), "one_look", "profile_view", "r6")

    # Own link domain. Operator: sends a target a link on the domain a member sends.
    p.event(_day(2), "m1", "message", "r1", url="https://secure-news24.click/a1")
    p.account("linker", age_days=150)
    p.event(_day(5), "linker", "message", "r2", url="https://secure-news24.click/b7")
    # Look-alike: the same domain, sent to someone the operation never targeted.
    p.account("offtarget", age_days=150)
    p.account("bystander")
    p.event(_day(5), "offtarget", "message", "bystander", url="https://secure-news24.click/c")
    # Operator: sends the domain to a person in the protection programme whom no member
    # targeted (exploitation personas send each target its own link).
    p.account("courier", age_days=150)
    p.account("defender", at_risk="human_rights_defender")
    p.event(_day(5), "courier", "message", "defender", url="https://secure-news24.click/d4")
    # Look-alike: a real newspaper (a protected brand's own site) a member shares as cover.
    p.event(_day(2), "m2", "message", "r3", url="https://www.nzherald.co.nz/world/x")
    p.account("reader", age_days=150)
    p.event(_day(5), "reader", "message", "r3", url="https://www.nzherald.co.nz/nz/y")
    # Look-alike: a domain a member sends that 12 accounts send in all.
    p.event(_day(2), "m2", "message", "r5", url="https://popular-blog.net/p")
    for i in range(11):
        p.account(f"blogger{i}", age_days=150)
        p.event(_day(5), f"blogger{i}", "message", "r5", url=f"https://popular-blog.net/{i}")
    return p


def _admitted(
    p: Platform, policy: OperationEvidence | None = None, own: dict[str, float] | None = None
) -> pd.DataFrame:
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    membership = dict.fromkeys(MEMBERS, "op-0001")
    scores = pd.Series(WEAK | dict.fromkeys(MEMBERS, 1.2) | (own or {}), dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    _, rows = admit(ctx, membership, scores, protected, policy or OperationEvidence(), _memtable)
    return rows


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return _admitted(_platform())


def _by(rows: pd.DataFrame, signal: str) -> set[str]:
    return set(rows[rows["signal"] == signal]["account_id"])


def test_each_rule_admits_its_planted_operator_and_nothing_else(rows: pd.DataFrame) -> None:
    assert _by(rows, "operation_shared_device") == {"devmate", "chain"}
    assert _by(rows, "operation_shared_photo") == {"twin"}
    assert _by(rows, "operation_weak_on_targets") == {"weak"}
    assert _by(rows, "operation_own_domain") == {"linker", "courier"}
    assert list(rows.columns) == list(SIGNAL_COLUMNS)


def test_own_domain_refusals_hold_for_the_reason_given() -> None:
    """Each look-alike of the own-domain rule is refused for its own reason: loosening that
    one limit admits it."""
    p = _platform()
    many = _admitted(p, OperationEvidence(max_domain_senders=12))
    assert {f"blogger{i}" for i in range(11)} <= _by(many, "operation_own_domain")
    assert "reader" not in _by(many, "operation_own_domain")  # the newspaper stays excluded
    off = _admitted(p, OperationEvidence(own_domain=False))
    assert _by(off, "operation_own_domain") == set()


def test_own_domain_to_a_protected_person_is_its_own_switch(rows: pd.DataFrame) -> None:
    """The link to a person in the protection programme admits the courier and says so; the
    same domain to a bystander outside it (``offtarget``) does not, and without the at-risk
    condition only the link to a member's target counts."""
    courier = rows[rows["account_id"] == "courier"].iloc[0]
    assert "to 1 of its targets or people in the protection programme" in courier["evidence"]
    assert "offtarget" not in _by(rows, "operation_own_domain")
    strict = _admitted(_platform(), OperationEvidence(own_domain_at_risk=False))
    assert _by(strict, "operation_own_domain") == {"linker"}


def test_a_second_round_anchors_on_the_grown_operation(rows: pd.DataFrame) -> None:
    chain = rows[rows["account_id"] == "chain"].iloc[0]
    assert "round 2" in chain["evidence"]
    one = _admitted(_platform(), OperationEvidence(rounds=1))
    assert "chain" not in set(one["account_id"])
    assert "devmate" in set(one["account_id"])


def test_busy_device_old_account_ip_only_and_protected_are_refused(rows: pd.DataFrame) -> None:
    refused = {"veteran", "vpn", "protected", *(f"lib{i}" for i in range(10))}
    assert not refused & set(rows["account_id"])
    # The limits, not some other condition, keep them out.
    loose = _admitted(_platform(), OperationEvidence(max_accounts_per_device=20))
    assert {f"lib{i}" for i in range(10)} <= set(loose["account_id"])
    no_age = _admitted(_platform(), OperationEvidence(max_account_age_days=5000))
    assert "veteran" in set(no_age["account_id"])


def test_stock_avatar_is_refused(rows: pd.DataFrame) -> None:
    assert not {a for a in rows["account_id"] if a.startswith("stock")}
    loose = _admitted(_platform(), OperationEvidence(max_accounts_per_photo=30))
    assert len({a for a in loose["account_id"] if a.startswith("stock")}) == 24


def test_contacts_broad_readers_and_faint_accounts_are_refused(rows: pd.DataFrame) -> None:
    assert not {"weak_friend", "weak_broad", "faint", "one_look"} & set(rows["account_id"])
    unfocused = _admitted(_platform(), OperationEvidence(min_focus=0.05))
    assert "weak_broad" in set(unfocused["account_id"])
    lenient = _admitted(_platform(), OperationEvidence(min_own_score=0.1))
    assert "faint" in set(lenient["account_id"])
    single = _admitted(_platform(), OperationEvidence(min_targets=1, min_target_evidence=0.8))
    assert "one_look" in set(single["account_id"])


def test_signal_rows_explain_the_admission(rows: pd.DataFrame) -> None:
    dev = rows[rows["account_id"] == "devmate"].iloc[0]
    assert dev["detector"] == "operation.evidence"
    assert dev["phase"] == "operation"
    assert "device handset" in dev["evidence"]
    assert "op-0001" in dev["evidence"]
    assert dev["value"] == 1.0
    weak = rows[rows["account_id"] == "weak"].iloc[0]
    assert weak["threshold"] == OperationEvidence().min_target_evidence
    assert "2 of its targets" in weak["evidence"]
    assert weak["window_start"] <= weak["window_end"]
    assert '"min_own_score": 0.4' in weak["params"]


def test_min_members_decides_which_operations_anchor() -> None:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    lone = {"m1": "op-0001", "m2": "op-0002"}
    pairs_only = OperationEvidence(min_members=2)
    membership, rows = admit(ctx, lone, pd.Series(WEAK), set(), pairs_only, _memtable)
    assert membership == lone
    assert rows.empty
    # The default anchors on a lone flagged account too (measured on the tuning seeds).
    assert OperationEvidence().min_members == 1
    membership, rows = admit(ctx, lone, pd.Series(WEAK), set(), OperationEvidence(), _memtable)
    assert not rows.empty
    assert set(membership) > set(lone)
    assert set(membership.values()) == {"op-0001", "op-0002"}


def test_best_rows_follow_the_strongest_rule() -> None:
    cols = {c: [None] * 3 for c in EVIDENCE_COLUMNS}
    a = pd.DataFrame(cols)
    a["account_id"] = ["x", "x", "y"]
    a["operation_id"] = ["op-0002", "op-0001", "op-0001"]
    a["signal"] = ["operation_weak_on_targets", "operation_shared_device", "operation_shared_photo"]
    a["value"] = [3.0, 1.0, 1.0]
    best = best_rows(a)
    assert dict(zip(best["account_id"], best["operation_id"], strict=True)) == {
        "x": "op-0001",
        "y": "op-0001",
    }


def test_pipeline_admits_with_expansion_off_and_flags_no_confounder(tmp_path: Path) -> None:
    p = build_platform()
    q = add_quiet_member(p)
    p.write(tmp_path)
    tables = load_tables(connect("duckdb"), Workspace(tmp_path))
    cfg = DetectionConfig(expansion=OperationExpansion(enabled=False))
    r = run_detection(tables, cfg)
    flagged = r.accounts[r.accounts["flagged"]]
    op_of = dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
    assert op_of.get(q) == op_of[p.rings["A"][0]]
    ev = r.signals[r.signals["detector"] == "operation.evidence"]
    assert set(ev["account_id"]) == {q}
    assert not set(flagged["account_id"]) & set(p.confounders + p.viral)


def test_counter_evidence_stands() -> None:
    # The planted link sender, with a befriending newcomer's counter-evidence outweighing its
    # own signals (own -0.8), is refused; the device mate with a small negative sum too.
    own = {"linker": -0.8, "devmate": -0.2}
    rows = _admitted(_platform(), own=own)
    assert not set(own) & set(rows["account_id"])
    assert "twin" in set(rows["account_id"])
    # Off, the same accounts are admitted as before.
    off = _admitted(_platform(), OperationEvidence(refuse_counter_evidence=False), own=own)
    assert set(own) <= set(off["account_id"])


def _admitted_from_candidates(
    p: Platform,
    drop_from_keys: str | None = None,
    everyone: bool = False,
    policy: OperationEvidence | None = None,
) -> pd.DataFrame:
    """As :func:`_admitted`, with the members' and weak accounts' events read from a
    candidates' events table and shared devices from its key events (as in the pipeline);
    ``drop_from_keys``: an account whose rows are left out of the key events; ``everyone``:
    every account is a candidate (every round then reads the candidates' tables)."""
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    # The members and the weak accounts are the candidates, as in the pipeline (the first
    # round reads the candidates' tables; the key events hold everyone's events on the
    # candidates' devices and addresses, so a non-candidate on a member's device is seen; a
    # round whose members are not all candidates reads the whole events).
    ids = frozenset(MEMBERS) | frozenset(WEAK)
    if everyone:
        ids = frozenset(str(a["account_id"]) for a in p.accounts)
    mine = ev.filter(ev.actor_id.isin(sorted(ids)))
    keys = ctx.with_actor_events(mine).key_events
    if drop_from_keys is not None:
        keys = keys.filter(keys.actor_id != drop_from_keys)
    membership = dict.fromkeys(MEMBERS, "op-0001")
    scores = pd.Series(WEAK | dict.fromkeys(MEMBERS, 1.2), dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    _, rows = admit(
        ctx,
        membership,
        scores,
        protected,
        policy or OperationEvidence(),
        _memtable,
        actors=(mine, ids),
        key_events=keys,
    )
    return rows


def test_shared_devices_from_the_candidates_key_events_give_the_same_rows(
    rows: pd.DataFrame,
) -> None:
    order = ["account_id", "signal"]
    want = rows.sort_values(order).reset_index(drop=True)
    for everyone in (False, True):
        got = _admitted_from_candidates(_platform(), everyone=everyone)
        assert got.sort_values(order).reset_index(drop=True).equals(want), everyone


DEV = "operation_shared_device"


def test_shared_devices_are_read_from_the_key_events_when_given(rows: pd.DataFrame) -> None:
    assert "devmate" in _by(rows, "operation_shared_device")
    # The key events are what is read: without the persona's rows there, no shared device.
    # A non-candidate on a member's device is found in the first round, which reads the
    # candidates' tables: the key events hold its events, and without them it is not found.
    one = OperationEvidence(rounds=1)
    assert "devmate" in _by(_admitted_from_candidates(_platform(), policy=one), DEV)
    gone = _admitted_from_candidates(_platform(), drop_from_keys="devmate", policy=one)
    assert "devmate" not in _by(gone, DEV)
    # (Every account a candidate, so that no later round falls back to the whole events.)
    got = _admitted_from_candidates(_platform(), drop_from_keys="devmate", everyone=True)
    assert "devmate" not in _by(got, "operation_shared_device")
