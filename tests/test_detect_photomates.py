"""A photo shared only with accounts that show nothing is no tie (detect/photomates.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext
from counterspy.detect.photomates import UnconfirmedPhotos
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged
from tests.detect_fixtures import run_plant as _run


@dataclass(frozen=True)
class Planted:
    p: Platform
    reader: str  # reads at-risk strangers at large; shares a family photo
    mate: str  # an ordinary account with the same photo, doing nothing a persona does
    off: DetectionResult
    on: DetectionResult
    loose: DetectionResult


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=31, viral_crowd=0)
    reader = p.account("reader", age_days=300, photo="family-photo-1")
    mate = p.account("mate", age_days=200, photo="family-photo-1")
    p.event(T0 + timedelta(days=1), mate, "post", None, ip="203.0.113.77")
    for k, r in enumerate(f"r{i:03d}" for i in range(22, 28)):
        ts = T0 + timedelta(days=3 + 2 * k)
        p.event(ts, reader, "profile_view", r, ip=f"198.51.100.{40 + k}")
        p.event(ts + timedelta(minutes=4), reader, "friend_list_view", r, ip="198.51.100.40")
    tmp = tmp_path_factory.mktemp("photomates")
    return Planted(
        p,
        reader,
        mate,
        off=_run(tmp / "off", p, DetectionConfig(photos=UnconfirmedPhotos(enabled=False))),
        on=_run(tmp / "on", p, DetectionConfig()),
        loose=_run(
            tmp / "loose", p, DetectionConfig(photos=UnconfirmedPhotos(min_other_evidence=0.0))
        ),
    )


@pytest.mark.slow
def test_a_reader_and_its_photo_mate_are_no_operation(planted: Planted) -> None:
    pl = planted
    # The look-alike is real: the photo flags the reader, then admits the mate to its
    # "operation" (so the lone-account rule does not apply).
    assert {pl.reader, pl.mate} <= _flagged(pl.off)
    assert not {pl.reader, pl.mate} & _flagged(pl.on)
    rows = pl.on.signals[pl.on.signals["signal"] == "unconfirmed_photo"].set_index("account_id")
    assert set(rows.index) == {pl.reader, pl.mate}
    assert "no account that shows evidence of its own" in str(rows.loc[pl.reader, "evidence"])
    assert "only accounts whose own photo tie is unconfirmed" in str(rows.loc[pl.mate, "evidence"])
    assert (rows["weight"] < 0).all()
    # The window is the photo evidence's own (the rows it takes off).
    assert rows["window_start"].notna().all()
    assert rows["window_end"].notna().all()


@pytest.mark.slow
def test_operations_are_kept(planted: Planted) -> None:
    rings = set(planted.p.rings["A"]) | set(planted.p.rings["B"])
    assert rings <= _flagged(planted.on)
    assert _flagged(planted.on) == _flagged(planted.off) - {planted.reader, planted.mate}


@pytest.mark.slow
def test_no_evidence_bar_lets_the_pair_back(planted: Planted) -> None:
    assert {planted.reader, planted.mate} <= _flagged(planted.loose)


def _sig(account: str, signal: str, weight: float, phase: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(SIGNAL_COLUMNS)
    row.update(account_id=account, signal=signal, weight=weight, phase=phase)
    return row


def _ctx(photos: dict[str, str]) -> DetectionContext:
    acc = ibis.memtable(pa.table({"account_id": list(photos), "photo_hash": list(photos.values())}))
    return DetectionContext(acc, acc, acc)


def test_rows_keep_confirmed_photos_and_other_ties() -> None:
    photos = {
        "reader": "p1",
        "silent": "p1",  # reader's photo-mate: nothing of its own
        "persona": "p2",
        "mate": "p2",  # persona's photo-mate reads at-risk people too (0.3)
        "tied": "p3",
        "silent2": "p3",  # tied shares an address with a suspect besides the photo
    }
    signals = pd.DataFrame(
        [
            _sig("reader", "at_risk_strangers", 0.8, "reconnaissance"),
            _sig("reader", "shared_photo", 0.2, "engagement"),
            _sig("silent", "shared_photo", 0.2, "engagement"),
            _sig("persona", "at_risk_strangers", 0.8, "reconnaissance"),
            _sig("persona", "shared_photo", 0.2, "engagement"),
            _sig("mate", "at_risk_strangers", 0.3, "reconnaissance"),
            _sig("mate", "shared_photo", 0.2, "engagement"),
            _sig("tied", "at_risk_strangers", 0.4, "reconnaissance"),
            _sig("tied", "shared_ip", 0.4, "coordination"),
            _sig("tied", "shared_photo", 0.2, "engagement"),
        ],
        columns=list(SIGNAL_COLUMNS),
    )
    scores = pd.Series({"reader": 1.0, "silent": 0.2, "persona": 1.0, "mate": 0.5, "tied": 1.0})
    ctx = _ctx(photos)
    out = UnconfirmedPhotos().rows(ctx, signals, scores, 1.0)
    assert out["account_id"].tolist() == ["reader"]
    assert out["weight"].round(6).tolist() == [-0.2]
    assert out["value"].tolist() == [2.0]  # two accounts use the photo
    # A higher bar for the photo-mates' own evidence refuses the persona's mate too.
    strict = UnconfirmedPhotos(min_other_evidence=0.35).rows(ctx, signals, scores, 1.0)
    assert strict["account_id"].tolist() == ["persona", "reader"]
    # Without the coordination exemption the account tied by an address goes as well.
    untied = UnconfirmedPhotos(tie_phase="none").rows(ctx, signals, scores, 1.0)
    assert untied["account_id"].tolist() == ["reader", "tied"]
    assert UnconfirmedPhotos(enabled=False).rows(ctx, signals, scores, 1.0).empty
