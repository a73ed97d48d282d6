"""Courted at-risk strangers (detect/courting.py): a persona's long, answered conversations.

One platform: a planted persona contacts 3 accounts and courts two at-risk strangers with 6
messages each (both answer); a look-alike (a busy recruiter) courts one at-risk stranger the
same way but contacts 12 ordinary people as well. Loosening the share limit admits it. A
second persona courts one at-risk stranger and has no other evidence: the signal flags it
alone (``ScoringPolicy.uncapped_signals``); with the engagement cap it is not flagged. A
second look-alike, a friend, comments on an at-risk person's posts and then chats with them at
length: an acquaintance, not a stranger courted (session 7); ``skip_acquainted=False`` admits it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from counterspy.detect.courting import CourtedStrangers
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import run_plant as _run


@dataclass(frozen=True)
class Planted:
    persona: str
    recruiter: str
    suitor: str
    friend: str
    on: DetectionResult
    loose: DetectionResult
    capped: DetectionResult
    unskipped: DetectionResult


def _court(p: Platform, actor: str, target: str, day: int, messages: int) -> None:
    ts = T0 + timedelta(days=day)
    p.event(ts, actor, "friend_request", target)
    p.event(ts + timedelta(hours=3), target, "friend_accept", actor)
    for k in range(messages):
        p.event(ts + timedelta(hours=5 + 7 * k), actor, "message", target)
    p.event(ts + timedelta(hours=9), target, "message", actor)


def _loosened(config: DetectionConfig, **kw: object) -> DetectionConfig:
    dets = tuple(
        replace(d, **kw) if isinstance(d, CourtedStrangers) else d for d in config.detectors
    )
    return replace(config, detectors=dets)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=23, viral_crowd=0)
    persona = p.account("persona", age_days=300)
    _court(p, persona, "r030", day=20, messages=6)
    _court(p, persona, "r031", day=24, messages=6)
    p.event(T0 + timedelta(days=26), persona, "message", "b0400")
    recruiter = p.account("recruiter", age_days=300)
    # r025 is no ring's target: courting an operation's target as a stranger is operation
    # evidence of its own (operation_courting, tests/test_detect_opcourting.py).
    _court(p, recruiter, "r025", day=20, messages=6)
    for i in range(12):
        p.event(T0 + timedelta(days=10 + i), recruiter, "message", f"b{410 + i:04d}")
    # A persona with no other evidence at all: it courts one at-risk stranger nobody else
    # targets (r026) and writes to one ordinary account.
    suitor = p.account("suitor", age_days=300)
    _court(p, suitor, "r026", day=12, messages=7)
    p.event(T0 + timedelta(days=14), suitor, "message", "b0401")
    friend = p.account("friend", age_days=300)
    p.event(T0 + timedelta(days=5), friend, "comment", "r033")
    p.event(T0 + timedelta(days=6), friend, "reaction", "r033")
    _court(p, friend, "r033", day=20, messages=6)
    tmp = tmp_path_factory.mktemp("courting")
    base = DetectionConfig()
    loose = _loosened(base, min_share=0.05)
    capped = replace(base, scoring=replace(base.scoring, uncapped_signals=()))
    unskipped = _loosened(base, skip_acquainted=False)
    return Planted(
        persona,
        recruiter,
        suitor,
        friend,
        _run(tmp / "on", p, base),
        _run(tmp / "loose", p, loose),
        _run(tmp / "capped", p, capped),
        _run(tmp / "unskipped", p, unskipped),
    )


def _courted(r: DetectionResult) -> set[str]:
    s = r.signals
    return set(s.account_id[s.signal == "courted_strangers"])


def _flagged(r: DetectionResult) -> set[str]:
    a = r.accounts
    return set(a.account_id[a.flagged])


def test_persona_courting_at_risk_strangers_is_flagged(planted: Planted) -> None:
    assert planted.persona in _courted(planted.on)
    assert planted.persona in _flagged(planted.on)
    ev = planted.on.signals
    row = ev[(ev.account_id == planted.persona) & (ev.signal == "courted_strangers")].iloc[0]
    assert row.value == 2
    assert "67% of 3 accounts contacted" in row.evidence


def test_busy_recruiter_is_refused(planted: Planted) -> None:
    assert planted.recruiter not in _courted(planted.on)
    assert planted.recruiter not in _flagged(planted.on)


def test_loosening_the_share_admits_the_recruiter(planted: Planted) -> None:
    assert planted.recruiter in _courted(planted.loose)


def test_courting_alone_flags_the_suitor(planted: Planted) -> None:
    """courted_strangers is held to no phase cap (ScoringPolicy.uncapped_signals) and exempt
    from the lone-account counter-evidence: it flags an account with no other evidence."""
    assert planted.suitor in _flagged(planted.on)
    sig = planted.on.signals
    assert set(sig.signal[sig.account_id == planted.suitor]) == {"courted_strangers"}


def test_capped_courting_does_not_flag_alone(planted: Planted) -> None:
    assert planted.suitor in _courted(planted.capped)
    assert planted.suitor not in _flagged(planted.capped)
    # The recruiter stays out either way: the share limit, not the cap, refuses it.
    assert planted.recruiter not in _flagged(planted.on)


def test_a_friend_chatting_with_an_acquaintance_is_not_courting(planted: Planted) -> None:
    assert planted.friend not in _courted(planted.on)
    assert planted.friend not in _courted(planted.loose)
    # Counting acquaintances, the same conversation reads as courting a stranger.
    assert planted.friend in _courted(planted.unskipped)
    assert planted.persona in _courted(planted.unskipped)
