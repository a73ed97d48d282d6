"""A fast vectorised platform generator for benchmarks (not the product simulator).

Benign accounts act on Zipf-popular accounts at random times; a viral burst shares one URL;
``rings`` planted operator rings each profile, befriend and phish a set of at-risk accounts
from shared infrastructure. Written straight into a workspace's ``loads/`` layout.

Ring timing (``ring_timing``): ``"uniform"`` (the original generator) times every ring action
uniformly at random over the 30 days, so two members rarely act on the same person within a
week; ``"coordinated"`` gives each (ring, target) one campaign start, uniform over the 30 days,
and times every member's action on that target within ``campaign_hours`` of it — members work
a person within hours or days of each other, as the product simulator's operators do. Both
modes draw the same benign events, ring members and targets (the campaign times come from a
separate random stream), so only the ring timestamps differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from counterspy.ingest.schema import ACCOUNTS, EVENTS

START = int(datetime(2021, 10, 1, tzinfo=UTC).timestamp())
DAYS = 30
RING_TIMINGS = ("uniform", "coordinated")
TYPES = np.array(
    [
        "login",
        "profile_view",
        "friend_list_view",
        "search",
        "friend_request",
        "friend_accept",
        "follow",
        "message",
        "link_share",
        "post",
        "comment",
        "reaction",
    ]
)
TYPE_P = np.array([0.1, 0.3, 0.02, 0.05, 0.03, 0.02, 0.03, 0.15, 0.05, 0.1, 0.1, 0.05])
DOMAINS = np.array(
    [
        "https://www.youtube.com/watch?v=",
        "https://news.example.org/a/",
        "https://www.bbc.com/n/",
        "https://www.instagram.com/p/",
        "https://shop.example.com/i/",
        "https://blog.example.net/",
    ]
)


@dataclass(frozen=True)
class Planted:
    rings: list[list[str]]
    targets: list[list[str]]


def _ids(prefix: str, idx: np.ndarray, width: int) -> pa.Array:
    s = pc.utf8_lpad(pa.array(idx).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), s, "")


def generate(
    home: Path,
    events: int,
    *,
    rings: int = 20,
    ring_size: int = 10,
    seed: int = 1,
    chunk: int = 2_000_000,
    at_risk_share: float = 0.007,
    ring_timing: str = "uniform",
    campaign_hours: float = 72.0,
) -> Planted:
    if ring_timing not in RING_TIMINGS:
        raise ValueError(f"ring_timing must be one of {RING_TIMINGS}, not {ring_timing!r}")
    rng = np.random.default_rng(seed)
    # Campaign times: a separate stream, so both timings share every other draw.
    camp_rng = np.random.default_rng([seed, 1])
    span = int(campaign_hours * 3600)
    n_acc = max(2000, events // 10)
    n_risk = max(50, int(n_acc * at_risk_share))
    acc_dir = home / "loads" / "bench" / "accounts"
    ev_dir = home / "loads" / "bench" / "events"
    acc_dir.mkdir(parents=True, exist_ok=True)
    ev_dir.mkdir(parents=True, exist_ok=True)

    n_ops = rings * ring_size
    total_acc = n_acc + n_ops
    at_risk = np.full(total_acc, None, dtype=object)
    risk_idx = rng.choice(n_acc, n_risk, replace=False)
    at_risk[risk_idx] = "journalist"
    created = START - rng.integers(100, 3000, total_acc) * 86400
    created[n_acc:] = START - rng.integers(5, 60, n_ops) * 86400
    countries = rng.choice(np.array(["DE", "US", "GR", "EG", "MX", "IN", "BR"]), total_acc)
    accounts = pa.table(
        {
            "account_id": _ids("a", np.arange(total_acc), 9),
            "created_at": pa.array(created * 1_000_000, pa.int64()).cast(pa.timestamp("us", "UTC")),
            "display_name": _ids("Person ", np.arange(total_acc), 9),
            "account_type": pa.array(np.full(total_acc, "person")),
            "country": pa.array(countries),
            "locale": pa.array(np.full(total_acc, "en-US")),
            "verified": pa.array(np.zeros(total_acc, dtype=bool)),
            "at_risk": pa.array(at_risk, pa.string()),
            "photo_hash": _ids("p", np.arange(total_acc), 15),
        },
        schema=ACCOUNTS.schema,
    )
    pq.write_table(accounts, acc_dir / "part-0.parquet")

    # Planted rings: each ring works its own 30 at-risk targets.
    ring_rows: dict[str, list[object]] = {c: [] for c in EVENTS.names}
    planted = Planted([], [])
    for r in range(rings):
        members = np.arange(n_acc + r * ring_size, n_acc + (r + 1) * ring_size)
        tgts = rng.choice(risk_idx, 30, replace=False)
        planted.rings.append([f"a{m:09d}" for m in members])
        planted.targets.append([f"a{t:09d}" for t in tgts])
        campaign = dict(
            zip(tgts.tolist(), camp_rng.integers(0, DAYS * 86400 - span, len(tgts)), strict=True)
        )
        for m in members:
            mine = rng.choice(tgts, 15, replace=False)
            for j, t in enumerate(mine):
                ts = START + int(rng.integers(0, DAYS * 86400))
                if ring_timing == "coordinated":
                    ts = START + int(campaign[int(t)]) + int(camp_rng.integers(0, span + 1))
                etype = ("profile_view", "friend_list_view", "friend_request", "message")[j % 4]
                url = f"https://instagam-login{r}.click/x" if etype == "message" else None
                for c, v in (
                    ("ts", ts),
                    ("actor_id", f"a{m:09d}"),
                    ("event_type", etype),
                    ("target_id", f"a{t:09d}"),
                    ("url", url),
                    ("ip", f"192.0.2.{r}"),
                    ("asn", 16509),
                    ("device_id", f"ring{r}-{m % 3}"),
                    ("user_agent", "UA-ring"),
                    ("country", "IL"),
                    ("group_id", None),
                ):
                    ring_rows[c].append(v)
    n_ring = len(ring_rows["ts"])
    ring_rows["event_id"] = [f"r{i:010d}" for i in range(n_ring)]

    written = 0
    part = 0
    popularity = 1.0 / np.arange(1, n_acc + 1) ** 0.8
    popularity /= popularity.sum()
    while written < events:
        n = min(chunk, events - written)
        actor = rng.integers(0, n_acc, n)
        etype = rng.choice(TYPES, n, p=TYPE_P)
        target = rng.choice(n_acc, n, p=popularity)
        no_target = np.isin(etype, ["login", "link_share", "post"])
        has_url = np.isin(etype, ["link_share", "message"]) & (rng.random(n) < 0.4)
        url = np.char.add(rng.choice(DOMAINS, n), rng.integers(0, 1000, n).astype(str))
        ts = START + rng.integers(0, DAYS * 86400, n)
        cols = {
            "event_id": _ids("e", np.arange(written, written + n), 10),
            "ts": pa.array(ts * 1_000_000, pa.int64()).cast(pa.timestamp("us", "UTC")),
            "actor_id": _ids("a", actor, 9),
            "event_type": pa.array(etype),
            "target_id": pc.if_else(
                pa.array(no_target), pa.scalar(None, pa.string()), _ids("a", target, 9)
            ),
            "group_id": pa.nulls(n, pa.string()),
            "url": pc.if_else(pa.array(has_url), pa.array(url), pa.scalar(None, pa.string())),
            "ip": _ids("10.0.", actor % 65000, 5),
            "asn": pa.array(
                rng.choice(np.array([3320, 7922, 2856, 16509]), n, p=[0.4, 0.4, 0.19, 0.01])
            ),
            "device_id": _ids("d", actor, 9),
            "user_agent": pa.array(rng.choice(np.array(["UA-a", "UA-b", "UA-c"]), n)),
            "country": pa.array(countries[actor]),
        }
        if part == 0:
            ring = (
                pa.table(
                    {
                        **{c: ring_rows[c] for c in EVENTS.names if c != "ts"},
                        "ts": pa.array(np.array(ring_rows["ts"]) * 1_000_000, pa.int64()).cast(
                            pa.timestamp("us", "UTC")
                        ),
                    }
                )
                .select(list(EVENTS.names))
                .cast(EVENTS.schema)
            )
            pq.write_table(ring, ev_dir / "part-ring.parquet")
        tbl = pa.table(cols).cast(EVENTS.schema)
        pq.write_table(tbl, ev_dir / f"part-{part:04d}.parquet")
        written += n
        part += 1
    return planted
