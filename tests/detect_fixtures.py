"""A tiny hand-made platform with planted operator rings and benign look-alikes.

Used by the detection unit tests, independent of the simulator. Everything is deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from counterspy.analytics import connect, load_tables
from counterspy.detect.pipeline import DetectionConfig, DetectionResult, run_detection
from counterspy.detect.targets import TargetPolicy
from counterspy.ingest.schema import ACCOUNTS, EVENTS
from counterspy.workspace import Workspace

T0 = datetime(2021, 9, 1, tzinfo=UTC)


def domain_stats_frame(
    *rows: tuple[str, int, int, int], events_per_recipient: int = 1
) -> pd.DataFrame:
    """(domain, senders, recipients, at-risk recipients) → a ``links.domain_stats`` frame, for
    the link-judging tests (each recipient got ``events_per_recipient`` links)."""
    return pd.DataFrame(
        {
            "domain": [r[0] for r in rows],
            "n_senders": [r[1] for r in rows],
            "n_events": [events_per_recipient * r[2] for r in rows],
            "n_recipients": [r[2] for r in rows],
            "n_at_risk_recipients": [r[3] for r in rows],
            "sample_url": [f"https://{r[0]}/x" for r in rows],
        }
    )


@dataclass
class Platform:
    accounts: list[dict[str, object]] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    rings: dict[str, list[str]] = field(default_factory=dict)  # ring name → operator ids
    targets: dict[str, dict[str, str]] = field(default_factory=dict)  # ring → target → phase
    confounders: list[str] = field(default_factory=list)
    viral: list[str] = field(default_factory=list)

    def account(
        self,
        aid: str,
        *,
        age_days: int = 2000,
        country: str = "DE",
        at_risk: str | None = None,
        photo: str | None = None,
        name: str = "",
    ) -> str:
        self.accounts.append(
            {
                "account_id": aid,
                "created_at": T0 - timedelta(days=age_days),
                "display_name": name or f"Person {aid}",
                "account_type": "person",
                "country": country,
                "locale": "en-US",
                "verified": False,
                "at_risk": at_risk,
                "photo_hash": photo if photo is not None else f"{abs(hash(aid)) % 16**16:016x}",
            }
        )
        return aid

    def event(
        self,
        ts: datetime,
        actor: str,
        etype: str,
        target: str | None = None,
        *,
        url: str | None = None,
        ip: str = "198.51.100.1",
        asn: int = 3320,
        device: str | None = None,
        country: str = "DE",
        ua: str = "UA-common",
    ) -> None:
        self.events.append(
            {
                "event_id": f"e{len(self.events):07d}",
                "ts": ts,
                "actor_id": actor,
                "event_type": etype,
                "target_id": target,
                "group_id": None,
                "url": url,
                "ip": ip,
                "asn": asn,
                "device_id": device or f"dev-{actor}",
                "user_agent": ua,
                "country": country,
            }
        )

    def write(self, home: Path, load_id: str = "l1") -> None:
        for table, rows in ((ACCOUNTS, self.accounts), (EVENTS, self.events)):
            d = home / "loads" / load_id / table.name
            d.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), d / "part-0.parquet")


def build_platform(seed: int = 7, *, viral_crowd: int = 150) -> Platform:
    rnd = random.Random(seed)
    p = Platform()
    benign = [p.account(f"b{i:04d}", age_days=rnd.randint(200, 4000)) for i in range(400)]
    at_risk = [
        p.account(
            f"r{i:03d}",
            at_risk=rnd.choice(["journalist", "activist", "lawyer"]),
            country=rnd.choice(["GR", "EG", "DE", "MX"]),
        )
        for i in range(40)
    ]
    celeb = p.account("c0000")
    everyone = benign + at_risk
    # Benign life: friends look at each other, message each other with ordinary links.
    for a in everyone:
        friends = rnd.sample(everyone, 6)
        for f in friends:
            if f == a:
                continue
            ts = T0 + timedelta(minutes=rnd.randint(0, 60 * 24 * 60))
            p.event(ts, a, "profile_view", f, ip=f"203.0.113.{rnd.randint(1, 250)}")
            p.event(ts + timedelta(hours=3), f, "profile_view", a)
            if rnd.random() < 0.3:
                p.event(
                    ts + timedelta(hours=5),
                    a,
                    "message",
                    f,
                    url=rnd.choice(
                        ["https://www.youtube.com/watch?v=1", "https://news.example.org/a/1", None]
                    ),
                )
        p.event(
            T0 + timedelta(days=rnd.randint(0, 60)),
            a,
            "link_share",
            url=rnd.choice(["https://news.example.org/a/2", "https://www.instagram.com/p/x"]),
        )
    # Viral crowd: many accounts share one link and look at one celebrity within minutes.
    burst = T0 + timedelta(days=30)
    p.viral = benign[:viral_crowd]
    for i, a in enumerate(p.viral):
        ts = burst + timedelta(seconds=7 * i)
        p.event(ts, a, "link_share", url="https://viral.example.net/cat-video")
        p.event(ts + timedelta(seconds=30), a, "profile_view", celeb)
        for r in at_risk[:4]:  # famous journalists everyone looks at after the story
            p.event(ts + timedelta(seconds=60), a, "profile_view", r)
    # Confounder: a journalist's colleague who views many at-risk people — who view back.
    coll = p.account("x0001", at_risk=None)
    for r in at_risk[:15]:
        ts = T0 + timedelta(days=rnd.randint(0, 50))
        p.event(ts, coll, "profile_view", r)
        p.event(ts + timedelta(hours=1), r, "message", coll)
    # Confounder: a traveller abroad all the time, and a NAT shared by many.
    trav = p.account("x0002", country="DE")
    for f in rnd.sample(benign, 8):
        p.event(T0 + timedelta(days=rnd.randint(0, 50)), trav, "profile_view", f, country="TH")
    for a in benign[200:260]:
        p.event(T0 + timedelta(days=rnd.randint(0, 50)), a, "login", ip="100.64.0.1")
    p.confounders = [coll, trav, *benign[200:260]]

    # Ring A (recon + engagement + exploitation): young personas sharing two devices.
    ring_a = [
        p.account(
            f"o{i:02d}", age_days=rnd.randint(10, 40), country="US", name=f"Film producer {i}"
        )
        for i in range(6)
    ]
    p.rings["A"] = ring_a
    targets_a = at_risk[10:22]
    p.targets["A"] = {}
    for i, o in enumerate(ring_a):
        dev = f"shared-dev-{i % 2}"
        for j, tgt in enumerate(rnd.sample(targets_a, 8)):
            ts = T0 + timedelta(days=5 + j, minutes=i * 13)
            p.event(ts, o, "profile_view", tgt, device=dev, ip="192.0.2.10", country="IL")
            p.event(
                ts + timedelta(minutes=2),
                o,
                "friend_list_view",
                tgt,
                device=dev,
                ip="192.0.2.10",
                country="IL",
            )
            p.targets["A"].setdefault(tgt, "reconnaissance")
        for tgt in rnd.sample(targets_a, 4):
            p.event(
                T0 + timedelta(days=20, hours=i),
                o,
                "friend_request",
                tgt,
                device=dev,
                ip="192.0.2.10",
                country="IL",
            )
            if p.targets["A"].get(tgt) != "exploitation":
                p.targets["A"][tgt] = "engagement"
        tgt = targets_a[i]
        p.event(
            T0 + timedelta(days=30, hours=i),
            o,
            "message",
            tgt,
            device=dev,
            url=f"https://instagam.click/p/{i}",
            ip="192.0.2.10",
            country="IL",
        )
        p.targets["A"][tgt] = "exploitation"
        for f in rnd.sample(benign, 2):  # a little cover activity
            p.event(T0 + timedelta(days=rnd.randint(0, 50)), o, "profile_view", f, device=dev)
    # Ring B (exploitation only): links on a split-host lookalike from one rare IP.
    ring_b = [p.account(f"p{i:02d}", age_days=15, country="GR") for i in range(3)]
    p.rings["B"] = ring_b
    p.targets["B"] = {}
    for i, o in enumerate(ring_b):
        for tgt in at_risk[30 + i : 34 + i]:
            p.event(
                T0 + timedelta(days=40, hours=i),
                o,
                "message",
                tgt,
                url="https://wha.tsapp.me/join/abc",
                ip="192.0.2.77",
                country="GR",
            )
            p.targets["B"][tgt] = "exploitation"
    return p


def add_quiet_member(p: Platform, ring: str = "A") -> str:
    """A quiet account of ``ring``: it looks, as a stranger, at the ring's two least visited
    targets, comes back to send the first a friend request, and does nothing else — no
    per-account signal, only operation-level evidence."""
    ring_targets = p.targets[ring]
    visitors = {t: {e["actor_id"] for e in p.events if e["target_id"] == t} for t in ring_targets}
    targets = sorted(ring_targets, key=lambda t: (len(visitors[t]), t))
    q = p.account(f"q{ring}001", age_days=150, country="US")
    p.event(T0 + timedelta(days=6), q, "profile_view", targets[0])
    p.event(T0 + timedelta(days=6, minutes=3), q, "friend_list_view", targets[1])
    p.event(T0 + timedelta(days=6, minutes=9), q, "friend_request", targets[0])
    return q


def listed_targets(
    p: Platform,
    members: tuple[str, ...],
    policy: TargetPolicy,
    firm: str = "x",
    *,
    bad_domains: tuple[str, ...] = (),
    stored_only: bool = False,
) -> list[dict[str, object]]:
    """The targets step (``detect.targets.operation_targets``) on a hand-made platform whose
    ``members`` are one flagged operation, with ``bad_domains`` judged bad: one dict per listed
    row. ``stored_only`` caches the accounts as the pipeline does — without the columns only a
    few queries read, which stay in the stored accounts."""
    import ibis

    from counterspy.analytics import connect
    from counterspy.detect.base import STORED_ONLY_ACCOUNT_COLUMNS, DetectionContext
    from counterspy.detect.targets import operation_targets

    acc = ibis.memtable(pa.Table.from_pylist(p.accounts, schema=ACCOUNTS.schema))
    ev = ibis.memtable(pa.Table.from_pylist(p.events, schema=EVENTS.schema))
    bad = ibis.memtable(pa.table({"domain": pa.array(list(bad_domains), pa.string())}))
    if stored_only:
        ctx = DetectionContext(acc.drop(*STORED_ONLY_ACCOUNT_COLUMNS), ev, bad, stored_accounts=acc)
    else:
        ctx = DetectionContext(acc, ev, bad)
    ids = list(members)
    flagged = pa.table(
        {"account_id": ids, "operation_id": ["op-0001"] * len(ids), "firm": [firm] * len(ids)}
    )
    operators = ibis.memtable(pa.table({"account_id": ids}))
    out = operation_targets(ctx, ibis.memtable(flagged), operators, policy)
    rows: list[dict[str, object]] = connect("duckdb").to_pyarrow(out).to_pylist()
    return rows


def listed_ids(
    p: Platform,
    members: tuple[str, ...],
    policy: TargetPolicy,
    *,
    bad_domains: tuple[str, ...] = (),
    stored_only: bool = False,
) -> set[str]:
    """The target ids ``listed_targets`` lists (same arguments)."""
    rows = listed_targets(p, members, policy, bad_domains=bad_domains, stored_only=stored_only)
    return {str(r["target_id"]) for r in rows}


def run_plant(tmp: Path, p: Platform, config: DetectionConfig) -> DetectionResult:
    """Write the platform to ``tmp`` and run the whole pipeline on DuckDB with ``config``."""
    p.write(tmp)
    return run_detection(load_tables(connect("duckdb"), Workspace(tmp)), config)


def flagged(r: DetectionResult) -> set[str]:
    """The accounts a detection flagged."""
    return set(r.accounts.loc[r.accounts["flagged"], "account_id"])
