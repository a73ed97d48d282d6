"""The benchmark generator's ring timings (benchmarks/synth.py): coordinated rings work each
person within the campaign span; the uniform (original) timing does not; everything but the
ring timestamps is the same in both."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from benchmarks.synth import generate


def _events(home: Path, name: str) -> pa.Table:
    return pq.read_table(home / "loads" / "bench" / "events" / name)


def _spreads_hours(home: Path) -> list[float]:
    """Per (ring, target): hours between the first and last ring action on it."""
    ring = _events(home, "part-ring.parquet").to_pandas()
    ring["ring"] = ring["ip"]
    ts = ring.groupby(["ring", "target_id"])["ts"]
    return list(((ts.max() - ts.min()).dt.total_seconds() / 3600).to_numpy())


def test_coordinated_rings_act_on_a_person_within_the_campaign_span(tmp_path: Path) -> None:
    generate(
        tmp_path / "c", 5000, rings=3, ring_size=5, ring_timing="coordinated", campaign_hours=48
    )
    spreads = _spreads_hours(tmp_path / "c")
    assert spreads
    assert max(spreads) <= 48


def test_uniform_rings_spread_over_the_month(tmp_path: Path) -> None:
    generate(tmp_path / "u", 5000, rings=3, ring_size=5)
    spreads = _spreads_hours(tmp_path / "u")
    # Several members per shared person, timed anywhere in 30 days: most spreads exceed a week.
    assert sum(s > 168 for s in spreads) > len(spreads) / 2


def test_both_timings_share_everything_but_the_ring_timestamps(tmp_path: Path) -> None:
    pu = generate(tmp_path / "u", 5000, rings=3, ring_size=5)
    pc_ = generate(tmp_path / "c", 5000, rings=3, ring_size=5, ring_timing="coordinated")
    assert pu == pc_
    bu, bc = (
        _events(tmp_path / "u", "part-0000.parquet"),
        _events(tmp_path / "c", "part-0000.parquet"),
    )
    assert bu.equals(bc)
    ru, rc = (
        _events(tmp_path / "u", "part-ring.parquet"),
        _events(tmp_path / "c", "part-ring.parquet"),
    )
    assert ru.drop_columns(["ts"]).equals(rc.drop_columns(["ts"]))
    assert not pc.all(pc.equal(ru["ts"], rc["ts"])).as_py()


def test_an_unknown_timing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ring_timing"):
        generate(tmp_path / "x", 5000, ring_timing="bursty")
