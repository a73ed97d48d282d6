"""Events of one operation, phase by phase (reconnaissance, engagement, exploitation).

Loops run per operation and per target (small); each yields arrays. Timing follows the
stealth profile: machine-speed bursts in the tooling's working hours, or human sessions with
jitter in the persona's claimed time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from counterspy.ingest.simulator.batch import AUTOMATION_UA0, UA_TABLE, EventBatch, T
from counterspy.ingest.simulator.benign import network_context
from counterspy.ingest.simulator.config import StealthProfile
from counterspy.ingest.simulator.operators import OperationPlan
from counterspy.ingest.simulator.population import US_PER_DAY, Population
from counterspy.ingest.simulator.reference import web
from counterspy.ingest.simulator.vec import mix, unit
from counterspy.model import Phase

I64 = npt.NDArray[np.int64]
_WORK = np.array(
    [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 2, 6, 9, 9, 9, 6, 8, 9, 9, 8, 5, 2, 1, 0.8, 0.6, 0.4, 0.3]
)
_LEISURE = np.array(
    [3, 2, 1.2, 0.8, 0.7, 1, 2, 3.5, 4.5, 5, 5, 5.5, 6, 5.5, 5.5, 5.5, 6, 6.5, 7, 7.5, 8, 8, 7, 5]
)


@dataclass
class _Rows:
    """Accumulates (visit-grouped) operation actions before timing is applied."""

    actor: list[int] = field(default_factory=list)
    etype: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    url: list[str | None] = field(default_factory=list)
    visit: list[int] = field(default_factory=list)  # actions of one visit happen together
    phase: list[int] = field(default_factory=list)  # 1 recon, 2 engagement, 3 exploitation
    automated: list[bool] = field(default_factory=list)
    n_visits: int = 0

    def add(
        self,
        actor: int,
        etype: str,
        target: int = -1,
        group: int = -1,
        url: str | None = None,
        phase: int = 1,
        automated: bool = False,
    ) -> None:
        self.actor.append(actor)
        self.etype.append(T[etype])
        self.target.append(target)
        self.group.append(group)
        self.url.append(url)
        self.visit.append(self.n_visits)
        self.phase.append(phase)
        self.automated.append(automated)

    def next_visit(self) -> None:
        self.n_visits += 1


def _role_accounts(plan: OperationPlan, *roles: str) -> I64:
    picked = [a for a, r in zip(plan.accounts, plan.roles, strict=True) if r in roles]
    return np.array(picked or list(plan.accounts), dtype=np.int64)


def _bad_url(plan: OperationPlan, rng: np.random.Generator, k: int) -> str:
    """The ``k``-th malicious link: domains are used in turn, then at random."""
    pick = k if k < len(plan.domains) else int(rng.integers(0, len(plan.domains)))
    domain, _ = plan.domains[pick]
    paths = web().url_paths
    token = f"{int(rng.integers(0, 36**7)):x}"
    return f"https://{domain}/{paths[int(rng.integers(0, len(paths)))]}/{token}"


def operation_events(
    pop: Population,
    plan: OperationPlan,
    prof: StealthProfile,
    rng: np.random.Generator,
    seed: int,
) -> EventBatch:
    b = plan.firm.behaviour
    vol = prof.volume
    rows = _Rows()
    targets = plan.targets
    recon = _role_accounts(plan, "recon")
    personas = _role_accounts(plan, "persona")
    exploit = _role_accounts(plan, "exploit", "persona")

    if Phase.RECONNAISSANCE in plan.phases:
        for t in targets:
            n_view = min(len(recon), 1 + rng.poisson(0.8 * vol))  # co-action on the same target
            for a in rng.choice(recon, n_view, replace=False):
                auto = bool(rng.random() < prof.automation_ua_share) and b.webint
                for _ in range(max(1, rng.poisson(b.views_per_target * vol / n_view))):
                    rows.add(int(a), "profile_view", int(t), automated=auto)
                for _ in range(rng.poisson(b.friend_list_views_per_target * vol / n_view)):
                    rows.add(int(a), "friend_list_view", int(t), automated=auto)
                # enumerate the friend list: family and closest friends first
                n_enum = rng.poisson(b.enumerate_friends * vol / n_view)
                if n_enum:
                    fr = pop.friend(np.full(n_enum, t), np.arange(n_enum, dtype=np.int64))
                    for f in fr:
                        if f in targets:
                            rows.add(int(a), "profile_view", int(f), automated=auto)
                if rng.random() < b.group_joins_per_target:
                    rows.add(int(a), "group_join", group=int(pop.community[t]), automated=auto)
                rows.next_visit()
        for a in recon:
            for _ in range(rng.poisson(b.searches_per_account * vol)):
                rows.add(int(a), "search")
                rows.next_visit()

    engaged = targets
    if Phase.ENGAGEMENT in plan.phases:
        engaged = targets[rng.random(len(targets)) < b.engaged_share]
        if len(engaged) == 0 and len(targets):
            engaged = targets[:1]
        for t in engaged:
            p = int(personas[int(rng.integers(0, len(personas)))])
            rows.add(p, "profile_view", int(t), phase=1)
            if rng.random() < b.friend_request_share:
                rows.add(p, "friend_request", int(t), phase=2)
                if rng.random() < b.acceptance:
                    rows.add(int(t), "friend_accept", p, phase=0)
            rows.next_visit()
            for _ in range(max(1, rng.poisson(b.messages_per_engaged * max(vol, 0.6)))):
                rows.add(p, "message", int(t), phase=2)
                if rng.random() < b.reply_rate:
                    rows.add(int(t), "message", p, phase=0)
                rows.next_visit()

    if Phase.EXPLOITATION in plan.phases:
        pool = engaged if Phase.ENGAGEMENT in plan.phases else targets
        hit = pool[rng.random(len(pool)) < b.exploited_share]
        if len(hit) == 0 and len(pool):
            hit = pool[:1]
        n_links = 0
        for t in hit:
            s = int(exploit[int(rng.integers(0, len(exploit)))])
            for _ in range(max(1, rng.poisson(b.links_per_exploited * min(vol, 1.5)))):
                if rng.random() < b.link_share_channel:
                    rows.add(
                        s,
                        "link_share",
                        int(t),
                        group=int(pop.community[t]),
                        url=_bad_url(plan, rng, n_links),
                        phase=3,
                    )
                else:
                    rows.add(s, "message", int(t), url=_bad_url(plan, rng, n_links), phase=3)
                n_links += 1
                rows.next_visit()
    return _timed(pop, plan, prof, rows, rng, seed)


def _timed(
    pop: Population,
    plan: OperationPlan,
    prof: StealthProfile,
    rows: _Rows,
    rng: np.random.Generator,
    seed: int,
) -> EventBatch:
    n = len(rows.actor)
    actor = np.array(rows.actor, dtype=np.int64)
    visit = np.array(rows.visit, dtype=np.int64)
    phase = np.array(rows.phase, dtype=np.int64)
    lo, hi = plan.window
    span = hi - lo
    # Each target moves through the chain in order: profiled first, contacted later,
    # sent the link last. A target's clock starts at a random point of the window.
    offset = np.array([0.0, 0.0, 0.25, 0.5])
    spread = np.array([1.0, 0.35, 0.3, 0.3])
    nv = int(visit.max()) + 1 if n else 0
    v_phase = np.zeros(nv, dtype=np.int64)
    np.maximum.at(v_phase, visit, phase)
    burst = rng.random(nv) < prof.burst_share
    target = np.array(rows.target, dtype=np.int64)
    first_row = np.minimum(np.searchsorted(visit, np.arange(nv)), max(n - 1, 0))
    first_actor = actor[first_row]  # the operator; responses come after it
    v_target = target[first_row] if n else np.zeros(0, dtype=np.int64)
    t_clock = unit(np.maximum(v_target, 0), seed % 65_536 + 5) * 0.4
    frac = np.where(
        v_target >= 0,
        t_clock + offset[v_phase] + rng.random(nv) * spread[v_phase] * 0.5,
        rng.random(nv),
    )
    frac = np.clip(frac, 0.0, 1.0)
    day = ((lo + frac * span - pop.start_us) // US_PER_DAY).astype(np.int64)
    # bursts follow the tooling's office hours; human visits follow the persona's evenings
    hour_w = np.where(burst[:, None], _WORK, _LEISURE)
    hour_cdf = np.cumsum(hour_w, axis=1) / hour_w.sum(axis=1, keepdims=True)
    hour = (rng.random(nv)[:, None] > hour_cdf).sum(axis=1)
    tz_country = np.where(burst, plan.home_tz, pop.country[np.maximum(first_actor, 0)])
    off = pop.tz[tz_country, np.clip(day, 0, pop.tz.shape[1] - 1)]
    v_start = (
        pop.start_us
        + day * US_PER_DAY
        + ((hour * 3600 + rng.random(nv) * 3600 - off) * 1e6).astype(np.int64)
    )
    v_start = np.clip(v_start, lo, hi)
    # visits in a burst chain seconds apart, as WEBINT tooling does
    if burst.any():
        chain = np.flatnonzero(burst)
        chain_head = chain[:: max(1, int(rng.integers(5, 30)))]
        head_of = chain_head[np.searchsorted(chain_head, chain, side="right") - 1]
        steps = np.arange(len(chain)) - np.searchsorted(chain, head_of)
        v_start[chain] = v_start[head_of] + (steps * rng.uniform(2, 12, len(chain)) * 1e6).astype(
            np.int64
        )
    # keep each target's chain in order even where bursts moved a visit
    end_us = pop.start_us + pop.days * US_PER_DAY
    # keep each target's chain in order even where bursts or friend enumeration moved a view
    has_t = v_target >= 0
    uniq = np.unique(target)
    row_slot, v_slot = np.searchsorted(uniq, target), np.searchsorted(uniq, v_target)
    pos0 = np.arange(n) - np.searchsorted(visit, visit)
    for ph in (2, 3):
        row_t = v_start[visit] + pos0 * 90_000_000  # upper bound of each row's time
        earlier = (target >= 0) & (phase > 0) & (phase < ph) & (v_phase[visit] < ph)
        latest = np.full(len(uniq) + 1, np.iinfo(np.int64).min)
        np.maximum.at(latest, row_slot[earlier], row_t[earlier])
        now = np.flatnonzero(has_t & (v_phase == ph))
        floor = latest[v_slot[now]] + (rng.uniform(1, 48, len(now)) * 3.6e9).astype(np.int64)
        v_start[now] = np.minimum(np.maximum(v_start[now], floor), end_us - 3_600_000_000)
    # within one target and phase, visits happen in the order they were planned
    # (first contact, then the conversation; first link, then the reminder)
    idx = np.flatnonzero(has_t)
    group = v_slot[idx] * 4 + v_phase[idx]
    by_time = idx[np.lexsort((v_start[idx], group))]
    by_plan = idx[np.lexsort((idx, group))]
    v_start[by_plan] = v_start[by_time]
    gap_mean = np.where(burst[visit], 1.5, 45.0)
    pos = np.arange(n) - np.searchsorted(visit, visit)
    ts = v_start[visit] + (pos * gap_mean * rng.uniform(0.5, 1.5, n) * 1e6).astype(np.int64)
    # responses (phase 0) come later: hours for a friend accept, minutes-hours for a reply
    resp = phase == 0
    ts[resp] += (rng.lognormal(np.log(2 * 3600), 1.2, resp.sum()) * 1e6).astype(np.int64)
    ts = np.clip(ts, pop.created_us[actor] + 60_000_000, end_us - 1)

    key = mix(visit.astype(np.uint64) + np.uint64(seed % 100_000) * np.uint64(1 << 32), 1234)
    key = mix(key + actor.astype(np.uint64), 1235)
    ip, asn, device, ua, cc = network_context(pop, actor, key)
    auto = np.array(rows.automated, dtype=bool)
    n_auto = len(UA_TABLE) - AUTOMATION_UA0
    ua = np.where(auto, AUTOMATION_UA0 + (mix(visit, 7) % np.uint64(n_auto)).astype(np.int64), ua)
    return EventBatch(
        ts,
        actor,
        np.array(rows.etype, dtype=np.int8),
        np.array(rows.target, dtype=np.int64),
        np.array(rows.group, dtype=np.int64),
        pa.array(rows.url, pa.string()),
        ip,
        asn,
        device,
        ua,
        cc,
    )
