"""The suspects' events keep only the columns the weak per-account signals read.

``DetectionContext.suspect_events`` is materialised with :data:`SUSPECT_EVENT_COLUMNS` only
(copying every column cost ~0.5 CPU-s at 10M events). Every detector must give the same rows
as with the suspects' every column; a detector reading a dropped column fails here.
"""

from __future__ import annotations

import pytest
from benchmarks.detect_same import compare

from counterspy.analytics import connect, load_tables
from counterspy.analytics.engine import fetch
from counterspy.detect.base import SUSPECT_EVENT_COLUMNS, DetectionContext, all_detectors
from counterspy.workspace import Workspace
from tests.detect_fixtures import build_platform
from tests.test_detect_shared import _ctx


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DetectionContext:
    home = tmp_path_factory.mktemp("suspects")
    build_platform().write(home)
    t = load_tables(connect("duckdb"), Workspace(home))
    return _ctx(t.accounts.cache(), t.events.cache())


def _with_every_column(ctx: DetectionContext) -> DetectionContext:
    wide = DetectionContext(ctx.accounts, ctx.events, ctx.bad_domains, materialize=True)
    wide.__dict__["suspect_events"] = ctx.events_of(ctx.suspects).cache()
    return wide


def test_suspect_events_hold_only_the_read_columns(small: DetectionContext) -> None:
    assert tuple(small.suspect_events.columns) == SUSPECT_EVENT_COLUMNS
    assert set(SUSPECT_EVENT_COLUMNS) < set(small.events.columns)


def test_every_detector_gives_the_same_rows_from_the_narrowed_suspect_events(
    small: DetectionContext,
) -> None:
    wide = _with_every_column(small)
    assert set(wide.suspect_events.columns) == set(small.events.columns)
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
