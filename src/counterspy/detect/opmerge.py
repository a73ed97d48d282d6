"""Joining the pieces of one operation that no account-level edge connects.

At low volume an operation's accounts rarely all co-act pairwise or share an address, so the
clustering returns it in pieces: a reconnaissance piece here, a lone link sender there. A
reconnaissance-only piece then looks like a different firm than the exploitation piece beside
it. Two pieces are one operation when:

* **shared link infrastructure** — both sent links on the same judged-bad domain, used by few
  senders on the whole platform (an operation registers its own lookalikes; a domain two firms'
  indicators name differently never joins them); or
* **the same rare people** — their target sets overlap by at least ``min_shared`` people and
  a rarity-weighted Jaccard similarity of ``min_jaccard``: each target weighs
  ``1 / log2(1 + accounts acting on it)``, and a target acted on by more than
  ``max_target_actors`` accounts (a celebrity, a famous journalist two firms both watch)
  weighs nothing. A reconnaissance piece and an engagement piece working the same few people
  are one operation; two firms that share one popular target are not.

Runs in Python on small inputs (the flagged accounts' targets and bad links).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from counterspy.analytics.engine import fetch
from counterspy.detect.base import CONTACT_TYPES, RECON_TYPES, DetectionContext
from counterspy.detect.exploitation import bad_link_events


@dataclass(frozen=True)
class OperationMerge:
    """When two pieces of the flagged-account graph are one operation."""

    enabled: bool = True
    min_shared: int = 2  # distinct non-crowd targets in common
    min_jaccard: float = 0.12  # rarity-weighted Jaccard of the two target sets
    max_target_actors: int = 50  # busier targets are crowds: no weight (as in co-action)
    at_risk_only: bool = False  # only people in the protection programme count as targets
    shared_domains: bool = True
    max_domain_senders: int = 25  # a bad domain sent by more accounts links nothing


def target_weight(n_actors: float) -> float:
    """Weight of a target acted on by ``n_actors`` accounts: rarer people say more."""
    return 1.0 / math.log2(1.0 + max(float(n_actors), 1.0))


def merge_inputs(
    ctx: DetectionContext, flagged: ir.Table, policy: OperationMerge, domain_senders: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(touched, links) for :func:`merge_operations`, for the accounts in ``flagged``.

    ``touched``: actor_id, target_id, n_actors (distinct accounts acting on the target with the
    same kinds of action, over the whole platform). ``links``: actor_id, domain, actor (indicator
    actor or null), n_senders (from ``domain_senders``: domain, n_senders).
    """
    types = RECON_TYPES + CONTACT_TYPES
    if policy.at_risk_only:
        oar = ctx.on_at_risk
        mine = oar.inner_join(flagged, oar.actor_id == flagged.account_id)
    else:
        ev = ctx.events_of(flagged)
        mine = ev.filter(
            ev.event_type.isin(types) & ev.target_id.notnull() & (ev.actor_id != ev.target_id)
        )
    mine = mine.select("actor_id", "target_id").distinct()
    tids = mine.select(p_id=mine.target_id).distinct()
    # Every event on those targets is in the context's target events when it has them.
    near = ctx.target_events if ctx.target_events is not None and not policy.at_risk_only else None
    src = ctx.events if near is None else near
    ev = src.filter(src.event_type.isin(types))
    on = ev.inner_join(tids, ev.target_id == tids.p_id)
    pop = on.group_by(p_target=on.target_id).aggregate(n_actors=on.actor_id.nunique())
    touched = fetch(
        mine.inner_join(pop, mine.target_id == pop.p_target).select(
            "actor_id", "target_id", "n_actors"
        )
    )
    b = bad_link_events(ctx)
    b = b.inner_join(flagged, b.actor_id == flagged.account_id)
    links = fetch(b.select("actor_id", "domain", "actor").distinct())
    senders = dict(
        zip(domain_senders["domain"], domain_senders["n_senders"].astype("int64"), strict=True)
    )
    links["n_senders"] = links["domain"].map(senders).fillna(1).astype("int64")
    return touched, links


