"""When each registrable domain was first seen in the workspace's links, and which are new.

Throw-away operator domains are registered shortly before use: the first time a domain shows up
on the platform is a signal the public lists cannot give. :func:`compute_first_seen` scans the
``url`` of every event (``message``, ``link_share``, ...; see the data contract) with Ibis, maps
each host to its registrable domain with the Public Suffix List (``mail.evil.co.uk`` →
``evil.co.uk``), and keeps per domain the first and last time it was sent, how many events and
how many distinct senders. The table is stored as ``results/first_seen/part-0.parquet`` plus
``results/first_seen/info.json`` (the observed period).

**What counts as new** (:class:`FirstSeenPolicy`, used by the verdict engine):

- first seen within ``window`` (default 7 days) of the newest event in the workspace: "recent"
  is measured against the data, not the wall clock, so a replayed or historical workspace
  behaves like a live one;
- and first seen at least ``window`` after the oldest event: a domain present from the start of
  the observed history may be years old, and a workspace that covers ten days would otherwise
  call every domain new (warm-up);
- and sent by at most ``max_senders`` accounts (default 5): a new site shared by many people
  (a viral article, a new service) is not an operator's throw-away domain.

New alone does not make a link suspicious (the long tail of honest one-off sites is new every
day): the verdict engine reports ``first_seen.recent`` as extra evidence for an otherwise
suspicious host, or together with a weak companion signal (a heavily abused TLD, or a protected
brand's name inside the registered name; ``LookalikeIndex.new_domain_companion``). A protected
brand's own domains and indicator matches are judged before this signal (clean and malicious
win), so a new domain of a known brand is never reported as new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.errors import CounterspyError
from counterspy.intel.normalize import split_host, to_ascii_host
from counterspy.workspace import Workspace

FIRST_SEEN_RESULT = "first_seen"
INFO_FILE = "info.json"
# The host of a URL with a scheme (same rule as detection's link table).
_HOST_RE = r"^[A-Za-z][A-Za-z0-9+.\-]*://(?:[^/?#@]*@)?([^/?#:@\[\]]+)"


@dataclass(frozen=True)
class FirstSeenPolicy:
    window: timedelta = timedelta(days=7)
    max_senders: int = 5

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise CounterspyError(
                "the first-seen window must be positive", hint="e.g. --first-seen-days 7"
            )
        if self.max_senders < 1:
            raise CounterspyError(
                "the first-seen sender limit must be at least 1",
                hint="e.g. --first-seen-max-senders 5",
            )


@dataclass(frozen=True)
class Sighting:
    first_seen: datetime
    last_seen: datetime
    n_events: int
    n_senders: int


@dataclass(frozen=True)
class FirstSeenTable:
    """Per registrable domain, its sightings; ``start``/``as_of`` bound the observed period."""

    domains: dict[str, Sighting]
    start: datetime | None
    as_of: datetime | None

    def new_domains(self, policy: FirstSeenPolicy) -> dict[str, datetime]:
        """Registrable domain → first sighting, for the domains the policy calls new."""
        if self.start is None or self.as_of is None:
            return {}
        earliest = max(self.start + policy.window, self.as_of - policy.window)
        return {
            d: s.first_seen
            for d, s in self.domains.items()
            if s.first_seen >= earliest and s.n_senders <= policy.max_senders
        }


def _utc(ts: Any) -> datetime:
    dt: datetime = ts.to_pydatetime() if hasattr(ts, "to_pydatetime") else ts
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _registrable(host: str) -> str | None:
    ascii_host = to_ascii_host(host)
    if ascii_host is None or ascii_host.replace(".", "").isdigit():
        return None  # not a name, or an IPv4 address
    _sub, dom, suf = split_host(ascii_host)
    if not suf:  # a TLD outside the list: the PSL's default rule "*" (one-label suffix)
        labels = ascii_host.split(".")
        return ".".join(labels[-2:]) if len(labels) >= 2 else None
    return f"{dom}.{suf}" if dom else None


def compute_first_seen(events: ir.Table) -> FirstSeenTable:
    """First/last sighting, events and distinct senders per registrable domain (any backend)."""
    bounds = events.aggregate(start=events.ts.min(), as_of=events.ts.max()).to_pyarrow()
    start_v, as_of_v = bounds.column("start")[0].as_py(), bounds.column("as_of")[0].as_py()
    ev = events.filter(events.url.notnull())
    ev = ev.mutate(host=ev.url.re_extract(_HOST_RE, 1).lower()).filter(lambda t: t.host != "")
    hosts = ev.select("host").distinct().to_pyarrow().column("host").to_pylist()
    pairs = [(h, r) for h in hosts if (r := _registrable(str(h))) is not None]
    domains: dict[str, Sighting] = {}
    if pairs:
        mapping = ibis.memtable(
            pa.table({"m_host": [h for h, _ in pairs], "reg": [r for _, r in pairs]})
        )
        j = ev.inner_join(mapping, ev.host == mapping.m_host)
        agg = (
            j.group_by("reg")
            .aggregate(
                first_seen=j.ts.min(),
                last_seen=j.ts.max(),
                n_events=j.count(),
                n_senders=j.actor_id.nunique(),
            )
            .to_pyarrow()
            .to_pylist()
        )
        for row in agg:
            domains[str(row["reg"])] = Sighting(
                _utc(row["first_seen"]),
                _utc(row["last_seen"]),
                int(row["n_events"]),
                int(row["n_senders"]),
            )
    return FirstSeenTable(
        domains,
        _utc(start_v) if start_v is not None else None,
        _utc(as_of_v) if as_of_v is not None else None,
    )


def write_first_seen(ws: Workspace, table: FirstSeenTable) -> None:
    """Store the table in ``results/first_seen/`` (replacing an older one atomically)."""
    import shutil

    ws.results_dir.mkdir(parents=True, exist_ok=True)
    tmp = ws.results_dir / f".{FIRST_SEEN_RESULT}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    items = sorted(table.domains.items())
    ts = pa.timestamp("us", tz="UTC")
    pq.write_table(
        pa.table(
            {
                "domain": pa.array([d for d, _ in items], pa.string()),
                "first_seen": pa.array([s.first_seen for _, s in items], ts),
                "last_seen": pa.array([s.last_seen for _, s in items], ts),
                "n_events": pa.array([s.n_events for _, s in items], pa.int64()),
                "n_senders": pa.array([s.n_senders for _, s in items], pa.int64()),
            }
        ),
        tmp / "part-0.parquet",
    )
    info = {
        "start": table.start.isoformat() if table.start else None,
        "as_of": table.as_of.isoformat() if table.as_of else None,
        "domains": len(items),
        "computed_at": datetime.now(UTC).isoformat(),
    }
    (tmp / INFO_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    final = ws.result_dir(FIRST_SEEN_RESULT)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)


def read_first_seen(ws: Workspace) -> FirstSeenTable | None:
    """The stored table, or None when it was never computed for this workspace."""
    d = ws.result_dir(FIRST_SEEN_RESULT)
    part, info_path = d / "part-0.parquet", d / INFO_FILE
    if not part.exists() or not info_path.exists():
        return None
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
        rows = pq.read_table(part).to_pylist()
    except (OSError, ValueError, pa.ArrowInvalid) as exc:
        raise CounterspyError(
            f"cannot read the first-seen table in {d}: {exc}",
            hint="recompute it with `counterspy intel first-seen`",
        ) from exc
    domains = {
        str(r["domain"]): Sighting(
            _utc(r["first_seen"]), _utc(r["last_seen"]), int(r["n_events"]), int(r["n_senders"])
        )
        for r in rows
    }

    def when(key: str) -> datetime | None:
        v = info.get(key)
        return datetime.fromisoformat(v) if v else None

    return FirstSeenTable(domains, when("start"), when("as_of"))


def refresh_first_seen(ws: Workspace, engine: str = "duckdb") -> FirstSeenTable:
    """Compute the table from every committed load of ``ws`` and store it."""
    from counterspy.analytics import connect, load_tables

    tables = load_tables(connect(engine), ws)
    table = compute_first_seen(tables.events)
    write_first_seen(ws, table)
    return table
