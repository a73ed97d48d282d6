"""Co-action pairs within a sliding gap, not only a calendar bucket (CoAction.max_gap_hours).

One platform: a three-persona ring on one device reads six journalists in three days, a fourth
persona (no shared device, no photo: only co-action ties it) reads them the next days, and a
long-standing reader (an NGO's analyst) reads the same six two weeks later, in the same 30-day
bucket. Detected with the default gap, with the gap off (bucket only) and with a gap long
enough to reach the reader. Operation expansion and operation-evidence admissions are off in
all three runs: they admit a weak stranger on six of an operation's targets on their own
evidence (detect/expand.py, detect/opevidence.py), different rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from counterspy.detect.coordination import CoAction
from counterspy.detect.expand import OperationExpansion
from counterspy.detect.opevidence import OperationEvidence
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged
from tests.detect_fixtures import run_plant as _run


@dataclass(frozen=True)
class Planted:
    p: Platform
    ring: list[str]
    quiet: str  # the fourth persona: tied to the ring by co-action only
    reader: str
    on: DetectionResult
    off: DetectionResult
    loose: DetectionResult


def _read(p: Platform, actor: str, people: list[str], day: float, **kw: str) -> None:
    for k, t in enumerate(people):
        ts = T0 + timedelta(days=day, hours=8 * k)
        p.event(ts, actor, "profile_view", t, **kw)
        p.event(ts + timedelta(minutes=3), actor, "friend_list_view", t, **kw)


def _config(co_action: CoAction) -> DetectionConfig:
    return DetectionConfig(
        co_action=co_action,
        expansion=OperationExpansion(enabled=False),
        op_evidence=OperationEvidence(enabled=False),
    )


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=31, viral_crowd=0)
    people = [p.account(f"gj{i}", at_risk="journalist", country="MX") for i in range(6)]
    ring = [p.account(f"gop{i}", age_days=20, country="MX") for i in range(3)]
    for i, o in enumerate(ring):
        _read(p, o, people, 3 + 0.3 * i, device="gap-dev-1", ip=f"198.51.100.{10 + i}")
    quiet = p.account("gop-quiet", age_days=60, country="MX")
    _read(p, quiet, people, 5, ip="198.51.100.20", country="MX")
    reader = p.account("ngo-reader", age_days=900, country="MX")
    _read(
        p, reader, people, 16, ip="198.51.100.30", country="MX"
    )  # ≥ 9 days after the last persona
    tmp = tmp_path_factory.mktemp("gap")
    return Planted(
        p,
        ring,
        quiet,
        reader,
        on=_run(tmp / "on", p, _config(CoAction())),
        off=_run(tmp / "off", p, _config(CoAction(max_gap_hours=None))),
        loose=_run(tmp / "loose", p, _config(CoAction(max_gap_hours=24 * 14))),
    )


def _co_action(r: DetectionResult, account: str) -> list[str]:
    """Evidence sentences of ``account``'s co-action signal rows."""
    s = r.signals
    rows = s[(s["account_id"] == account) & (s["signal"] == "co_action")]
    return [str(e) for e in rows["evidence"]]


def test_bucket_alone_flags_the_late_reader(planted: Planted) -> None:
    # The look-alike is real: with the bucket alone it co-acts with the ring and is flagged.
    assert planted.reader in _flagged(planted.off)
    assert _co_action(planted.off, planted.reader)


def test_late_reader_is_not_paired_nor_flagged(planted: Planted) -> None:
    assert not _co_action(planted.on, planted.reader)
    assert planted.reader not in _flagged(planted.on)


def test_ring_and_co_acting_persona_are_kept(planted: Planted) -> None:
    flagged = _flagged(planted.on)
    assert set(planted.ring) | {planted.quiet} <= flagged
    (evidence,) = _co_action(planted.on, planted.quiet)
    assert "co_action with 3 suspicious accounts" in evidence
    assert "each within 168 h of the other" in evidence


def test_longer_gap_lets_the_reader_back(planted: Planted) -> None:
    assert planted.reader in _flagged(planted.loose)
