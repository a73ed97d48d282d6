"""Columns the pipeline's caches leave out are read where they are stored, with the same results.

The cached events drop :data:`STORED_ONLY_EVENT_COLUMNS` (the user agent) and the cached
accounts :data:`STORED_ONLY_ACCOUNT_COLUMNS` (persona names, kinds, UI languages): the
automation user-agent detector and attribution read them from
``DetectionContext.all_event_columns`` / ``all_account_columns``. Operation evidence reads the
members' and weak accounts' events from the coordination candidates' events when those cover
them. Each check fails when a reader still needs a dropped column or the narrowed source.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from benchmarks.detect_same import compare

from counterspy.analytics import connect, load_tables
from counterspy.analytics.engine import fetch
from counterspy.attribute.features import operation_features
from counterspy.detect.base import (
    ACTOR_EVENT_COLUMNS,
    STORED_ONLY_ACCOUNT_COLUMNS,
    STORED_ONLY_EVENT_COLUMNS,
    DetectionContext,
)
from counterspy.detect.links import BAD_DOMAIN_SCHEMA
from counterspy.detect.opevidence import OperationEvidence, admit
from counterspy.detect.pipeline import DetectionConfig, _empty, _memtable, run_detection
from counterspy.detect.recon import AutomationUserAgent
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.detect_fixtures import T0, build_platform
from tests.test_detect_opevidence import MEMBERS, WEAK, _platform

HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/119.0.0.0 Safari/537.36"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = build_platform()
    # A scraper viewing through a headless browser, and a look-alike viewing as often with an
    # ordinary browser: only the first may fire the automation user-agent signal.
    for who, ua in (("scraper", HEADLESS), ("reader", "UA-common")):
        p.account(who, age_days=30)
        for i in range(8):
            p.event(T0 + timedelta(hours=i), who, "profile_view", f"b{i:04d}", ua=ua)
    h = tmp_path_factory.mktemp("stored")
    p.write(h)
    return h


def _contexts(home: Path) -> tuple[DetectionContext, DetectionContext]:
    """(narrow, whole): the pipeline's caches with the stored tables beside them, and caches
    of every column."""
    t = load_tables(connect("duckdb"), Workspace(home))
    bad = _memtable(_empty(BAD_DOMAIN_SCHEMA.names), BAD_DOMAIN_SCHEMA)
    narrow = DetectionContext(
        t.accounts.drop(*STORED_ONLY_ACCOUNT_COLUMNS).cache(),
        t.events.drop(*STORED_ONLY_EVENT_COLUMNS).cache(),
        bad,
        materialize=True,
        stored_events=t.events,
        stored_accounts=t.accounts,
    )
    whole = DetectionContext(t.accounts.cache(), t.events.cache(), bad, materialize=True)
    return narrow, whole


def test_automation_agents_are_read_where_stored(home: Path) -> None:
    narrow, whole = _contexts(home)
    assert "user_agent" not in narrow.events.columns
    det = AutomationUserAgent()
    got = fetch(det.run(narrow))
    assert set(got["account_id"]) == {"scraper"}
    assert compare(fetch(det.run(whole)), got) is None
    # Without the stored events nothing holds the user agent: the detector cannot run.
    blind = DetectionContext(narrow.accounts, narrow.events, narrow.bad_domains)
    with pytest.raises(Exception, match="user_agent"):
        fetch(det.run(blind))


def test_attribution_reads_persona_columns_where_stored(home: Path) -> None:
    narrow, whole = _contexts(home)
    assert not set(STORED_ONLY_ACCOUNT_COLUMNS) & set(narrow.accounts.columns)
    p = build_platform()
    members = _memtable(
        pd.DataFrame(
            {
                "account_id": p.rings["A"] + p.rings["B"],
                "operation_id": ["op-a"] * len(p.rings["A"]) + ["op-b"] * len(p.rings["B"]),
            }
        ),
        {"account_id": "string", "operation_id": "string"},
    )
    got = operation_features(narrow, members)
    assert got == operation_features(whole, members)
    assert all(f.persona_names for f in got)
    blind = DetectionContext(narrow.accounts, narrow.events, narrow.bad_domains)
    with pytest.raises(Exception, match="display_name"):
        operation_features(blind, members)


def test_pipeline_results_match_reading_every_column_from_the_workspace(home: Path) -> None:
    t = load_tables(connect("duckdb"), Workspace(home))
    cached = run_detection(t, DetectionConfig())
    t = load_tables(connect("duckdb"), Workspace(home))
    stored = run_detection(t, DetectionConfig(cache_inputs=False))
    assert "scraper" in set(cached.signals["account_id"])
    for name in ("signals", "accounts", "operations", "targets", "bad_domains"):
        assert compare(getattr(stored, name), getattr(cached, name)) is None, name


def _admit(actors: tuple[ibis.Table, frozenset[str]] | None) -> pd.DataFrame:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    ctx = DetectionContext(acc, ev, ev.limit(0).select(domain="url"))
    membership = dict.fromkeys(MEMBERS, "op-0001")
    scores = pd.Series(WEAK | dict.fromkeys(MEMBERS, 1.2), dtype="float64")
    protected = {str(a["account_id"]) for a in p.accounts if a["at_risk"] is not None}
    _, rows = admit(
        ctx, membership, scores, protected, OperationEvidence(), _memtable, None, actors
    )
    return rows


def test_operation_evidence_reads_the_covering_actor_events() -> None:
    p = _platform()
    everyone = frozenset(str(a["account_id"]) for a in p.accounts)
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    base = _admit(None)
    assert "operation_weak_on_targets" in set(base["signal"])
    # Every account's events, claimed to cover everyone: the same admissions.
    assert compare(base, _admit((ev.select(*ACTOR_EVENT_COLUMNS), everyone))) is None
    # An empty table claimed to cover everyone is read (nothing by the members or the weak
    # accounts: the rules reading their events admit nobody) ...
    empty = ev.select(*ACTOR_EVENT_COLUMNS).limit(0)
    starved = _admit((empty, everyone))
    assert "operation_weak_on_targets" not in set(starved["signal"])
    # ... but not when it does not cover the weak accounts: the round reads the events.
    partial = everyone - set(WEAK)
    assert compare(base, _admit((empty, frozenset(partial)))) is None
