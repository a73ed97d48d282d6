"""Link rings: exploitation operations none of whose accounts passes the flag threshold alone.

An exploitation-only firm (the China operation of Meta's report) does nothing on the platform
but message links: no profile views, no friend requests. When the link heuristic judges its
throw-away domains only *suspicious* (0.6: a rare domain sent to several at-risk people, see
``LinkHeuristic.spreads``), each persona stays below the flag threshold and no operation-level
rule has an anchor. What gives the operation away is that several otherwise unrelated accounts
send the *same* rare, judged-bad domains: an operation shares its infrastructure.

A *link ring* is a connected component of accounts joined by sending links on the same
judged-bad domain (malicious or suspicious) that at most ``max_domain_senders`` accounts send
in all; accounts already flagged or in an operation, protected accounts and accounts with
counter-evidence (a negative score) take no part, and two accounts of which one ever acted on
the other (a message, a friend request, a view) are not joined (``unconnected``): an
operation's personas are strangers to each other, colleagues passing round their own site
are not. A ring of ≥ ``min_ring_size`` accounts whose
own scores pool to ≥ ``min_pooled_score`` becomes a new operation. Each member gets one signal
row (detector ``operation.link_ring``, phase ``operation``) with the pooled score, the
thresholds, its window and a sentence. The heavy part is one Ibis expression returning the
(account, bad domain) rows of the few eligible senders; components are formed in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.base import SIGNAL_COLUMNS, DetectionContext
from counterspy.detect.rings import as_operations, excluded, own_scores, pooled_rings

SEND_COLUMNS = ("x", "domain", "reason", "n_senders", "n_recipients", "first", "last")
"""One account's links on one judged-bad rare domain: the domain's verdict reason, how many
accounts send it, how many accounts this one sent it to, first and last such link."""

DETECTOR = "operation.link_ring"
SIGNAL = "operation_link_ring"


@dataclass(frozen=True)
class LinkRings:
    """Operations formed from accounts sharing rare bad link domains (module docstring)."""

    enabled: bool = True
    version = 1
    max_domain_senders: int = 10
    min_ring_size: int = 3
    # Three senders of a suspicious domain (0.6 each) reach 1.8; two do not.
    min_pooled_score: float = 1.8
    # Two senders join only when neither ever acted on the other.
    unconnected: bool = True
    weight: float = 1.0

    def params_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def sends(self, ctx: DetectionContext, excluded: ir.Table) -> ir.Table:
        """(:data:`SEND_COLUMNS`) of accounts not in ``excluded`` (account_id)."""
        ex = excluded.select(e_id=excluded.account_id).distinct()
        bad = ctx.bad_domains.select(b_dom=ctx.bad_domains.domain, reason=ctx.bad_domains.reason)
        links = ctx.links
        bl = links.inner_join(bad, links.domain == bad.b_dom)
        senders = bl.group_by(s_dom=bl.domain).aggregate(n_senders=bl.actor_id.nunique())
        senders = senders.filter(senders.n_senders <= self.max_domain_senders)
        x = bl.anti_join(ex, bl.actor_id == ex.e_id)
        x = x.inner_join(senders, x.domain == senders.s_dom)
        g = x.group_by(x=x.actor_id, domain=x.domain).aggregate(
            reason=x.reason.min(),
            n_senders=x.n_senders.max(),
            n_recipients=x.target_id.nunique(),
            first=x.ts.min(),
            last=x.ts.max(),
        )
        return g.select(*SEND_COLUMNS)

    def contacts(self, events: ir.Table, accounts: ir.Table) -> ir.Table:
        """(a, b): pairs of ``accounts`` (account_id) of which ``a`` acted on ``b``, from
        ``events`` (every event by those accounts, or more)."""
        by = accounts.select(c_by=accounts.account_id).distinct()
        on = accounts.select(c_on=accounts.account_id).distinct()
        e = events.filter(events.target_id.notnull())
        e = e.semi_join(by, e.actor_id == by.c_by).semi_join(on, e.target_id == on.c_on)
        return e.select(a=e.actor_id, b=e.target_id).distinct()

    def rings(
        self,
        sends: pd.DataFrame,
        scores: pd.Series,
        contacts: frozenset[tuple[str, str]] = frozenset(),
    ) -> list[list[str]]:
        """Rings (account lists) of fetched sends that pass the size and pooled-score limits;
        ``contacts``: (a, b) pairs of which a acted on b (never joined when ``unconnected``)."""
        if sends.empty:
            return []
        pairs = []
        for _, xs in sends.groupby("domain")["x"]:
            ids = sorted({str(x) for x in xs})
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    if not (self.unconnected and ((a, b) in contacts or (b, a) in contacts)):
                        pairs.append((a, b))
        return pooled_rings(
            pairs, scores, min_size=self.min_ring_size, min_pooled=self.min_pooled_score
        )

    def signal_rows(
        self, rings: Mapping[str, list[str]], sends: pd.DataFrame, scores: pd.Series
    ) -> pd.DataFrame:
        """One explainable signal row per ring member (``rings``: operation id → members)."""
        rows = []
        for op, members in rings.items():
            own = own_scores(members, scores)
            pooled = float(own.sum())
            inside = sends[sends["x"].isin(members)]
            for a in members:
                mine = inside[inside["x"] == a].sort_values(
                    ["n_senders", "domain"], ascending=[False, True]
                )
                top = mine.iloc[0]
                shared = int(inside[inside["domain"] == top["domain"]]["x"].nunique())
                sentence = (
                    f"formed {op} with {len(members) - 1} other unflagged account(s) (min ring "
                    f"{self.min_ring_size}) that send the same judged-bad rare link domains: sent "
                    f"{top['domain']} ({top['reason']}; {int(top['n_senders'])} accounts send it, "
                    f"max {self.max_domain_senders}, {shared} of them in this ring"
                    + (", none of which acted on another" if self.unconnected else "")
                    + ") to "
                    f"{int(top['n_recipients'])} account(s)"
                    + (f", and {len(mine) - 1} more such domain(s)" if len(mine) > 1 else "")
                    + f"; own score {float(own[a]):.2f}, the ring's own scores pool to "
                    f"{pooled:.2f} (threshold {self.min_pooled_score})"
                )
                rows.append(
                    {
                        "account_id": a,
                        "detector": DETECTOR,
                        "version": self.version,
                        "phase": "operation",
                        "signal": SIGNAL,
                        "value": round(pooled, 6),
                        "threshold": float(self.min_pooled_score),
                        "weight": float(self.weight),
                        "window_start": mine["first"].min(),
                        "window_end": mine["last"].max(),
                        "evidence": sentence,
                        "params": self.params_json(),
                    }
                )
        return pd.DataFrame(rows, columns=list(SIGNAL_COLUMNS))


def admit_link_rings(
    ctx: DetectionContext,
    membership: Mapping[str, str],
    scores: pd.Series,
    protected: Iterable[str],
    policy: LinkRings,
    memtable: Callable[[pd.DataFrame, Mapping[str, str]], Any],
    actors: tuple[ir.Table, frozenset[str]] | None = None,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Membership with the link rings as new operations, and their members' signal rows.

    ``scores``: every account's score so far (index account_id); members of operations,
    protected accounts and accounts with a negative score take no part. ``actors``: (events,
    ids) — every event by the accounts ``ids`` (the coordination candidates): when every sender
    is among them (a sender of a bad link scores >= 0.6, so it is a candidate) their contacts
    are read from there instead of scanning the events (same rows)."""
    taken = excluded(membership, protected, scores)
    ex_t = memtable(pd.DataFrame({"account_id": sorted(taken)}), {"account_id": "string"})
    sends = fetch(policy.sends(ctx, ex_t))
    contacts: frozenset[tuple[str, str]] = frozenset()
    if policy.unconnected and not sends.empty:
        ids = pd.DataFrame({"account_id": sorted({str(x) for x in sends["x"]})})
        events = ctx.events
        if actors is not None and set(ids["account_id"]) <= actors[1]:
            events = actors[0]
        c = fetch(policy.contacts(events, memtable(ids, {"account_id": "string"})))
        contacts = frozenset(zip(c["a"].astype(str), c["b"].astype(str), strict=True))
    rings = policy.rings(sends, scores, contacts)
    if not rings:
        return dict(membership), pd.DataFrame(columns=list(SIGNAL_COLUMNS))
    out, named_rings = as_operations(membership, rings)
    return out, policy.signal_rows(named_rings, sends, scores)
