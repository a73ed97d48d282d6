"""Exploitation spread: rare domains sent to several at-risk people, and an operation's bad
domains admitting the personas who send them (docs/detection.md, "Exploitation spread")."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from counterspy.analytics import connect, load_tables
from counterspy.detect.base import DetectionContext
from counterspy.detect.linkring import LinkRings, admit_link_rings
from counterspy.detect.links import BAD_DOMAIN_SCHEMA, LinkHeuristic, judge_domains
from counterspy.detect.opevidence import OperationEvidence, admit
from counterspy.detect.pipeline import DetectionConfig, _memtable, run_detection
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, Platform, build_platform, domain_stats_frame


def _stats(*rows: tuple[str, int, int, int]) -> pd.DataFrame:
    return domain_stats_frame(*rows, events_per_recipient=2)


# The planted case: an operation's throw-away domain, 3 senders, 3 of its 6 recipients at risk
# (half of an operation's targets are outside the protection programme). Then its look-alikes,
# each one limit away.
PLANTED = ("meetportal.live", 3, 6, 3)
LOOKALIKES = {
    "busy": ("cafe-report.pk", 11, 12, 4),  # 11 senders: not one operation's
    "diluted": ("garden-books.com", 2, 10, 2),  # 2 at-risk of 10 recipients: 20 %
    "single": ("kids-studio.org", 1, 2, 1),  # one at-risk recipient
    "newspaper": ("francetvinfo.fr", 3, 6, 3),  # a real newspaper's own site
}


def _judged(h: LinkHeuristic) -> dict[str, str]:
    bad = h.judge(_stats(PLANTED, *LOOKALIKES.values()))
    return dict(zip(bad["domain"], bad["reason"], strict=True))


def test_spread_judges_the_planted_domain_suspicious_and_says_why() -> None:
    bad = LinkHeuristic().judge(_stats(PLANTED, *LOOKALIKES.values()))
    assert list(bad["domain"]) == ["meetportal.live"]
    row = bad.iloc[0]
    assert row["label"] == "suspicious"
    assert row["reason"] == (
        "rare domain (3 senders, max 10) sent to 3 at-risk people (min 2), 50% of its 6 "
        "recipients (min 30%)"
    )
    # Before this rule the built-in heuristic left it unjudged (50 % is not "almost only").
    assert _judged(LinkHeuristic(spread_max_senders=0)) == {}


@pytest.mark.parametrize(
    ("name", "loosened"),
    [
        ("busy", LinkHeuristic(spread_max_senders=11)),
        ("diluted", LinkHeuristic(spread_min_at_risk_share=0.2)),
        ("single", LinkHeuristic(spread_min_at_risk_recipients=1)),
    ],
)
def test_each_lookalike_is_refused_by_its_own_limit(name: str, loosened: LinkHeuristic) -> None:
    domain = LOOKALIKES[name][0]
    assert domain not in _judged(LinkHeuristic())
    assert domain in _judged(loosened)


def test_a_real_newspaper_is_never_spread_evidence() -> None:
    every = LinkHeuristic(spread_max_senders=100, spread_min_at_risk_share=0.0)
    assert "francetvinfo.fr" not in _judged(every)
    assert (
        "www.francetvinfo.fr"
        not in every.judge(_stats(("www.francetvinfo.fr", 3, 6, 3)))["domain"].tolist()
    )


def test_spread_does_not_override_a_link_checker() -> None:
    """With a verdict engine plugged in, its verdicts replace the built-in heuristic (spread
    included), as before."""

    class Clean:
        def check_many(self, urls: list[str]) -> list[object]:
            from counterspy.model import Verdict, VerdictLabel

            return [Verdict(url=u, label=VerdictLabel.CLEAN) for u in urls]

    bad = judge_domains(_stats(PLANTED), checker=Clean())  # type: ignore[arg-type]
    assert bad.empty


# ---------------------------------------------------------------- operation's bad domains

MEMBERS = ("m1", "m2")


def _platform() -> Platform:
    p = Platform()
    for i in range(4):
        p.account(f"r{i}", at_risk="activist")
    for m in MEMBERS:
        p.account(m, age_days=200)
    for i in range(6):
        p.account(f"p{i}")
    day = timedelta(days=1)
    # The operation's members send their throw-away domain to their targets.
    p.event(T0 + day, "m1", "message", "r0", url="https://meetportal.live/a")
    p.event(T0 + day, "m2", "message", "r1", url="https://meetportal.live/b")
    # Planted: a persona of the same operation sends it to someone the members never targeted.
    p.account("persona", age_days=200)
    p.event(T0 + 3 * day, "persona", "message", "p0", url="https://meetportal.live/c")
    # Look-alike: a member's domain nobody judged bad (a site a member shares as cover).
    p.event(T0 + day, "m1", "message", "p1", url="https://garden-books.com/x")
    p.account("gardener", age_days=200)
    p.event(T0 + 3 * day, "gardener", "message", "p2", url="https://garden-books.com/y")
    # Look-alike: a bad domain no member sends (another operation's, or nobody's).
    p.account("stranger", age_days=200)
    p.event(T0 + 3 * day, "stranger", "message", "p3", url="https://other-portal.xyz/z")
    # Look-alike: a bad domain a member sends that 12 accounts send in all.
    p.event(T0 + day, "m2", "message", "r2", url="https://busy-portal.site/m")
    for i in range(11):
        p.account(f"crowd{i}", age_days=200)
        p.event(T0 + 4 * day, f"crowd{i}", "message", "p4", url=f"https://busy-portal.site/{i}")
    return p


BAD = ("meetportal.live", "other-portal.xyz", "busy-portal.site")


def _admitted(policy: OperationEvidence) -> pd.DataFrame:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    bad = pd.DataFrame(
        {"domain": BAD, "label": "suspicious", "reason": "planted", "actor": None},
    )
    ctx = DetectionContext(acc, ev, _memtable(bad, BAD_DOMAIN_SCHEMA))
    membership = dict.fromkeys(MEMBERS, "op-0001")
    scores = pd.Series(dict.fromkeys(MEMBERS, 1.6), dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    _, rows = admit(ctx, membership, scores, protected, policy, _memtable)
    return rows[rows["signal"] == "operation_bad_domain"]


def test_an_operations_bad_domain_admits_its_persona_and_explains() -> None:
    rows = _admitted(OperationEvidence())
    assert set(rows["account_id"]) == {"persona"}
    row = rows.iloc[0]
    assert row["detector"] == "operation.evidence"
    assert row["evidence"].startswith(
        "joined op-0001: sent links on 1 domain(s) judged bad that its members also send, e.g. "
        "meetportal.live, which 3 accounts send in all (max 10); account 20"
    )
    assert row["value"] == 1.0
    assert row["threshold"] == 1.0
    assert row["window_start"] == row["window_end"]
    assert '"max_bad_domain_senders": 10' in row["params"]


def test_bad_domain_lookalikes_are_refused_and_the_limit_is_what_refuses_the_crowd() -> None:
    rows = _admitted(OperationEvidence())
    assert not {"gardener", "stranger"} & set(rows["account_id"])
    assert not {a for a in rows["account_id"] if a.startswith("crowd")}
    loose = _admitted(OperationEvidence(max_bad_domain_senders=12))
    assert {f"crowd{i}" for i in range(11)} <= set(loose["account_id"])
    assert not {"gardener", "stranger"} & set(loose["account_id"])
    assert _admitted(OperationEvidence(max_bad_domain_senders=0)).empty


# ------------------------------------------------------------------------------ link rings


def _ring_platform() -> Platform:
    p = Platform()
    for i in range(14):
        p.account(f"q{i}")
    day = timedelta(days=1)
    # Planted: three unrelated personas sending the same throw-away domains.
    for k, a in enumerate(("cn0", "cn1", "cn2")):
        p.account(a, age_days=240)
        dom = "meetportal.live" if k < 2 else "netevent43.online"
        p.event(T0 + (2 + k) * day, a, "message", f"q{k}", url=f"https://{dom}/{k}")
    p.event(T0 + 5 * day, "cn1", "message", "q3", url="https://netevent43.online/x")
    # Look-alike: a pair sharing a bad domain (two friends who got the same odd link).
    for a in ("pair0", "pair1"):
        p.account(a, age_days=240)
        p.event(T0 + 3 * day, a, "message", "q5", url="https://cafe-meet.ua/menu")
    # Look-alike: three colleagues passing round their organisation's (judged-bad) site; they
    # write to each other.
    for k in range(3):
        p.account(f"colleague{k}", age_days=240)
        p.event(T0 + (2 + k) * day, f"colleague{k}", "message", "q8", url="https://ngo-news.org/r")
    p.event(T0 + day, "colleague0", "message", "colleague1")
    p.event(T0 + day, "colleague2", "friend_request", "colleague1")
    # Look-alike: a bad domain 11 accounts send.
    for i in range(11):
        p.account(f"many{i}", age_days=240)
        p.event(T0 + 4 * day, f"many{i}", "message", "q6", url="https://busy-portal.site/p")
    # Look-alike: senders of a bad domain that are already in an operation.
    for a in ("m1", "m2"):
        p.account(a, age_days=240)
    p.account("quiet", age_days=240)
    for a in ("m1", "m2", "quiet"):
        p.event(T0 + 6 * day, a, "message", "q7", url="https://login-hub.site/a")
    return p


RING_BAD = (
    "meetportal.live",
    "netevent43.online",
    "cafe-meet.ua",
    "busy-portal.site",
    "login-hub.site",
    "ngo-news.org",
)


def _rings(policy: LinkRings) -> tuple[dict[str, str], pd.DataFrame]:
    p = _ring_platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    bad = pd.DataFrame(
        {"domain": RING_BAD, "label": "suspicious", "reason": "spread", "actor": None},
    )
    ctx = DetectionContext(acc, ev, _memtable(bad, BAD_DOMAIN_SCHEMA))
    senders = {str(e["actor_id"]) for e in p.events}
    # Each sender of a suspicious domain scored 0.6 (the exploitation signal).
    scores = pd.Series(dict.fromkeys(senders, 0.6), dtype="float64")
    membership = {"m1": "op-0001", "m2": "op-0001"}
    return admit_link_rings(ctx, membership, scores, set(), policy, _memtable)


def test_a_link_ring_becomes_an_operation_and_explains_itself() -> None:
    membership, rows = _rings(LinkRings())
    ring = {a for a, o in membership.items() if o == "op-0002"}
    assert ring == {"cn0", "cn1", "cn2"}
    assert set(membership.values()) == {"op-0001", "op-0002"}
    assert set(rows["account_id"]) == ring
    row = rows[rows["account_id"] == "cn1"].iloc[0]
    assert row["detector"] == "operation.link_ring"
    assert row["signal"] == "operation_link_ring"
    assert row["value"] == pytest.approx(1.8)
    assert row["threshold"] == 1.8
    assert row["window_start"] < row["window_end"]
    assert row["evidence"] == (
        "formed op-0002 with 2 other unflagged account(s) (min ring 3) that send the same "
        "judged-bad rare link domains: sent meetportal.live (spread; 2 accounts send it, max 10, "
        "2 of them in this ring, none of which acted on another) to 1 account(s), and 1 more "
        "such domain(s); own score 0.60, "
        "the ring's own scores pool to 1.80 (threshold 1.8)"
    )


def test_link_ring_lookalikes_are_refused_by_their_own_limits() -> None:
    membership, _ = _rings(LinkRings())
    assert not {"pair0", "pair1", "quiet", "colleague0", "colleague1"} & set(membership)
    connected, _ = _rings(LinkRings(unconnected=False))
    assert {"colleague0", "colleague1", "colleague2"} <= set(connected)
    assert not {a for a in membership if a.startswith("many")}
    pairs, _ = _rings(LinkRings(min_ring_size=2, min_pooled_score=1.2))
    assert {"pair0", "pair1"} <= set(pairs)
    assert "quiet" not in pairs  # alone once the operation's members are left out
    crowd, _ = _rings(LinkRings(max_domain_senders=11))
    assert {f"many{i}" for i in range(11)} <= set(crowd)
    strict, _ = _rings(LinkRings(min_pooled_score=1.9))
    assert "cn0" not in strict


# ------------------------------------------------------------------------------ pipeline


def _exploit_platform(tmp_path: Path) -> tuple[Platform, list[str]]:
    """The hand-made platform plus an exploitation-only operation whose domain imitates
    nothing: three personas, each messaging a link to two at-risk strangers and two other
    people, and nothing else (6 of the domain's 12 recipients at risk: not "almost only")."""
    p = build_platform()
    day = timedelta(days=1)
    people = [p.account(f"hk{i}", at_risk="journalist") for i in range(6)]
    others = [p.account(f"diaspora{i}") for i in range(6)]
    personas = []
    for k in range(3):
        a = p.account(f"cn{k}", age_days=240)
        personas.append(a)
        to = (people[2 * k], people[2 * k + 1], others[2 * k], others[2 * k + 1])
        for j, t in enumerate(to):
            url = f"https://netevent43.online/{k}{j}"
            p.event(T0 + (3 + k + j * 0.2) * day, a, "message", t, url=url)
    p.write(tmp_path)
    return p, personas


@pytest.mark.slow
def test_pipeline_finds_an_exploitation_operation_the_name_rules_miss(tmp_path: Path) -> None:
    """Each persona alone scores 0.9 (suspicious links 0.6, two at-risk strangers 0.3): the
    spread verdict and the link ring together make the operation."""
    p, personas = _exploit_platform(tmp_path)
    r = run_detection(load_tables(connect("duckdb"), Workspace(tmp_path)), DetectionConfig())
    bad = dict(zip(r.bad_domains["domain"], r.bad_domains["reason"], strict=True))
    assert "sent to 6 at-risk people" in bad["netevent43.online"]
    flagged = r.accounts[r.accounts["flagged"]]
    op_of = dict(zip(flagged["account_id"], flagged["operation_id"], strict=True))
    assert set(personas) <= set(op_of)
    assert len({op_of[a] for a in personas}) == 1
    assert not set(op_of) & set(p.confounders + p.viral)
    ring = r.signals[r.signals["detector"] == "operation.link_ring"]
    assert set(ring["account_id"]) == set(personas)
    off = run_detection(
        load_tables(connect("duckdb"), Workspace(tmp_path)),
        DetectionConfig(link_rings=LinkRings(enabled=False)),
    )
    assert "netevent43.online" in set(off.bad_domains["domain"])
    assert not set(personas) & set(off.accounts[off.accounts["flagged"]]["account_id"])
