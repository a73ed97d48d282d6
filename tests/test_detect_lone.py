"""A lone flagged account nobody confirms needs more evidence (detect/lone.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest

from counterspy.detect.base import SIGNAL_COLUMNS
from counterspy.detect.lone import LoneAccounts
from counterspy.detect.photomates import UnconfirmedPhotos
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged
from tests.detect_fixtures import run_plant as _run


@dataclass(frozen=True)
class Planted:
    p: Platform
    reader: str  # reads at-risk strangers' profiles and friend lists; a stock photo
    off: DetectionResult
    on: DetectionResult
    loose: DetectionResult


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=29, viral_crowd=0)
    reader = p.account("reader", age_days=500, photo="stock-avatar-1")
    for k in range(2):  # two ordinary people, years on the platform, with the same avatar
        p.account(f"avatar{k}", age_days=2000, photo="stock-avatar-1")
    for k, r in enumerate(f"r{i:03d}" for i in range(22, 28)):
        ts = T0 + timedelta(days=3 + 2 * k)
        p.event(ts, reader, "profile_view", r, ip=f"198.51.100.{40 + k}")
        p.event(ts + timedelta(minutes=4), reader, "friend_list_view", r, ip="198.51.100.40")
    tmp = tmp_path_factory.mktemp("lone")
    # The reader's avatar-mates show nothing of their own: the unconfirmed-photo rule
    # (detect/photomates.py) would drop it first; off here, so this tests the lone rule alone.
    no_photo = UnconfirmedPhotos(enabled=False)
    return Planted(
        p,
        reader,
        off=_run(
            tmp / "off", p, DetectionConfig(lone=LoneAccounts(enabled=False), photos=no_photo)
        ),
        on=_run(tmp / "on", p, DetectionConfig(photos=no_photo)),
        loose=_run(
            tmp / "loose",
            p,
            DetectionConfig(lone=LoneAccounts(extra_evidence=0.0), photos=no_photo),
        ),
    )


def test_lone_unconfirmed_reader_is_not_flagged(planted: Planted) -> None:
    pl = planted
    # The look-alike is real: at-risk reading (capped at 0.9) plus a shared photo flags it.
    assert pl.reader in _flagged(pl.off)
    assert pl.reader not in _flagged(pl.on)
    rows = pl.on.signals[pl.on.signals["signal"] == "lone_unconfirmed"]
    row = rows.set_index("account_id").loc[pl.reader]
    assert row["weight"] == -0.4
    assert "alone in its operation, no bad link" in str(row["evidence"])
    assert set(rows["account_id"]) == {pl.reader}


def test_operations_are_kept(planted: Planted) -> None:
    rings = set(planted.p.rings["A"]) | set(planted.p.rings["B"])
    assert rings <= _flagged(planted.on)
    assert _flagged(planted.on) == _flagged(planted.off) - {planted.reader}


def test_no_extra_evidence_lets_the_reader_back(planted: Planted) -> None:
    assert planted.reader in _flagged(planted.loose)


def _sig(account: str, signal: str, weight: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(SIGNAL_COLUMNS)
    row.update(account_id=account, signal=signal, weight=weight, phase="reconnaissance")
    return row


def test_rows_exempt_bad_links_members_and_confirmed_accounts() -> None:
    signals = pd.DataFrame(
        [
            _sig("alone", "at_risk_strangers", 0.6),
            _sig("linker", "malicious_links", 1.0),
            _sig("confirmed", "at_risk_strangers", 0.6),
            _sig("m1", "at_risk_strangers", 0.6),
            _sig("m2", "at_risk_strangers", 0.6),
        ],
        columns=list(SIGNAL_COLUMNS),
    )
    scores = pd.Series({"alone": 1.0, "linker": 1.0, "confirmed": 1.1, "m1": 1.2, "m2": 1.2})
    membership = {"alone": "op-1", "linker": "op-2", "confirmed": "op-3", "m1": "op-4"}
    membership["m2"] = "op-4"
    # "alone" is tied only to an unflagged suspect; "confirmed" to a flagged member of op-4.
    edges = pd.DataFrame({"a": ["alone", "confirmed"], "b": ["suspect", "m1"]})
    out = LoneAccounts().rows(signals, scores, edges, membership, 1.0)
    assert out["account_id"].tolist() == ["alone"]
    assert out["value"].tolist() == [1.0]  # one coordination peer, not flagged
    assert out["weight"].tolist() == [-0.4]
    assert LoneAccounts(enabled=False).rows(signals, scores, edges, membership, 1.0).empty
