"""STIX timestamps ↔ integer microseconds: round trips and order (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from counterspy.share.stix_time import format_timestamp, parse_timestamp

MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


@given(MOMENTS)
def test_format_then_parse_is_identity(moment: datetime) -> None:
    us = parse_timestamp(moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert us is not None
    assert parse_timestamp(format_timestamp(us)) == us
    assert format_timestamp(us) == moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(MOMENTS, MOMENTS)
def test_order_is_kept(a: datetime, b: datetime) -> None:
    pa, pb = (parse_timestamp(m.strftime("%Y-%m-%dT%H:%M:%S.%fZ")) for m in (a, b))
    assert pa is not None
    assert pb is not None
    assert (pa < pb) == (a < b)
    assert (pa == pb) == (a == b)


def test_precisions_and_rejects() -> None:
    assert parse_timestamp("2021-12-16T00:00:00Z") == parse_timestamp("2021-12-16T00:00:00.000Z")
    base = parse_timestamp("2021-12-16T00:00:00Z")
    assert base is not None
    assert parse_timestamp("2021-12-16T00:00:00.5Z") == base + 500_000
    assert parse_timestamp("2021-12-16T00:00:00.123456789Z") == base + 123_456
    for bad in (
        "2021-12-16",
        "2021-12-16T00:00:00",
        "2021-12-16T00:00:00+01:00",
        "2021-02-30T00:00:00Z",
        "",
    ):
        assert parse_timestamp(bad) is None, bad
