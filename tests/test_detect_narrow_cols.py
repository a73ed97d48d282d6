"""Materialised event tables keep only the columns their readers read, with the same results.

``DetectionContext.suspect_events`` holds :data:`SUSPECT_EVENT_COLUMNS` only, ``on_at_risk``
:data:`AT_RISK_EVENT_COLUMNS` only, and the
pipeline's actor events (the candidates' for coordination, merge, expansion and attribution;
the operators' for the targets step) :data:`ACTOR_EVENT_COLUMNS` only. Every detector, and the
targets step, must give the same rows as from the whole events; one reading a dropped column
fails here.
"""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest
from benchmarks.detect_same import compare

from counterspy.analytics import connect, load_tables
from counterspy.analytics.engine import fetch
from counterspy.detect.base import (
    ACTOR_EVENT_COLUMNS,
    AT_RISK_EVENT_COLUMNS,
    SUSPECT_EVENT_COLUMNS,
    DetectionContext,
    all_detectors,
)
from counterspy.detect.targets import TargetPolicy, operation_targets
from counterspy.workspace import Workspace
from tests.detect_fixtures import build_platform
from tests.test_detect_shared import _actors, _ctx, _ids


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DetectionContext:
    home = tmp_path_factory.mktemp("suspects")
    build_platform().write(home)
    t = load_tables(connect("duckdb"), Workspace(home))
    return _ctx(t.accounts.cache(), t.events.cache())


def _with_every_column(ctx: DetectionContext) -> DetectionContext:
    wide = DetectionContext(ctx.accounts, ctx.events, ctx.bad_domains, materialize=True)
    wide.__dict__["suspect_events"] = ctx.events_of(ctx.suspects).cache()
    # On-at-risk events as they were: with the URL and the target's country.
    r = ctx.at_risk_accounts
    ev = ctx.events.filter(ctx.events.actor_id != ctx.events.target_id)
    on = ev.inner_join(r, ev.target_id == r.r_id).drop("r_id")
    wide.__dict__["on_at_risk"] = on.cache()
    return wide


def test_suspect_events_hold_only_the_read_columns(small: DetectionContext) -> None:
    assert tuple(small.suspect_events.columns) == SUSPECT_EVENT_COLUMNS
    assert set(SUSPECT_EVENT_COLUMNS) < set(small.events.columns)


def test_every_detector_gives_the_same_rows_from_the_narrowed_suspect_events(
    small: DetectionContext,
) -> None:
    wide = _with_every_column(small)
    assert set(wide.suspect_events.columns) == set(small.events.columns)
    assert {"url", "target_country"} < set(wide.on_at_risk.columns)
    assert tuple(small.on_at_risk.columns) == AT_RISK_EVENT_COLUMNS
    n_rows = 0
    for factory in all_detectors():
        det = factory()
        narrow = fetch(det.run(small))
        whole = fetch(det.run(wide))
        assert compare(whole, narrow) is None, det.name
        n_rows += len(narrow)
    assert n_rows > 0
    # The suspects' own signals fire on this platform (else the test compares nothing).
    assert fetch(small.suspect_events.count().as_table()).iloc[0, 0] > 0


def test_a_detector_reading_a_dropped_column_fails(small: DetectionContext) -> None:
    with pytest.raises(Exception, match="device_id"):
        fetch(small.suspect_events.select("actor_id", "device_id"))


def test_targets_are_the_same_from_the_operators_narrowed_events(small: DetectionContext) -> None:
    ops = _actors(small)
    assert len(ops) >= 4
    members = ibis.memtable(
        pa.table(
            {
                "account_id": ops,
                "operation_id": [f"op-{i % 2}" for i in range(len(ops))],
                "firm": ["x"] * len(ops),
            }
        )
    )
    operators = _ids(ops)
    on_ops = small.with_actor_events(
        small.events_of(operators).select(*ACTOR_EVENT_COLUMNS).cache()
    )
    for policy in (TargetPolicy(), TargetPolicy(broad_member_targets=3)):
        whole = fetch(operation_targets(small, members, operators, policy))
        narrow = fetch(operation_targets(on_ops, members, operators, policy))
        assert len(whole) > 0
        assert compare(whole, narrow) is None, policy


def test_breadth_from_the_actor_events_counts_what_the_events_count(
    small: DetectionContext,
) -> None:
    ops = _ids(_actors(small))
    on_ops = small.with_actor_events(small.events_of(ops).select(*ACTOR_EVENT_COLUMNS).cache())
    types = ("profile_view", "friend_list_view", "message")
    whole = fetch(small.distinct_targets(ops, types))
    narrow = fetch(on_ops.distinct_targets(ops, types))
    assert len(whole) > 0
    assert compare(whole, narrow) is None
