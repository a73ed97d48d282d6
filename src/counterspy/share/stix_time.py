"""STIX/TAXII timestamps as integer microseconds since the epoch, and back.

TAXII compares ``date_added`` and object versions; integers compare exactly and the same way in
every database. Timestamps are rendered with six fraction digits (STIX allows any precision).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$")


def parse_timestamp(text: str) -> int | None:
    """Microseconds since the epoch of a STIX timestamp (``2021-12-16T00:00:00.000Z``), or None
    when ``text`` is not one. Digits beyond microseconds are cut off (exact for comparisons
    against microsecond values)."""
    m = _STAMP.match(text.strip())
    if m is None:
        return None
    try:
        whole = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}").replace(tzinfo=UTC)
    except ValueError:
        return None
    frac = (m.group(3) or "").ljust(6, "0")[:6]
    delta = whole - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + int(frac)


def format_timestamp(us: int) -> str:
    """A STIX timestamp with microsecond precision."""
    moment = _EPOCH + timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"


def now_us() -> int:
    delta = datetime.now(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
