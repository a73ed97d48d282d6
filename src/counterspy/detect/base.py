"""Detectors as configured steps: a frozen dataclass of parameters, a stable name, a version.

A detector is a function from Ibis tables to an Ibis table of *signals*: one row per account
and fired signal, carrying the evidence a reviewer needs (the measured value, the threshold it
crossed, the time window and a sentence). Detectors never execute queries and never loop over
rows in Python; the pipeline materialises everything once at the end.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from typing import Any, ClassVar, TypeVar

import ibis
import ibis.expr.types as ir

from counterspy.model import EventType

SIGNAL_COLUMNS: tuple[str, ...] = (
    "account_id",
    "detector",
    "version",
    "phase",
    "signal",
    "value",
    "threshold",
    "weight",
    "window_start",
    "window_end",
    "evidence",
    "params",
)

RECON_TYPES = (
    EventType.PROFILE_VIEW.value,
    EventType.FRIEND_LIST_VIEW.value,
    EventType.SEARCH.value,
    EventType.FOLLOW.value,
)
CONTACT_TYPES = (EventType.FRIEND_REQUEST.value, EventType.MESSAGE.value)
LINK_TYPES = (EventType.MESSAGE.value, EventType.LINK_SHARE.value)

_DOMAIN_RE = r"^[A-Za-z][A-Za-z0-9+.\-]*://([^/?#:@]+)"


def url_domain(url: ir.StringValue) -> ir.StringValue:
    """Lower-case host of a URL without a leading ``www.``; empty when none can be parsed."""
    host = url.re_extract(_DOMAIN_RE, 1).lower()
    return host.re_replace(r"^www\.", "").re_replace(r"\.$", "")


@dataclass(frozen=True)
class DetectionContext:
    """The canonical tables plus derived views every detector shares (all lazy expressions)."""

    accounts: ir.Table
    events: ir.Table
    # domain, label ('malicious' | 'suspicious'), reason, actor: only judged-bad domains.
    bad_domains: ir.Table
    # Materialise each derived table below once in the engine (DuckDB temp table / Spark
    # cache) on first use: several detectors share them, and each would otherwise rescan
    # the events. Off for callers that only build expressions.
    materialize: bool = False
    # Also materialise the tables that read the in-memory verdict table (suspects' events):
    # only on engines whose cache registers in-memory tables (DuckDB; not Spark).
    materialize_verdict_dependent: bool = False
    # Every event by a known superset of the accounts later steps ask about (the pipeline's
    # coordination candidates), materialised once: :meth:`events_of` and :attr:`key_events`
    # read it instead of the whole events table. None: read the events.
    actor_events: ir.Table | None = None
    # (ts, actor_id, event_type, target_id) of every event by or on an account that given
    # actors acted on (viewing or contact), materialised once: operation merge and expansion
    # read the events around the flagged accounts' targets from it. None: read the events.
    target_events: ir.Table | None = None
    # (w_id): the accounts :attr:`target_events` is about (every event by or on each of them
    # is there), kept with it. None: no target events.
    target_ids: ir.Table | None = None
    # The events as stored (read from the workspace in each query, every column) when
    # :attr:`events` is a cache that leaves out columns only one or two queries read (the
    # user agent: :data:`STORED_ONLY_EVENT_COLUMNS`). None: :attr:`events` has every column.
    stored_events: ir.Table | None = None
    # The accounts as stored, likewise, when :attr:`accounts` leaves out the persona columns
    # only attribution reads for an operation's members (:data:`STORED_ONLY_ACCOUNT_COLUMNS`).
    stored_accounts: ir.Table | None = None

    @property
    def all_event_columns(self) -> ir.Table:
        """The events with every column (:attr:`stored_events`, else :attr:`events`)."""
        return self.events if self.stored_events is None else self.stored_events

    @property
    def all_account_columns(self) -> ir.Table:
        """The accounts with every column (:attr:`stored_accounts`, else :attr:`accounts`)."""
        return self.accounts if self.stored_accounts is None else self.stored_accounts

    def _keep(self, t: ir.Table) -> ir.Table:
        return t.cache() if self.materialize else t

    def with_bad_domains(self, bad_domains: ir.Table) -> DetectionContext:
        """The same context judging ``bad_domains``; derived tables that do not depend on
        the verdicts (already materialised or not) are carried over."""
        ctx = replace(self, bad_domains=bad_domains)
        for name in _VERDICT_FREE:
            if name in self.__dict__:
                ctx.__dict__[name] = self.__dict__[name]
        return ctx

    def with_actor_events(self, actor_events: ir.Table) -> DetectionContext:
        """The same context whose :meth:`events_of` reads ``actor_events`` (every event by a
        superset of every actor set it will be asked about); derived tables carry over."""
        ctx = replace(self, actor_events=actor_events)
        for name, value in self.__dict__.items():
            if name in _DERIVED:
                ctx.__dict__[name] = value
        return ctx

    def with_target_events(self, actors: ir.Table) -> DetectionContext:
        """The same context with :attr:`target_events` for the accounts ``actors`` (column
        ``account_id``) viewed, searched, followed, befriended or messaged."""
        ev = self.events_of(actors)
        ev = ev.filter(
            ev.event_type.isin(RECON_TYPES + CONTACT_TYPES)
            & ev.target_id.notnull()
            & (ev.actor_id != ev.target_id)
        )
        ids = ev.select(w_id=ev.target_id).distinct()
        a = ids.select(k_a=ids.w_id)
        b = ids.select(k_b=ids.w_id)
        e = self.events
        j = e.left_join(a, e.actor_id == a.k_a).left_join(b, e.target_id == b.k_b)
        j = j.filter(j.k_a.notnull() | j.k_b.notnull())
        near = j.select("ts", "actor_id", "event_type", "target_id")
        ctx = replace(self, target_events=self.keep_scoped(near), target_ids=self.keep_scoped(ids))
        for name, value in self.__dict__.items():
            if name in _DERIVED or name == "key_events":
                ctx.__dict__[name] = value
        return ctx

    @cached_property
    def as_of(self) -> ir.TimestampScalar:
        """End of the observed period: ages are measured against the data, not the clock."""
        return self.events.ts.max()

    @cached_property
    def at_risk_accounts(self) -> ir.Table:
        """The protection programme's accounts (a small table: well under 1 % of accounts)."""
        acc = self.accounts.filter(self.accounts.at_risk.notnull())
        return self._keep(acc.select(r_id=acc.account_id, target_country=acc.country))

    @cached_property
    def at_risk_events(self) -> ir.Table:
        """Events naming an account where the target (``at_risk_target``: and not the actor
        itself) or the actor (``at_risk_actor``) is at risk: one scan feeds
        :attr:`on_at_risk` and :attr:`answers` (:data:`AT_RISK_EVENT_COLUMNS`: what their
        readers read)."""
        ev = self.events.filter(self.events.target_id.notnull())
        r = self.at_risk_accounts
        rt = r.select(t_rid=r.r_id)
        ra = r.select(a_rid=r.r_id)
        j = ev.left_join(rt, ev.target_id == rt.t_rid).left_join(ra, ev.actor_id == ra.a_rid)
        on = j.t_rid.notnull() & (j.actor_id != j.target_id)
        by = j.a_rid.notnull()
        j = j.filter(on | by)
        return self._keep(j.select(*AT_RISK_EVENT_COLUMNS, at_risk_target=on, at_risk_actor=by))

    @cached_property
    def on_at_risk(self) -> ir.Table:
        """Events by anyone naming an at-risk target (hash join against the small side)."""
        t = self.at_risk_events
        t = t.filter(t.at_risk_target)
        return self._keep(t.select(*AT_RISK_EVENT_COLUMNS))

    @cached_property
    def answers(self) -> ir.Table:
        """(a_id, b_id, b_first): at-risk account ``b_id`` first acted on ``a_id`` at b_first.

        Reciprocity for at-risk targets: did the person ever look back, reply or accept?
        """
        ev = self.at_risk_events
        ev = ev.filter(ev.at_risk_actor)
        return self._keep(
            ev.group_by(a_id=ev.target_id, b_id=ev.actor_id).aggregate(b_first=ev.ts.min())
        )

    def at_risk_pairs(self, types: tuple[str, ...] | None = None) -> ir.Table:
        """One row per (actor, at-risk target) acted on with ``types`` (None: any action):
        first / last action,
        when the target first acted on the actor (``b_first``, null if never), whether the
        actor was a *stranger* (the target had not acted on it first) and whether the target
        ever answered (``answered_ever``) or answered after the first action (``answered``).
        """
        t = self.on_at_risk
        if types is not None:
            t = t.filter(t.event_type.isin(types))
        pairs = t.group_by("actor_id", "target_id").aggregate(first=t.ts.min(), last=t.ts.max())
        ans = self.answers
        pairs = pairs.left_join(ans, (pairs.actor_id == ans.a_id) & (pairs.target_id == ans.b_id))
        return pairs.select(
            "actor_id",
            "target_id",
            "first",
            "last",
            "b_first",
            stranger=pairs.b_first.isnull() | (pairs.b_first > pairs.first),
            answered=pairs.b_first.notnull() & (pairs.b_first >= pairs.first),
            answered_ever=pairs.b_first.notnull(),
        )

    @cached_property
    def suspects(self) -> ir.Table:
        """Accounts that acted on at-risk people or sent a link on a judged-bad domain.

        Weak per-account signals (country mismatch, hosting networks, machine pacing) cannot
        flag an account alone; they are computed only for these accounts, which keeps the
        full-table scans off the hot path.
        """
        a = self.on_at_risk.select(account_id=self.on_at_risk.actor_id)
        links = self.links
        bad = self.bad_domains.select(b_dom=self.bad_domains.domain)
        b = links.inner_join(bad, links.domain == bad.b_dom).select(account_id=links.actor_id)
        # Not materialised: it reads the verdict table, an in-memory table that Spark's cache
        # does not register; its inputs (on_at_risk, links) are materialised already.
        return ibis.union(a, b).distinct()

    @cached_property
    def suspect_events(self) -> ir.Table:
        """Every event by :attr:`suspects` (the weak per-account signals read only these),
        with only the columns those signals read (:data:`SUSPECT_EVENT_COLUMNS`)."""
        ev = self.events_of(self.suspects).select(*SUSPECT_EVENT_COLUMNS)
        return ev.cache() if self.materialize and self.materialize_verdict_dependent else ev

    def distinct_targets(
        self, actors: ir.Table, types: tuple[str, ...], *, suspects: bool = False
    ) -> ir.Table:
        """(account_id, n_targets): distinct accounts each of ``actors`` acted on with ``types``
        (from :attr:`actor_events` when the context has them: ``actors`` are among them).

        ``suspects``: the caller vouches that ``actors`` acted on at-risk people (e.g. they
        come from :meth:`at_risk_pairs`), so they are among :attr:`suspects`: their events
        are read from :attr:`suspect_events` (about a quarter of the events) instead."""
        ids = actors.select(c_id=actors.account_id)
        if self.actor_events is not None:
            src = self.actor_events
        else:
            src = self.suspect_events if suspects else self.events
        ev = src.filter(src.event_type.isin(types) & src.target_id.notnull())
        ev = ev.filter(ev.actor_id != ev.target_id)
        ev = ev.inner_join(ids, ev.actor_id == ids.c_id)
        return ev.group_by(account_id=ev.actor_id).aggregate(n_targets=ev.target_id.nunique())

    def events_of(self, actors: ir.Table) -> ir.Table:
        """Every event by ``actors`` (a small table with column ``account_id``)."""
        ids = actors.select(c_id=actors.account_id).distinct()
        src = self.events if self.actor_events is None else self.actor_events
        ev = src.inner_join(ids, src.actor_id == ids.c_id)
        return ev.drop("c_id")

    @cached_property
    def key_events(self) -> ir.Table:
        """(actor_id, ip, device_id, asn), distinct, with the first and last time of each
        (``k_first``, ``k_last``), of every event on an IP address or device used in
        :attr:`actor_events` (else: (actor_id, ip, device_id, asn) of every event, not
        narrowed and **without** ``k_first`` / ``k_last``: only a context with actor events
        has the times, and callers that read them check ``actor_events`` first).

        Shared-infrastructure steps count a key's popularity over every account using it but
        only ever ask about keys their accounts used: one scan narrows the events to those
        (operation evidence's shared devices read their times from here too).
        """
        ev = self.events
        if self.actor_events is None:
            return ev.select("actor_id", "ip", "device_id", "asn")
        by = self.actor_events
        ips = by.filter(by.ip.notnull()).select(k_ip=by.ip).distinct()
        devs = by.filter(by.device_id.notnull()).select(k_dev=by.device_id).distinct()
        j = ev.left_join(ips, ev.ip == ips.k_ip).left_join(devs, ev.device_id == devs.k_dev)
        j = j.filter(j.k_ip.notnull() | j.k_dev.notnull())
        j = j.group_by("actor_id", "ip", "device_id", "asn").aggregate(
            k_first=j.ts.min(), k_last=j.ts.max()
        )
        return self.keep_scoped(j)

    def keep_scoped(self, t: ir.Table) -> ir.Table:
        """Materialise a table derived from :attr:`actor_events` or another in-memory
        table (only on engines whose cache registers those' descendants)."""
        return t.cache() if self.materialize and self.materialize_verdict_dependent else t

    def targeted_by(self, actors: ir.Table) -> ir.Table:
        """Events by ``actors`` naming another account, with the target's at-risk flag/country."""
        ev = self.events_of(actors)
        ev = ev.filter(ev.target_id.notnull() & (ev.actor_id != ev.target_id))
        acc = self.accounts.select(
            t_id=self.accounts.account_id,
            target_at_risk=self.accounts.at_risk.notnull(),
            target_country=self.accounts.country,
        )
        j = ev.inner_join(acc, ev.target_id == acc.t_id)
        return j.select(
            "ts",
            "actor_id",
            "event_type",
            "target_id",
            "url",
            "target_at_risk",
            "target_country",
        )

    @cached_property
    def links(self) -> ir.Table:
        """Events carrying a URL, with its parsed domain.

        Only the columns link steps read are kept (fetching the others for the scattered link
        rows would decode most of the events), and hosts are parsed once per distinct URL
        (links repeat: a campaign sends the same URL many times), not once per event.
        """
        ev = self.events.filter(self.events.url.notnull() & self.events.event_type.isin(LINK_TYPES))
        ev = ev.select("ts", "actor_id", "event_type", "target_id", "url")
        urls = ev.select(u_url=ev.url).distinct()
        urls = urls.select("u_url", domain=url_domain(urls.u_url))
        # Kept before filtering: else the engine pushes the filter (three regular expressions)
        # below the distinct, into the scan of every link event.
        urls = self._keep(urls)
        urls = urls.filter(urls.domain != "")
        return self._keep(ev.inner_join(urls, ev.url == urls.u_url).drop("u_url"))

    @cached_property
    def recon_user_agents(self) -> ir.Table:
        """(user_agent): the distinct user agents of viewing actions (a handful), kept so
        that a test on them runs once per agent, not once per event."""
        ev = self.all_event_columns
        ev = ev.filter(ev.event_type.isin(RECON_TYPES))
        return self._keep(ev.select("user_agent").distinct())


