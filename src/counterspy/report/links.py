"""Which judged-bad domains each operation's operators sent links to (from the events).

The detection results list bad domains but not who sent them, so the report scans the
``url`` column of the workspace's events once, restricted to flagged accounts (a pushed-down
filter: only rows with a link from a flagged account are materialised).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from counterspy.workspace import Workspace


@dataclass(frozen=True)
class LinkUse:
    """Links to one bad domain sent by one operation's accounts."""

    operation_id: str
    domain: str
    links: int
    first: date


def _match(host: str, domains: frozenset[str]) -> str | None:
    labels = host.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        if candidate in domains:
            return candidate
    return None


def link_uses(
    ws: Workspace, operation_of: Mapping[str, str], bad_domains: frozenset[str]
) -> tuple[LinkUse, ...]:
    """Per (operation, bad domain): links sent and the first day one was sent."""
    files = ws.table_files("events")
    if not files or not operation_of or not bad_domains:
        return ()
    dataset = pads.dataset([str(f) for f in files], format="parquet")
    actors = pa.array(sorted(operation_of), type=pa.string())
    flt = pc.field("url").is_valid() & pc.field("actor_id").isin(actors)
    table = dataset.to_table(columns=["actor_id", "url", "ts"], filter=flt)
    counts: dict[tuple[str, str], tuple[int, date]] = {}
    for actor, url, ts in zip(
        table.column("actor_id").to_pylist(),
        table.column("url").to_pylist(),
        table.column("ts").to_pylist(),
        strict=True,
    ):
        try:
            host = (urlsplit(url).hostname or "").rstrip(".")
        except ValueError:
            continue
        domain = _match(host, bad_domains)
        if domain is None:
            continue
        key = (operation_of[actor], domain)
        n, first = counts.get(key, (0, ts.date()))
        counts[key] = (n + 1, min(first, ts.date()))
    return tuple(LinkUse(op, dom, n, first) for (op, dom), (n, first) in sorted(counts.items()))
