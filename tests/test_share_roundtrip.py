"""Round trips through the real importer: export → import → export gives the same bytes.

Hypothesis draws indicator sets (every canonical type, TLP levels, actors, comments, dates);
each is exported, read back by ``counterspy share import``'s reader and normaliser, and
exported again.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from counterspy.intel.formats import actor_from_text
from counterspy.intel.values import BadValueError, normalise_value
from counterspy.share.collect import collapse, firms_for
from counterspy.share.findings import Findings, IndicatorFinding, Producer, data_time
from counterspy.share.importing import plan_indicators, prepare_shared
from counterspy.share.tlp import Tlp
from counterspy.share.writers import writer

ACTORS = [None, "cytrox", "cobwebs", "black_cube", "bluehawk", "china_unknown", "nso_group"]
label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
domain = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(label, min_size=1, max_size=3),
    st.sampled_from(["com", "org", "net", "io", "xyz", "co.uk"]),
)
hexes = st.text("0123456789abcdef", min_size=1, max_size=1)
RAW: dict[str, st.SearchStrategy[str]] = {
    "domain": domain,
    "url": st.builds(lambda d, p: f"https://{d}/{p}", domain, label),
    "ip": st.ip_addresses().map(str),
    "email": st.builds(lambda u, d: f"{u}@{d}", label, domain),
    "md5": st.text("0123456789abcdef", min_size=32, max_size=32),
    "sha1": st.text("0123456789abcdef", min_size=40, max_size=40),
    "sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
    "process": st.text(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12
    ),
    "filename": st.builds(lambda ps: "/" + "/".join(ps), st.lists(label, min_size=1, max_size=3)),
}
comment = st.text("abcdefghijklm nopqrstuvwxyz,.()", min_size=1, max_size=30).map(str.strip)


@st.composite
def indicator(draw: st.DrawFn, kinds: list[str]) -> IndicatorFinding:
    kind = draw(st.sampled_from(kinds))
    raw = draw(RAW[kind])
    try:
        norm = normalise_value(kind, raw)
    except BadValueError:
        assume(False)
        raise
    note = draw(st.none() | comment)
    assume(note is None or (note and actor_from_text(note) is None))
    day = draw(st.none() | st.dates(date(2015, 1, 1), date(2026, 1, 1)))
    observable = "file:path" if kind == "filename" and draw(st.booleans()) else None
    return IndicatorFinding(
        kind=norm.type,
        value=norm.normalized,
        tlp=draw(st.sampled_from(list(Tlp))),
        source="test",
        observable=observable,
        published=day.isoformat() if day else None,
        actor=draw(st.sampled_from(ACTORS)),
        comment=note,
    )


def _findings(indicators: tuple[IndicatorFinding, ...]) -> Findings:
    inds = collapse(indicators)
    return Findings(
        producer=Producer("roundtrip"),
        as_of=data_time((), inds),
        firms=firms_for(i.actor for i in inds if i.actor),
        indicators=inds,
    )


def _round_trip(fmt: str, profile: str, indicators: list[IndicatorFinding], ceiling: Tlp) -> None:
    w = writer(fmt)
    first = w.write(_findings(tuple(indicators)), tlp=ceiling, profile=profile).text
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{w.suffix}"
        path.write_text(first, encoding="utf-8")
        plan = prepare_shared([path], default_tlp=ceiling)
    back = plan_indicators(plan, ceiling)
    assert all(ceiling.allows(i.tlp) for i in back)
    second = w.write(_findings(back), tlp=ceiling, profile=profile).text
    assert second == first


ALL_KINDS = list(RAW)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@pytest.mark.parametrize("profile", ["strict", "mvt"])
@SETTINGS
@given(
    st.lists(indicator(ALL_KINDS), min_size=1, max_size=12),
    st.sampled_from(list(Tlp)),
)
def test_stix_round_trip_is_identical(
    profile: str, indicators: list[IndicatorFinding], ceiling: Tlp
) -> None:
    _round_trip("stix", profile, indicators, ceiling)


@SETTINGS
@given(st.lists(indicator(ALL_KINDS), min_size=1, max_size=12), st.sampled_from(list(Tlp)))
def test_misp_round_trip_is_identical(indicators: list[IndicatorFinding], ceiling: Tlp) -> None:
    _round_trip("misp", "strict", indicators, ceiling)


@SETTINGS
@given(st.lists(indicator(ALL_KINDS), min_size=1, max_size=12), st.sampled_from(list(Tlp)))
def test_meta_csv_round_trip_is_identical(indicators: list[IndicatorFinding], ceiling: Tlp) -> None:
    _round_trip("meta-csv", "strict", indicators, ceiling)


@pytest.mark.parametrize("fmt", ["stix", "misp"])
def test_markings_survive_the_round_trip(fmt: str) -> None:
    inds = [
        IndicatorFinding("domain", "a.example.com", Tlp.AMBER_STRICT, "t"),
        IndicatorFinding("domain", "b.example.com", Tlp.GREEN, "t"),
    ]
    w = writer(fmt)
    text = w.write(_findings(tuple(inds)), tlp=Tlp.RED, profile="strict").text
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"x{w.suffix}"
        path.write_text(text, encoding="utf-8")
        back = plan_indicators(prepare_shared([path], default_tlp=Tlp.CLEAR), Tlp.CLEAR)
    assert {i.value: i.tlp for i in back} == {
        "a.example.com": Tlp.AMBER_STRICT,
        "b.example.com": Tlp.GREEN,
    }