# The columns of :attr:`DetectionContext.actor_events` the steps after the detectors read
# (coordination, operation merge, expansion, attribution features, targets): the pipeline
# keeps only these (the ASN, user agent and country were copied and never read).
ACTOR_EVENT_COLUMNS = ("ts", "actor_id", "event_type", "target_id", "url", "ip", "device_id")

# Event columns the pipeline's cache of the events leaves out: only the automation user
# agent detector (distinct viewing user agents, then the few events on an automation agent)
# and the off-by-default fingerprint pairs read the user agent, from
# :attr:`DetectionContext.all_event_columns`. Copying it cost ~0.5 CPU-s at 10M events; the
# two reads from the workspace cost less than the one from the cache did.
STORED_ONLY_EVENT_COLUMNS = ("user_agent",)

# Account columns the pipeline's cache of the accounts leaves out: attribution reads the
# personas' names, kinds and UI languages of an operation's members only (one join against
# the stored accounts). Copying them cost ~0.45 of ~0.65 CPU-s for 1M accounts.
STORED_ONLY_ACCOUNT_COLUMNS = ("display_name", "account_type", "locale", "verified")

# The columns of :attr:`DetectionContext.on_at_risk` (and ``at_risk_events``): what the
# at-risk detectors, co-action and operation merge read (the URL and the target's country
# were kept and never read).
AT_RISK_EVENT_COLUMNS = ("ts", "actor_id", "event_type", "target_id")

