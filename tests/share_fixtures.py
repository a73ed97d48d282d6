"""Hand-made findings for the sharing tests (no simulator needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from counterspy.share.collect import firms_for
from counterspy.share.findings import (
    Findings,
    IndicatorFinding,
    Operation,
    Producer,
    Sighting,
    TargetAggregate,
)
from counterspy.share.tlp import Tlp

T1 = datetime(2021, 10, 3, 8, 0, tzinfo=UTC)
T2 = datetime(2021, 10, 20, 17, 30, 15, 250000, tzinfo=UTC)


def sample_findings() -> Findings:
    ops = (
        Operation(
            "op-0001", "cytrox", 0.8, "Cytrox: score 5.0", 5, 12, ("engagement",), T1, T2, Tlp.AMBER
        ),
        Operation(
            "op-0002", None, 0.1, "no firm matched", 9, 30, ("reconnaissance",), T1, T2, Tlp.RED
        ),
    )
    inds = (
        IndicatorFinding(
            "domain",
            "news-update.example.com",
            Tlp.GREEN,
            "counterspy-detect",
            actor="cytrox",
            comment="malicious: lookalike",
            operations=("op-0001",),
        ),
        IndicatorFinding(
            "url", "https://bad.example.org/x?id=1", Tlp.CLEAR, "feed", published="2021-12-16"
        ),
        IndicatorFinding("ip", "192.0.2.7", Tlp.AMBER, "feed", actor="cytrox"),
        IndicatorFinding("ip", "2001:db8::7", Tlp.AMBER, "feed"),
        IndicatorFinding("email", "ops@bad.example.org", Tlp.AMBER_STRICT, "feed"),
        IndicatorFinding("sha256", "a" * 64, Tlp.CLEAR, "feed", actor="cytrox"),
        IndicatorFinding("md5", "b" * 32, Tlp.CLEAR, "feed"),
        IndicatorFinding("process", "UserEventAgent", Tlp.CLEAR, "feed", actor="cytrox"),
        IndicatorFinding(
            "filename",
            "/private/var/tmp/hooker",
            Tlp.CLEAR,
            "feed",
            observable="file:path",
            actor="cytrox",
        ),
        IndicatorFinding(
            "other",
            "76DAB334-7E17-475D-A5D6-0794EB5818A5",
            Tlp.CLEAR,
            "feed",
            observable="configuration-profile:id",
            actor="cytrox",
        ),
        IndicatorFinding("domain", "red.example.net", Tlp.RED, "partner", operations=("op-0002",)),
    )
    sightings = (
        Sighting(("domain", "news-update.example.com"), "op-0001", 14, T1, T2, Tlp.AMBER),
        Sighting(("domain", "red.example.net"), "op-0002", 3, T1, T2, Tlp.RED),
    )
    aggs = (
        TargetAggregate("op-0001", "country", "GR", 7, Tlp.AMBER),
        TargetAggregate("op-0001", "country", "other", 5, Tlp.AMBER),
        TargetAggregate("op-0001", "category", "journalist", 6, Tlp.AMBER),
        TargetAggregate("op-0002", "country", "EG", 30, Tlp.RED),
    )
    return Findings(
        producer=Producer("Example Platform Security"),
        as_of=T2,
        firms=firms_for(["cytrox"]),
        operations=ops,
        indicators=inds,
        sightings=sightings,
        aggregates=aggs,
        title="test findings",
    )
