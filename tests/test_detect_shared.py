"""Shared narrowed event tables give the same answers as reading the whole events table.

The pipeline reads the candidates' events once (``DetectionContext.with_actor_events``) and the
events around the flagged accounts' targets once (``with_target_events``); coordination,
operation merge and expansion then read those instead of the events. These tests run each
step both ways on DuckDB with materialisation on, as the pipeline does.
"""

from __future__ import annotations

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from benchmarks.detect_same import compare

from counterspy.analytics import connect, load_tables
from counterspy.analytics.engine import fetch
from counterspy.detect.base import (
    ACTOR_EVENT_COLUMNS,
    CONTACT_TYPES,
    RECON_TYPES,
    DetectionContext,
)
from counterspy.detect.coordination import CoAction, SharedInfrastructure
from counterspy.detect.expand import OperationExpansion
from counterspy.detect.opmerge import OperationMerge, merge_inputs
from counterspy.detect.outsiders import outsider_facts
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace
from tests.detect_fixtures import build_platform
from tests.test_detect_expand import MEMBERS, _platform


def _ctx(acc: ibis.Table, ev: ibis.Table) -> DetectionContext:
    return DetectionContext(
        acc,
        ev,
        ev.limit(0).select(domain="url", label="url", reason="url", actor="url"),
        materialize=True,
        materialize_verdict_dependent=True,
    )


def _ids(ids: list[str]) -> ibis.Table:
    return ibis.memtable(pa.table({"account_id": pa.array(ids, pa.string())}))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DetectionContext:
    home = tmp_path_factory.mktemp("shared")
    build_platform().write(home)
    t = load_tables(connect("duckdb"), Workspace(home))
    return _ctx(t.accounts.cache(), t.events.cache())


def _actors(ctx: DetectionContext) -> list[str]:
    """Everyone who acted on an at-risk person: rings, researchers, crowds."""
    return sorted(set(fetch(ctx.on_at_risk.select("actor_id").distinct())["actor_id"]))


def test_coordination_edges_are_the_same_from_the_candidates_events(
    small: DetectionContext,
) -> None:
    actors = _ids(_actors(small))
    scoped = small.with_actor_events(small.events_of(actors).select(*ACTOR_EVENT_COLUMNS).cache())
    for step in (CoAction(), SharedInfrastructure(), SharedInfrastructure(hosting_ips=False)):
        whole = fetch(step.edges(small, actors))
        narrow = fetch(step.edges(scoped, actors))
        assert len(whole) > 0, step
        assert compare(whole, narrow) is None, step


def test_merge_inputs_are_the_same_from_the_target_events(small: DetectionContext) -> None:
    names = _actors(small)
    actors = _ids(names)
    flagged = _ids(names[: len(names) // 2])
    narrow_ctx = small.with_actor_events(
        small.events_of(actors).select(*ACTOR_EVENT_COLUMNS).cache()
    )
    narrow_ctx = narrow_ctx.with_target_events(flagged)
    assert narrow_ctx.target_events is not None
    empty = pd.DataFrame({"domain": pd.Series(dtype="str"), "n_senders": pd.Series(dtype="int")})
    whole = merge_inputs(small, flagged, OperationMerge(), empty)
    narrow = merge_inputs(narrow_ctx, flagged, OperationMerge(), empty)
    assert len(whole[0]) > 0
    assert compare(whole[0], narrow[0]) is None
    assert compare(whole[1], narrow[1]) is None


def test_expansion_admits_the_same_accounts_from_the_shared_tables() -> None:
    p = _platform()
    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema)).cache()
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema)).cache()
    ctx = _ctx(acc, ev)
    members = ibis.memtable(
        pa.table({"account_id": list(MEMBERS), "operation_id": ["op-0001"] * len(MEMBERS)})
    )
    flagged = _ids(list(MEMBERS))
    policy = OperationExpansion()
    whole = fetch(policy.candidates(ctx, members, flagged))
    # The candidates' events hold more than the members' (as in the pipeline).
    scoped = ctx.with_actor_events(
        ctx.events_of(_ids([*MEMBERS, "quiet", "reader"])).select(*ACTOR_EVENT_COLUMNS).cache()
    )
    scoped = scoped.with_target_events(flagged)
    narrow = fetch(policy.candidates(scoped, members, flagged))
    assert "quiet" in set(whole["account_id"])
    assert "sibling" in set(whole["account_id"])  # the shared-device path is exercised
    assert compare(whole, narrow) is None


def test_compare_sees_a_changed_cell_and_a_missing_row() -> None:
    a = pd.DataFrame({"x": ["a", "b", None], "v": [1.0, 2.0, 3.0]})
    assert compare(a, a.iloc[::-1]) is None  # order does not matter
    b = a.copy()
    b.loc[1, "v"] = 2.0000001
    assert compare(a, b) is not None
    assert compare(a, a.iloc[:2]) is not None


def test_outsider_facts_are_the_same_from_the_target_events(small: DetectionContext) -> None:
    names = _actors(small)
    members = ibis.memtable(
        pa.table({"account_id": names, "operation_id": [f"op-{i % 3}" for i in range(len(names))]})
    )
    t = small.targeted_by(members.select("account_id"))
    t = t.inner_join(members, t.actor_id == members.account_id)
    touched = t.select("ts", "actor_id", "target_id", "operation_id")
    # The target events are about the first half's targets only: the other half's targets
    # are partly outside them, so both sources are read.
    narrow = small.with_target_events(_ids(names[: len(names) // 2]))
    assert narrow.target_ids is not None
    about = set(fetch(narrow.target_ids)["w_id"])
    targets = set(fetch(touched.select("target_id").distinct())["target_id"])
    assert targets & about
    assert targets - about
    whole = fetch(outsider_facts(small, touched))
    got = fetch(outsider_facts(narrow, touched))
    assert len(whole) > 0
    assert (whole["n_stranger_members"] > 0).any()
    assert compare(whole, got) is None


def test_distinct_targets_are_the_same_from_the_suspects_events(small: DetectionContext) -> None:
    actors = _ids(_actors(small))  # everyone who acted on an at-risk person: suspects
    for types in (RECON_TYPES, CONTACT_TYPES):
        whole = fetch(small.distinct_targets(actors, types))
        narrow = fetch(small.distinct_targets(actors, types, suspects=True))
        assert len(whole) > 0, types
        assert compare(whole, narrow) is None, types


def test_distinct_targets_from_the_suspects_events_miss_other_actors(
    small: DetectionContext,
) -> None:
    # The flag is the caller's promise: an actor who never acted on an at-risk person (and
    # sent no bad link) has no rows in the suspects' events.
    everyone = set(fetch(small.events.select("actor_id").distinct())["actor_id"])
    others = _ids(sorted(everyone - set(_actors(small))))
    assert len(fetch(small.distinct_targets(others, CONTACT_TYPES))) > 0
    assert fetch(small.distinct_targets(others, CONTACT_TYPES, suspects=True)).empty
