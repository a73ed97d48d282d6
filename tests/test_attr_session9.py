"""Session 9 attribution: contact a firm was never reported to make, and the events of ring
members who score nothing of their own."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import ibis
import pyarrow as pa
import pytest

from counterspy.attribute import attribute_operations, load_profiles
from counterspy.attribute.features import OperationFeatures, operation_features
from counterspy.attribute.scoring import AttributionPolicy
from counterspy.detect.base import DetectionContext
from counterspy.detect.pipeline import _actor_events, profile_context
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from tests.attr_fixtures import evidence_scores, make_op
from tests.detect_fixtures import T0, Platform

OFF = AttributionPolicy(contact_contradiction_weight=0)


def _link_piece(contacts: int) -> OperationFeatures:
    # Seed 12's BellTroX piece at stealth 2: three personas claiming the UK send seven bad
    # links on platform lookalikes to people in the UK, India and Indonesia (a Cytrox client
    # country), after ``contacts`` link-free contacts and one profile view.
    return make_op(
        n_accounts=3,
        phase_counts={"reconnaissance": 1, "engagement": contacts, "exploitation": 7},
        target_countries=Counter({"GB": 1, "IN": 1, "ID": 1}),
        claimed_countries=Counter({"GB": 3}),
        locales=("en-US", "en-GB", "en-GB"),
        domains=dict.fromkeys(("face.book.cc", "telegram-org.news", "linkefin.click")),
        domain_styles=Counter({"platform": 3}),
    )


def test_contact_without_links_contradicts_a_firm_never_reported_to_engage() -> None:
    f = _link_piece(contacts=2)
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm == "belltrox"
    # Cytrox (reconnaissance and one-click links) and the China entity (links only) were
    # never reported to court their targets: two contacts in ten actions cost them in full.
    pol = AttributionPolicy()
    for firm in ("cytrox", "china_unknown"):
        got = evidence_scores(f, firm, pol)["unexplained contact"]
        assert got == pytest.approx(-pol.contact_contradiction_weight)
    for firm in ("belltrox", "bluehawk", "black_cube"):
        assert evidence_scores(f, firm, pol)["unexplained contact"] == 0.0
    # Without the contradiction the Cytrox client country named Cytrox (main before session 9).
    (b,) = attribute_operations([f], load_profiles(), OFF)
    assert b.firm == "cytrox"


def test_a_link_piece_without_contact_is_not_contradicted() -> None:
    # The same links without any contact: nothing contradicts Cytrox or the China entity, and
    # nothing speaks for BellTroX (Cytrox and China tie on the phase mix: left unattributed).
    f = _link_piece(contacts=0)
    for firm in ("cytrox", "china_unknown"):
        assert evidence_scores(f, firm, AttributionPolicy())["unexplained contact"] == 0.0
    (a,) = attribute_operations([f], load_profiles())
    assert a.firm != "belltrox"
    assert a.scores[0][0] == "cytrox"


def test_a_greeting_before_the_links_costs_in_proportion() -> None:
    # One link-free message among 21 phase actions (5 %): a quarter of the penalty at the
    # default share (full from 20 %), the whole penalty when the share is loosened to 4 %.
    f = make_op(
        n_accounts=5,
        phase_counts={"reconnaissance": 6, "engagement": 1, "exploitation": 14},
        domains={"kathimerini.news": None},
        domain_styles=Counter({"news": 1}),
    )
    pol = AttributionPolicy()
    part = evidence_scores(f, "cytrox", pol)["unexplained contact"]
    assert part == pytest.approx(-pol.contact_contradiction_weight * (1 / 21) / 0.2)
    loose = AttributionPolicy(contact_contradiction_share=0.04)
    full = evidence_scores(f, "cytrox", loose)["unexplained contact"]
    assert full == pytest.approx(-loose.contact_contradiction_weight)


def _platform() -> Platform:
    # "loud" profiles five at-risk people; "quiet" only messages two of them, six and two
    # times, without links (a persona who scores nothing of its own).
    p = Platform()
    for i in range(5):
        p.account(f"r{i}", at_risk="journalist", country="HU")
    p.account("loud", age_days=40)
    p.account("quiet", age_days=40)
    for i in range(5):
        p.event(T0 + timedelta(hours=i), "loud", "profile_view", f"r{i}")
    for k, (who, n) in enumerate((("r0", 6), ("r1", 2))):
        for j in range(n):
            p.event(T0 + timedelta(days=k + 1, minutes=j), "quiet", "message", who)
    return p


def _contexts(p: Platform) -> tuple[DetectionContext, DetectionContext]:
    """(whole, within): every event, and the events of the coordination candidates only."""
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    bad = ibis.memtable(
        pa.table({k: pa.array([], pa.string()) for k in ("domain", "label", "reason", "actor")})
    )
    whole = DetectionContext(acc, ev, bad)
    cands = ibis.memtable(pa.table({"account_id": ["loud"]}))
    return whole, whole.with_actor_events(_actor_events(whole, cands))


def test_ring_members_who_are_not_candidates_keep_their_actions() -> None:
    whole, within = _contexts(_platform())
    core = ibis.memtable(pa.table({"account_id": ["loud", "quiet"], "operation_id": ["op"] * 2}))
    # Read from the candidates' events, the quiet persona contacted nobody (main before
    # session 9: its operation read as reconnaissance only).
    (blind,) = operation_features(within, core)
    assert blind.phase_counts["engagement"] == 0
    (f,) = operation_features(
        profile_context(within, whole, core, ["loud"], ["loud", "quiet"]), core
    )
    assert f.phase_counts == {"reconnaissance": 5, "engagement": 8, "exploitation": 0}
    assert f == operation_features(whole, core)[0]


def test_candidates_covering_the_core_keep_the_narrow_context() -> None:
    whole, within = _contexts(_platform())
    core = ibis.memtable(pa.table({"account_id": ["loud"], "operation_id": ["op"]}))
    assert profile_context(within, whole, core, ["loud"], ["loud"]) is within
    assert profile_context(whole, whole, core, [], ["loud"]) is whole
