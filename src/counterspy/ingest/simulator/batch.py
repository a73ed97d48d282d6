"""An in-memory batch of events as numpy columns, and its conversion to the Arrow contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from counterspy.ingest.schema import EVENTS
from counterspy.ingest.simulator.reference import Country, user_agents
from counterspy.ingest.simulator.vec import account_ids, hex_ids, ipv4_text, prefixed

I64 = npt.NDArray[np.int64]

EVENT_TYPES = (
    "login",
    "profile_view",
    "friend_list_view",
    "search",
    "friend_request",
    "follow",
    "group_join",
    "message",
    "link_share",
    "post",
    "comment",
    "reaction",
    "friend_accept",
)
T = {name: i for i, name in enumerate(EVENT_TYPES)}
UA_TABLE: tuple[str, ...] = (*user_agents().benign, *user_agents().automation)
AUTOMATION_UA0 = len(user_agents().benign)


@dataclass(frozen=True)
class EventBatch:
    ts: I64  # microseconds since epoch, UTC
    actor: I64
    etype: npt.NDArray[np.int8]
    target: I64  # -1 = none
    group: I64  # -1 = none
    url: pa.Array  # string, nullable
    ip: I64  # IPv4 as integer
    asn: I64
    device: npt.NDArray[np.uint64]
    ua: I64
    ip_cc: I64

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, idx: npt.NDArray[np.intp]) -> EventBatch:
        return EventBatch(
            self.ts[idx],
            self.actor[idx],
            self.etype[idx],
            self.target[idx],
            self.group[idx],
            self.url.take(pa.array(idx)),
            self.ip[idx],
            self.asn[idx],
            self.device[idx],
            self.ua[idx],
            self.ip_cc[idx],
        )


def concat(batches: list[EventBatch]) -> EventBatch:
    if not batches:
        return empty()

    def cat(name: str) -> Any:
        return np.concatenate([getattr(b, name) for b in batches])

    return EventBatch(
        ts=cat("ts"),
        actor=cat("actor"),
        etype=cat("etype"),
        target=cat("target"),
        group=cat("group"),
        url=pa.concat_arrays([b.url for b in batches]),
        ip=cat("ip"),
        asn=cat("asn"),
        device=cat("device"),
        ua=cat("ua"),
        ip_cc=cat("ip_cc"),
    )


def empty() -> EventBatch:
    z = np.zeros(0, dtype=np.int64)
    return EventBatch(
        z, z, z.astype(np.int8), z, z, pa.nulls(0, pa.string()), z, z, z.astype(np.uint64), z, z
    )


_TYPE_STR = pa.array(EVENT_TYPES, pa.string())
_UA_STR = pa.array(UA_TABLE, pa.string())


def to_table(b: EventBatch, first_event: int, countries: tuple[Country, ...]) -> pa.Table:
    """Sort by time and render the batch in the EVENTS contract; ids continue ``first_event``."""
    order = np.argsort(b.ts, kind="stable")
    b = b.take(order)
    n = len(b)
    has_t = b.target >= 0
    has_g = b.group >= 0
    target = pc.if_else(
        pa.array(has_t), account_ids(np.maximum(b.target, 0)), pa.scalar(None, pa.string())
    )
    group = prefixed("g", np.where(has_g, b.group, 0), 7)
    group = pc.if_else(pa.array(has_g), group, pa.scalar(None, pa.string()))
    cc = pa.array([c.code for c in countries], pa.string())
    cols = [
        prefixed("e", np.arange(first_event, first_event + n), 12),
        pa.array(b.ts, pa.timestamp("us", tz="UTC")),
        account_ids(b.actor),
        _TYPE_STR.take(pa.array(b.etype.astype(np.int64))),
        target,
        group,
        b.url,
        ipv4_text(b.ip),
        pa.array(b.asn, pa.int64()),
        hex_ids(b.device),
        _UA_STR.take(pa.array(b.ua)),
        cc.take(pa.array(b.ip_cc)),
    ]
    return pa.Table.from_arrays(cols, schema=EVENTS.schema)