# The columns of :attr:`DetectionContext.suspect_events`: what the weak per-account signals
# (country mismatch, hosting network, machine pacing) read. Copying the URL, IP address,
# device and user agent too cost ~0.5 CPU-s at 10M events and nobody read them.
SUSPECT_EVENT_COLUMNS = ("ts", "actor_id", "event_type", "target_id", "asn", "country")


_VERDICT_FREE = (
    "at_risk_accounts",
    "at_risk_events",
    "on_at_risk",
    "answers",
    "links",
    "recon_user_agents",
)
# Derived tables that do not depend on :attr:`DetectionContext.actor_events`.
_DERIVED = (*_VERDICT_FREE, "as_of", "suspects", "suspect_events")


class Detector(ABC):
    """A configured detection step. Subclasses are frozen dataclasses holding parameters."""

    name: ClassVar[str]
    version: ClassVar[int]
    phase: ClassVar[str]

    @abstractmethod
    def run(self, ctx: DetectionContext) -> ir.Table:
        """Signals (columns :data:`SIGNAL_COLUMNS`) for the accounts this detector flags."""

    def params_json(self) -> str:
        params: dict[str, Any] = asdict(self)  # type: ignore[call-overload]
        return json.dumps(params, sort_keys=True)

    def rows(
        self,
        t: ir.Table,
        *,
        signal: str,
        value: ir.NumericValue,
        threshold: float,
        weight: float | ir.NumericValue,
        window_start: ir.TimestampValue,
        window_end: ir.TimestampValue,
        evidence: ir.StringValue,
    ) -> ir.Table:
        """Shape ``t`` (one row per account, column ``account_id``) into signal rows."""
        return signal_rows(
            t,
            detector=self.name,
            version=self.version,
            phase=self.phase,
            signal=signal,
            value=value,
            threshold=threshold,
            weight=weight,
            window_start=window_start,
            window_end=window_end,
            evidence=evidence,
            params=self.params_json(),
        )


