"""Addresses from a pool the account rotates through link nobody (detect/rotating.py).

One platform, detected with the rule off (the look-alike is real: it is flagged there), on, and
loosened (a higher address count before an account counts as rotating).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import ibis
import pyarrow as pa
import pytest

from counterspy.detect.coordination import SharedInfrastructure
from counterspy.detect.pipeline import DetectionConfig, DetectionResult
from counterspy.detect.rotating import RotatingAddresses
from tests.detect_fixtures import T0, Platform, build_platform
from tests.detect_fixtures import flagged as _flagged
from tests.detect_fixtures import run_plant as _run

RING_B_IP = "192.0.2.77"  # ring B's one address (detect_fixtures), on the default ASN 3320


@dataclass(frozen=True)
class Planted:
    p: Platform
    commuter: str  # rotates through 3 addresses of ASN 3320, one of them ring B's, by chance
    persona: str  # a quiet persona whose one address on that network is ring B's
    off: DetectionResult
    on: DetectionResult
    loose: DetectionResult


def _look(p: Platform, actor: str, people: list[str], ips: list[str]) -> None:
    for k, t in enumerate(people):
        ts = T0 + timedelta(days=41 + k)
        p.event(ts, actor, "profile_view", t, ip=ips[k % len(ips)], country="GR")
        p.event(ts + timedelta(minutes=5), actor, "login", ip=ips[(k + 1) % len(ips)])


def _infra(rotating: RotatingAddresses) -> DetectionConfig:
    return DetectionConfig(infrastructure=SharedInfrastructure(rotating=rotating))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    p = build_platform(seed=23, viral_crowd=0)
    # Both look, as strangers, at two at-risk people (0.3: acting on at-risk strangers) and
    # share ring B's address (three suspicious peers: +0.8). Neither is old enough to count as
    # established.
    commuter = p.account("commuter", age_days=300, country="GR")
    _look(p, commuter, ["r036", "r037"], [RING_B_IP, "192.0.2.78", "192.0.2.79"])
    persona = p.account("persona", age_days=60, country="GR")
    _look(p, persona, ["r038", "r039"], [RING_B_IP])
    tmp = tmp_path_factory.mktemp("rotating")
    return Planted(
        p,
        commuter,
        persona,
        off=_run(tmp / "off", p, _infra(RotatingAddresses(enabled=False))),
        on=_run(tmp / "on", p, DetectionConfig()),
        loose=_run(tmp / "loose", p, _infra(RotatingAddresses(min_addresses=4))),
    )


def test_pool_address_shared_by_chance_does_not_flag(planted: Planted) -> None:
    pl = planted
    # The look-alike is real: with every address linking, it is flagged with ring B.
    assert pl.commuter in _flagged(pl.off)
    assert pl.commuter not in _flagged(pl.on)
    on = pl.on.signals
    assert on[(on["account_id"] == pl.commuter) & (on["signal"] == "shared_ip")].empty


def test_persona_on_the_operation_address_is_kept(planted: Planted) -> None:
    pl = planted
    flagged = _flagged(pl.on)
    assert pl.persona in flagged
    assert set(pl.p.rings["B"]) <= flagged
    ops = pl.on.accounts.set_index("account_id")["operation_id"]
    assert ops[pl.persona] == ops[pl.p.rings["B"][0]]
    row = pl.on.signals[
        (pl.on.signals["account_id"] == pl.persona) & (pl.on.signals["signal"] == "shared_ip")
    ]
    assert row["value"].tolist() == [3.0]  # the three ring B accounts


def test_loosened_limit_lets_the_look_alike_back(planted: Planted) -> None:
    # Three addresses on one network are below a limit of four: they link again.
    assert planted.commuter in _flagged(planted.loose)


def test_stable_keeps_single_addresses_per_network() -> None:
    ev = ibis.memtable(
        pa.table(
            {
                "actor_id": ["a", "a", "a", "b", "b", "c", "c"],
                "ip": ["1.1.1.1", "1.1.1.2", "9.9.9.9", "1.1.1.1", "1.1.1.1", "1.1.1.1", None],
                "asn": pa.array([1, 1, 2, 1, 1, None, None], pa.int64()),
            }
        )
    )
    actors = ibis.memtable(pa.table({"account_id": ["a", "b", "c"]}))
    got = RotatingAddresses(min_addresses=2).stable(ev, actors).to_pyarrow().to_pydict()
    pairs = set(zip(got["actor"], got["key"], strict=True))
    # a rotates on ASN 1 (two addresses) but has one address on ASN 2; c's network is unknown
    # (null ASN): one address there.
    assert pairs == {("a", "9.9.9.9"), ("b", "1.1.1.1"), ("c", "1.1.1.1")}
    loose = RotatingAddresses(min_addresses=3).stable(ev, actors).to_pyarrow().to_pydict()
    assert ("a", "1.1.1.1") in set(zip(loose["actor"], loose["key"], strict=True))