class _Pieces:
    """Union-find over pieces; never joins two pieces whose indicators name different actors."""

    def __init__(self, membership: dict[str, str], links: pd.DataFrame | None) -> None:
        self.ops = sorted(set(membership.values()))
        self.parent = {o: o for o in self.ops}
        size: dict[str, int] = {}
        first: dict[str, str] = {}
        for account, op in sorted(membership.items()):
            size[op] = size.get(op, 0) + 1
            first.setdefault(op, account)
        self.label = {o: f"{first[o]}'s piece ({size[o]} accounts)" for o in self.ops}
        self.named: dict[str, str] = {}  # root piece → actor its links' indicators name
        if links is not None and "actor" in links.columns:
            lk = links[links["actor_id"].isin(membership)]
            for a, who in zip(lk["actor_id"], lk["actor"], strict=True):
                if isinstance(who, str) and who:
                    self.named.setdefault(membership[str(a)], who.lower())
        self.log: list[tuple[str, str]] = []  # (a piece of the merged operation, why)

    def find(self, o: str) -> str:
        while self.parent[o] != o:
            self.parent[o] = self.parent[self.parent[o]]
            o = self.parent[o]
        return o

    def join(self, a: str, b: str, why: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        wa, wb = self.named.get(ra), self.named.get(rb)
        if wa and wb and wa != wb:
            return  # indicators name two different actors: keep them apart
        self.parent[rb] = ra
        if wb and not wa:
            self.named[ra] = wb
        self.log.append((ra, f"{self.label[a]} and {self.label[b]} {why}"))


def merge_operations(
    membership: dict[str, str],
    touched: pd.DataFrame,
    policy: OperationMerge,
    links: pd.DataFrame | None = None,
    reasons: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """Union pieces of ``membership`` (account → piece) that are one operation.

    ``touched``: (actor_id, target_id[, n_actors]) targets of the flagged accounts; without
    ``n_actors`` every target weighs 1. ``links``: (actor_id, domain[, actor, n_senders]) bad
    links they sent. Ids are renumbered ``op-0001``… by size, ties by smallest account id.
    ``reasons``, when given, receives for each merged operation (new id) why its pieces were
    joined, one line per join.
    """
    if not policy.enabled or not membership:
        return membership
    pieces = _Pieces(membership, links)
    if policy.shared_domains and links is not None and len(links):
        _merge_on_domains(membership, links, policy, pieces)
    _merge_on_targets(membership, touched, policy, pieces)
    groups: dict[str, list[str]] = {}
    for account, op in membership.items():
        groups.setdefault(pieces.find(op), []).append(account)
    comps = sorted((sorted(g) for g in groups.values()), key=lambda c: (-len(c), c[0]))
    out = {a: f"op-{n:04d}" for n, comp in enumerate(comps, 1) for a in comp}
    if reasons is not None:
        new_id = {pieces.find(membership[comp[0]]): out[comp[0]] for comp in comps}
        for piece, why in pieces.log:
            reasons.setdefault(new_id[pieces.find(piece)], []).append(why)
    return out


def _merge_on_domains(
    membership: dict[str, str], links: pd.DataFrame, policy: OperationMerge, pieces: _Pieces
) -> None:
    lk = links[links["actor_id"].isin(membership)]
    if "n_senders" in lk.columns:
        lk = lk[lk["n_senders"] <= policy.max_domain_senders]
    by_domain: dict[str, set[str]] = {}
    for a, dom in zip(lk["actor_id"], lk["domain"], strict=True):
        by_domain.setdefault(str(dom), set()).add(membership[str(a)])
    for dom in sorted(by_domain):
        first, *others = sorted(by_domain[dom])
        for other in others:
            pieces.join(first, other, f"sent links on {dom}")


def _merge_on_targets(
    membership: dict[str, str], touched: pd.DataFrame, policy: OperationMerge, pieces: _Pieces
) -> None:
    t = touched[touched["actor_id"].isin(membership)]
    n_actors = t["n_actors"] if "n_actors" in t.columns else pd.Series(1, index=t.index)
    weight: dict[str, float] = {}
    sets: dict[str, set[str]] = {}
    for actor, target, n in zip(t["actor_id"], t["target_id"], n_actors, strict=True):
        if n > policy.max_target_actors:
            continue  # a crowd: says nothing about who works together
        weight[str(target)] = target_weight(n)
        sets.setdefault(membership[str(actor)], set()).add(str(target))
    ops = pieces.ops
    for i, a in enumerate(ops):
        sa = sets.get(a)
        if not sa:
            continue
        for b in ops[i + 1 :]:
            sb = sets.get(b)
            if not sb:
                continue
            shared = sa & sb
            if len(shared) < policy.min_shared:
                continue
            jac = sum(weight[x] for x in shared) / sum(weight[x] for x in sa | sb)
            if jac >= policy.min_jaccard:
                pieces.join(
                    a,
                    b,
                    f"acted on {len(shared)} of the same people (rarity-weighted Jaccard "
                    f"{jac:.2f})",
                )


__all__ = ["OperationMerge", "merge_inputs", "merge_operations", "target_weight"]