def signal_rows(
    t: ir.Table,
    *,
    detector: str,
    version: int,
    phase: str,
    signal: str,
    value: ir.NumericValue,
    threshold: float,
    weight: float | ir.NumericValue,
    window_start: ir.TimestampValue,
    window_end: ir.TimestampValue,
    evidence: ir.StringValue,
    params: str,
) -> ir.Table:
    """Shape ``t`` (one row per account, column ``account_id``) into signal rows
    (:data:`SIGNAL_COLUMNS`): detectors and counter-evidence policies alike."""
    return t.select(
        account_id=t.account_id,
        detector=ibis.literal(detector),
        version=ibis.literal(version, type="int64"),
        phase=ibis.literal(phase),
        signal=ibis.literal(signal),
        value=value.cast("float64"),
        threshold=ibis.literal(float(threshold), type="float64"),
        weight=ibis.literal(weight, type="float64")
        if isinstance(weight, float)
        else weight.cast("float64"),
        window_start=window_start,
        window_end=window_end,
        evidence=evidence,
        params=ibis.literal(params),
    )


def fmt(x: ir.NumericValue, digits: int = 2) -> ir.StringValue:
    """A number as text for evidence sentences (rounded)."""
    if digits == 0:
        return x.cast("int64").cast("string")
    return x.cast("float64").round(digits).cast("string")


REGISTRY: dict[str, type[Detector]] = {}
D = TypeVar("D", bound=type[Detector])


def register(cls: D) -> D:
    """Register a detector class under its stable name (a storage key: never reuse one)."""
    if cls.name in REGISTRY:
        raise ValueError(f"detector name {cls.name!r} registered twice")
    REGISTRY[cls.name] = cls
    return cls


def all_detectors() -> list[Callable[[], Detector]]:
    return [REGISTRY[n] for n in sorted(REGISTRY)]
