"""The one record type for signal rows outside the engine (case snapshots and the console)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from counterspy.detect.results import SignalRow, signals_by_account


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": ["b", "a", "b"],
            "detector": ["recon", "engagement", "exploitation"],
            "signal": ["views", "requests", "links"],
            "phase": ["reconnaissance", "engagement", "exploitation"],
            "value": [7, 3.5, 1],
            "threshold": [5, 2, 1],
            "weight": [1.0, 0.5, 3.0],
            "window_start": [pd.Timestamp("2021-03-01 10:00"), pd.NaT, pd.NaT],
            "window_end": [pd.Timestamp("2021-03-09 12:30:15"), pd.NaT, pd.NaT],
            "evidence": ["viewed 7 profiles", "3.5 requests", "sent a bad link"],
        }
    )


def test_rows_are_grouped_by_account_in_frame_order() -> None:
    rows = signals_by_account(_frame())
    assert list(rows) == ["b", "a"]
    assert [r.detector for r in rows["b"]] == ["recon", "exploitation"]
    assert rows["a"][0].value == 3.5
    assert isinstance(rows["b"][0].value, float)


def test_windows_are_iso_strings_and_missing_windows_are_none() -> None:
    first = signals_by_account(_frame())["b"][0]
    assert first.window_start == "2021-03-01T10:00:00"
    assert first.window_end == "2021-03-09T12:30:15"
    assert signals_by_account(_frame())["a"][0].window_start is None
    assert signals_by_account(_frame())["a"][0].started is None


def test_started_is_aware_utc_for_naive_and_keeps_a_given_zone() -> None:
    naive = signals_by_account(_frame())["b"][0]
    assert naive.started == datetime(2021, 3, 1, 10, 0, tzinfo=UTC)
    zoned = SignalRow("d", "s", "engagement", 1, 1, 1, "2021-03-01T10:00:00+02:00", None, "e")
    assert zoned.started == datetime(2021, 3, 1, 8, 0, tzinfo=UTC)


def test_json_round_trip_is_lossless() -> None:
    row = signals_by_account(_frame())["b"][0]
    assert SignalRow(**row.to_json()) == row
