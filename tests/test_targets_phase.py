"""A listed target's phase: rare links raise it to exploitation, common links do not."""

from __future__ import annotations

from datetime import timedelta

import ibis
import pyarrow as pa
import pytest

from counterspy.analytics import connect
from counterspy.detect.base import DetectionContext
from counterspy.detect.targets import TargetPolicy, operation_targets
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from tests.detect_fixtures import T0, Platform, listed_targets

MEMBERS = ("op1", "op2")


def _platform() -> Platform:
    p = Platform()
    for a in MEMBERS:
        p.account(a, age_days=60)
    for t in ("r_rare", "r_news", "r_shared"):
        p.account(t, at_risk="journalist")
    p.account("o_friend")
    ts = T0 + timedelta(days=1)
    # A campaign domain only op1 sends, to one target: not judged bad (no lookalike).
    p.event(ts, "op1", "profile_view", "r_rare")
    p.event(ts + timedelta(hours=1), "op1", "message", "r_rare", url="https://doc-view7.info/d/1")
    # A news site four ordinary people also share: a member sending it is not exploitation.
    p.event(ts, "op2", "profile_view", "r_news")
    p.event(ts, "op2", "message", "r_news", url="https://news.example.org/story/9")
    for i in range(4):
        p.event(ts, p.account(f"reader{i}"), "link_share", url="https://news.example.org/s/1")
    # A link shared onto a target's timeline on a rare domain: exploitation too.
    p.event(ts, "op2", "profile_view", "r_shared")
    p.event(ts, "op2", "link_share", "r_shared", url="https://web-login3.space/x")
    # A cover friend receiving a rare link is not listed because of it.
    p.event(ts, "op1", "link_share", "o_friend", url="https://cafe-garden.example.sk/p/2")
    return p


def _phases(policy: TargetPolicy) -> dict[str, str]:
    listed = listed_targets(_platform(), MEMBERS, policy, firm="x")
    assert all("evidence" in r for r in listed)
    return {str(r["target_id"]): str(r["phase"]) for r in listed}


@pytest.fixture(scope="module")
def phases() -> dict[str, str]:
    return _phases(TargetPolicy())


def test_a_rare_link_is_exploitation(phases: dict[str, str]) -> None:
    assert phases["r_rare"] == "exploitation"
    assert phases["r_shared"] == "exploitation"


def test_a_common_link_is_not(phases: dict[str, str]) -> None:
    assert phases["r_news"] == "engagement"
    # Loosening the limit past the news site's five senders reads it as exploitation.
    assert _phases(TargetPolicy(rare_link_max_senders=5))["r_news"] == "exploitation"


def test_a_rare_link_lists_nobody_by_itself(phases: dict[str, str]) -> None:
    assert "o_friend" not in phases


def test_off_leaves_the_heuristics_phase() -> None:
    off = _phases(TargetPolicy(rare_link_max_senders=None))
    assert off["r_rare"] == "engagement"
    assert off["r_shared"] == "reconnaissance"


def test_the_evidence_names_the_rare_links() -> None:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ibis.memtable(pa.table({"domain": pa.array([], pa.string())})))
    members = ibis.memtable(
        pa.table({"account_id": ["op1"], "operation_id": ["op-0001"], "firm": ["x"]})
    )
    operators = ibis.memtable(pa.table({"account_id": ["op1"]}))
    out = connect("duckdb").to_pyarrow(operation_targets(ctx, members, operators, TargetPolicy()))
    ids, texts = out.column("target_id").to_pylist(), out.column("evidence").to_pylist()
    ev_by = dict(zip(ids, texts, strict=True))
    assert "1 links on a domain at most 3 accounts" in ev_by["r_rare"]
