"""The detection pipeline: signals → scores → coordination → operations → attribution → targets.

Every heavy step is an Ibis expression over the canonical tables. Python sees only small,
already-suspicious data: distinct link domains (to judge them), signal rows, the coordination
edges among candidate accounts, per-operation profiles, and the final results, which are
materialised once and written to the workspace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from counterspy.analytics.engine import fetch, select_fusion
from counterspy.analytics.tables import CanonicalTables
from counterspy.attribute import FirmProfile, attribute_operations, load_profiles
from counterspy.attribute.features import operation_features
from counterspy.detect.base import (
    ACTOR_EVENT_COLUMNS,
    SIGNAL_COLUMNS,
    STORED_ONLY_ACCOUNT_COLUMNS,
    STORED_ONLY_EVENT_COLUMNS,
    DetectionContext,
    Detector,
    all_detectors,
)
from counterspy.detect.coordination import EDGE_COLUMNS, CoAction, SharedInfrastructure
from counterspy.detect.established import EstablishedAccounts
from counterspy.detect.expand import OperationExpansion, best_operation
from counterspy.detect.linkring import LinkRings, admit_link_rings
from counterspy.detect.links import BAD_DOMAIN_SCHEMA, LinkHeuristic, domain_stats, judge_domains
from counterspy.detect.lone import LoneAccounts
from counterspy.detect.narrow import among, anchor_tables
from counterspy.detect.newcomer import BefriendingNewcomers
from counterspy.detect.opevidence import OperationEvidence, admit
from counterspy.detect.opmerge import merge_inputs
from counterspy.detect.photomates import UnconfirmedPhotos
from counterspy.detect.rings import kept_in_engine
from counterspy.detect.scoring import (
    Clustering,
    OperationMerge,
    ScoringPolicy,
    account_scores,
    coordination_signals,
    merge_operations,
    operations,
)
from counterspy.detect.targets import TargetPolicy, operation_targets
from counterspy.detect.unconfirmed import UnconfirmedPeers
from counterspy.detect.weakring import WeakRings, admit_rings
from counterspy.detect.wellknown import WellKnownAccounts
from counterspy.model import LinkChecker
from counterspy.progress import NULL_PROGRESS, Progress


def _default_detectors() -> tuple[Detector, ...]:
    return tuple(factory() for factory in all_detectors())


@dataclass(frozen=True)
class DetectionConfig:
    """Every parameter of a detection run (recorded with the results)."""

    # Every registered detector with its limits, e.g. engagement.courted_strangers
    # (detect/courting.py: min_messages 5 to one answered at-risk stranger, min_share 0.4 of
    # all accounts contacted); replace one with dataclasses.replace to change a limit.
    detectors: tuple[Detector, ...] = field(default_factory=_default_detectors)
    # Co-action skips people the account reacted to or commented on (acquaintances, not
    # targets: CoAction.skip_acquainted; also WeakRings and engagement.courted_strangers).
    co_action: CoAction = field(default_factory=CoAction)
    infrastructure: SharedInfrastructure = field(default_factory=SharedInfrastructure)
    links: LinkHeuristic = field(default_factory=LinkHeuristic)
    scoring: ScoringPolicy = field(default_factory=ScoringPolicy)
    targets: TargetPolicy = field(default_factory=TargetPolicy)
    clustering: Clustering = field(default_factory=Clustering)
    merge: OperationMerge = field(default_factory=OperationMerge)
    expansion: OperationExpansion = field(default_factory=OperationExpansion)
    # Admission on operation evidence (shared device / photo with members, weak own signals
    # on the operation's targets), after expansion: detect/opevidence.py.
    op_evidence: OperationEvidence = field(default_factory=OperationEvidence)
    # New operations of weak accounts corroborating each other on rare people, none flagged
    # alone (detect/weakring.py); formed before operation evidence, which anchors on them.
    weak_rings: WeakRings = field(default_factory=WeakRings)
    # New operations of unflagged accounts sending the same rare bad link domains
    # (detect/linkring.py); formed after weak rings, before operation evidence.
    link_rings: LinkRings = field(default_factory=LinkRings)
    # Counter-evidence: accounts years old need more evidence (detect/established.py).
    established: EstablishedAccounts = field(default_factory=EstablishedAccounts)
    # Counter-evidence: accounts dozens of people answer, at any age (detect/wellknown.py).
    well_known: WellKnownAccounts = field(default_factory=WellKnownAccounts)
    # Counter-evidence: coordination whose peers are none of them flagged (detect/unconfirmed.py).
    unconfirmed: UnconfirmedPeers = field(default_factory=UnconfirmedPeers)
    # Counter-evidence: new accounts befriending people at large (detect/newcomer.py).
    newcomers: BefriendingNewcomers = field(default_factory=BefriendingNewcomers)
    # Counter-evidence: a lone flagged account nobody confirms (detect/lone.py).
    lone: LoneAccounts = field(default_factory=LoneAccounts)
    # Counter-evidence: a photo shared only with accounts showing nothing of their own
    # (detect/photomates.py).
    photos: UnconfirmedPhotos = field(default_factory=UnconfirmedPhotos)
    # Copy the canonical tables into the engine's memory before the detectors run (DuckDB temp
    # table / Spark cache). Off, DuckDB reads the workspace Parquet in every query with
    # projection and filter pushdown: measured at 10M events on an idle 2-core machine, the
    # copy (2.8 s) saves slightly more than it costs (9.7 s vs 10.0 s end to end).
    cache_inputs: bool = True
    # Materialise the derived tables several detectors share (links, actions on at-risk
    # people, their answers, suspects and their events) once each.
    materialize_derived: bool = True
    # Let Ibis merge nested SELECTs while compiling. Off: compilation is single-threaded Python
    # paid on the wall clock while the engine waits, the merge is its largest rewrite, and
    # DuckDB flattens the subqueries itself (docs/benchmarks.md, session 5 round 2).
    fuse_selects: bool = False


@dataclass(frozen=True)
class DetectionResult:
    """Materialised results (small tables), ready to write to the workspace."""

    signals: pd.DataFrame
    accounts: pd.DataFrame
    operations: pd.DataFrame
    targets: pd.DataFrame
    bad_domains: pd.DataFrame


def _empty(columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _memtable(df: pd.DataFrame, schema: Mapping[str, str]) -> Any:
    return ibis.memtable(df.astype(dict.fromkeys(schema, "object")), schema=ibis.schema(schema))


# Engines whose table cache can hold a query over an in-memory table (the verdicts).
CACHES_MEMTABLES = frozenset({"duckdb"})


def _engine(tables: CanonicalTables) -> str:
    return str(ibis.get_backend(tables.events).name)


def _executed(t: Any) -> Any:
    """A small intermediate table, executed once and handed back as an in-memory table."""
    return ibis.memtable(t.to_pyarrow())


def _kept(ctx: DetectionContext, t: Any) -> Any:
    """Materialise ``t`` (a descendant of in-memory tables) where the engine's cache can."""
    if ctx.materialize and ctx.materialize_verdict_dependent:
        return t.cache()
    return t


def _actor_events(ctx: DetectionContext, actors: Any) -> Any:
    """Every event by ``actors`` (column ``account_id``), with :data:`ACTOR_EVENT_COLUMNS`,
    kept: later steps read it instead of the whole events."""
    return _kept(ctx, ctx.events_of(actors).select(*ACTOR_EVENT_COLUMNS))


def profile_context(
    within: DetectionContext,
    ctx: DetectionContext,
    core: Any,
    candidates: Sequence[str],
    members: Iterable[str],
) -> DetectionContext:
    """The context attribution reads the ``core`` members' events from (``core``: a table,
    column ``account_id``, of the ids in ``members``): ``within`` when its actor events (the
    coordination candidates') cover them, else ``within`` with the core's own events.

    Ring members (weak rings, link rings) join the core on their ring's evidence and may score
    nothing of their own, so they need not be candidates: read from the candidates' events
    they would show no action at all, and the operation's profile would lose them (a persona's
    conversations, a link sender's links).
    """
    if within.actor_events is None or set(members) <= set(candidates):
        return within
    return within.with_actor_events(_actor_events(ctx, core))


def _expand(
    ctx: DetectionContext,
    membership: dict[str, str],
    protected: set[str],
    policy: OperationExpansion,
) -> tuple[dict[str, str], pd.DataFrame]:
    """Membership with the accounts admitted by operation expansion, and their signal rows."""
    flagged_t, members_t = anchor_tables(membership, policy.min_members, _memtable)
    if members_t is None:
        return membership, _empty(SIGNAL_COLUMNS)
    admitted = best_operation(fetch(policy.candidates(ctx, members_t, flagged_t, keep=_executed)))
    # Never the people we protect (the expression excludes them too: belt and braces).
    admitted = admitted[~among(admitted["account_id"], protected | set(membership))]
    out = dict(membership)
    out.update(zip(admitted["account_id"], admitted["operation_id"], strict=True))
    return out, policy.signal_rows(admitted)


def run_detection(
    tables: CanonicalTables,
    config: DetectionConfig | None = None,
    *,
    checker: LinkChecker | None = None,
    indicators: Mapping[str, str] | None = None,
    profiles: tuple[FirmProfile, ...] | None = None,
    progress: Progress = NULL_PROGRESS,
) -> DetectionResult:
    """Run every step on ``tables`` (any Ibis backend); ``indicators`` maps domain → actor."""
    config = config or DetectionConfig()
    with select_fusion(config.fuse_selects):
        return _run(tables, config, checker, indicators, profiles, progress)


def _run(
    tables: CanonicalTables,
    config: DetectionConfig,
    checker: LinkChecker | None,
    indicators: Mapping[str, str] | None,
    profiles: tuple[FirmProfile, ...] | None,
    progress: Progress,
) -> DetectionResult:
    profiles = profiles if profiles is not None else load_profiles()
    stored = stored_accounts = None
    if config.cache_inputs:
        # Every detector scans the events: decode the Parquet files once into the engine's
        # own columnar memory (DuckDB temp table / Spark cache) instead of once per detector.
        # Columns only one or two queries read stay where they are stored.
        progress.begin("caching canonical tables", total=None)
        stored, stored_accounts = tables.events, tables.accounts
        tables = CanonicalTables(
            accounts=tables.accounts.drop(*STORED_ONLY_ACCOUNT_COLUMNS).cache(),
            events=tables.events.drop("group_id", "event_id", *STORED_ONLY_EVENT_COLUMNS).cache(),
        )
    base = DetectionContext(
        tables.accounts,
        tables.events,
        _memtable(_empty(BAD_DOMAIN_SCHEMA.names), BAD_DOMAIN_SCHEMA),
        materialize=config.materialize_derived,
        materialize_verdict_dependent=_engine(tables) in CACHES_MEMTABLES,
        stored_events=stored,
        stored_accounts=stored_accounts,
    )

    progress.begin("judging link domains", total=None)
    stats = fetch(domain_stats(base))
    bad = judge_domains(stats, checker=checker, indicators=indicators, heuristic=config.links)
    # Group-by output order is the engine's: sort so that runs on the same data write the same.
    bad = bad.sort_values("domain", kind="stable").reset_index(drop=True)
    ctx = base.with_bad_domains(_memtable(bad, BAD_DOMAIN_SCHEMA))

    progress.begin("running detectors", total=len(config.detectors))
    parts = []
    for det in config.detectors:
        parts.append(det.run(ctx))
    signals = fetch(ibis.union(*parts)) if parts else _empty(SIGNAL_COLUMNS)
    progress.advance(len(config.detectors))

    progress.begin("coordination", total=None)
    scores = account_scores(signals, config.scoring.uncapped_signals)
    protected = set(fetch(ctx.at_risk_accounts.select("r_id"))["r_id"])
    candidates = sorted(set(scores[scores >= config.scoring.candidate_threshold].index) - protected)
    peers = set(scores[scores >= config.scoring.peer_threshold].index) - protected
    actors = _memtable(pd.DataFrame({"account_id": candidates}), {"account_id": "string"})
    # Coordination, operation merge and expansion ask only about candidates (flagged accounts
    # and operation members are among them): their events are read once.
    cand = ctx.with_actor_events(_actor_events(ctx, actors))
    edges = fetch(
        ibis.union(config.co_action.edges(cand, actors), config.infrastructure.edges(cand, actors))
    )
    if edges.empty:
        edges = _empty(EDGE_COLUMNS)
    window = (
        (signals["window_start"].min(), signals["window_end"].max())
        if len(signals)
        else (None, None)
    )
    coord = coordination_signals(edges, peers, config.scoring, window)
    if len(coord):
        signals = pd.concat([signals, coord], ignore_index=True)
    scores = account_scores(signals, config.scoring.uncapped_signals)
    # Counter-evidence for accounts that would be flagged: established accounts, then accounts
    # many people answer at any age (which skips those the first already covered). One small
    # query each.
    for rule in (config.established, config.well_known):
        counter = rule.rows(
            ctx,
            signals,
            scores[~among(scores.index, protected)],
            config.scoring.flag_threshold,
            config.scoring.peer_threshold,
        )
        if len(counter):
            signals = pd.concat([signals, counter], ignore_index=True)
            scores = account_scores(signals, config.scoring.uncapped_signals)
    # Counter-evidence for newcomers befriending people at large (candidates' events only).
    newcomers = config.newcomers.rows(cand, signals, candidates)
    if len(newcomers):
        signals = pd.concat([signals, newcomers], ignore_index=True)
        scores = account_scores(signals, config.scoring.uncapped_signals)
    # Accounts in the protection programme are the people we protect: never auto-flagged.
    scores = scores[~among(scores.index, protected)]
    flagged = sorted(scores[scores >= config.scoring.flag_threshold].index)
    membership = operations(flagged, edges, config.clustering)
    flagged_t = _memtable(pd.DataFrame({"account_id": flagged}), {"account_id": "string"})
    # Flagged accounts are candidates unless a policy flags without candidacy: then read all.
    within = cand if set(flagged) <= set(candidates) else ctx
    # Merge and expansion both read the events by or on the flagged accounts' targets.
    within = within.with_target_events(flagged_t)
    touched, links = merge_inputs(within, flagged_t, config.merge, stats)
    joined: dict[str, list[str]] = {}
    membership = merge_operations(membership, touched, config.merge, links, joined)
    # Attribution profiles each operation from the accounts detected on their own evidence:
    # accounts admitted by expansion were admitted *because* they match the operation and
    # inherit its firm instead of reshaping its profile.
    core = membership
    if config.expansion.enabled and membership:
        progress.begin("operation expansion", total=None)
        membership, expansion = _expand(within, membership, protected, config.expansion)
        if len(expansion):
            signals = pd.concat([signals, expansion], ignore_index=True)
            scores = account_scores(signals, config.scoring.uncapped_signals)
            scores = scores[~among(scores.index, protected)]
            flagged = sorted(set(flagged) | set(expansion["account_id"]))
    expanded = membership
    if config.weak_rings.enabled:
        progress.begin("weak rings", total=None)
        # Its intermediates stay in the engine, under the memory limit (detect/rings.py).
        # The weak accounts' looks come from the candidates' events when they cover them.
        ce = cand.actor_events
        by_cand = None if ce is None else (ce, frozenset(candidates))
        with kept_in_engine(_engine(tables), _executed) as in_engine:
            membership, ringed = admit_rings(
                ctx, membership, scores, protected, config.weak_rings, _memtable, in_engine, by_cand
            )
        if len(ringed):
            signals = pd.concat([signals, ringed], ignore_index=True)
            scores = account_scores(signals, config.scoring.uncapped_signals)
            scores = scores[~among(scores.index, protected)]
            flagged = sorted(set(flagged) | set(ringed["account_id"]))
            # Ring members are detected on their own (pooled) evidence: they profile their
            # operation for attribution like flagged accounts do.
            core = {**core, **{a: membership[a] for a in ringed["account_id"]}}
    if config.link_rings.enabled:
        ce = cand.actor_events
        by_cand = None if ce is None else (ce, frozenset(candidates))
        membership, ringed = admit_link_rings(
            ctx, membership, scores, protected, config.link_rings, _memtable, by_cand
        )
        if len(ringed):
            signals = pd.concat([signals, ringed], ignore_index=True)
            scores = account_scores(signals, config.scoring.uncapped_signals)
            scores = scores[~scores.index.isin(protected)]
            flagged = sorted(set(flagged) | set(ringed["account_id"]))
            core = {**core, **{a: membership[a] for a in ringed["account_id"]}}
    if config.op_evidence.enabled and membership:
        progress.begin("operation evidence", total=None)
        # Members and weak accounts are usually candidates: their events are read from the
        # candidates' events then (a round falls back to the whole events when not).
        ce = cand.actor_events
        by_cand = None if ce is None else (ce, frozenset(candidates))
        membership, admitted = admit(
            ctx,
            membership,
            scores,
            protected,
            config.op_evidence,
            _memtable,
            _executed,
            by_cand,
            own=frozenset(core),
            key_events=None if ce is None else cand.key_events,
        )
        if len(admitted):
            signals = pd.concat([signals, admitted], ignore_index=True)
            scores = account_scores(signals, config.scoring.uncapped_signals)
            scores = scores[~among(scores.index, protected)]
            flagged = sorted(set(flagged) | set(admitted["account_id"]))
    if config.expansion.enabled and config.expansion.late_round and membership != expanded:
        # Operations grown by weak rings and operation evidence anchor a second expansion
        # round: the admitted personas' own targets (time-anchored) count too. Members'
        # events come from the candidates' events when every member is a candidate (admitted
        # accounts need not be: then the whole events); the targets' events are read whole
        # (the new members' targets are not the flagged accounts').
        late_ctx = (
            cand if cand.actor_events is not None and set(membership) <= set(candidates) else ctx
        )
        progress.begin("operation expansion (late round)", total=None)
        membership, late = _expand(late_ctx, membership, protected, config.expansion)
        if len(late):
            signals = pd.concat([signals, late], ignore_index=True)
            scores = account_scores(signals, config.scoring.uncapped_signals)
            scores = scores[~scores.index.isin(protected)]
            flagged = sorted(set(flagged) | set(late["account_id"]))
    # A photo shared only with accounts that show nothing of their own ties nobody: it counts
    # nothing (one small query; detect/photomates.py).
    unphoto = config.photos.rows(
        ctx, signals, scores, config.scoring.flag_threshold, config.scoring.uncapped_signals
    )
    if len(unphoto):
        signals = pd.concat([signals, unphoto], ignore_index=True)
        scores = account_scores(signals, config.scoring.uncapped_signals)
        scores = scores[~among(scores.index, protected)]
        gone = set(unphoto["account_id"])
        flagged = [a for a in flagged if a not in gone]
        membership = {a: o for a, o in membership.items() if a not in gone}
        core = {a: o for a, o in core.items() if a not in gone}
    # Alone in its operation, on coordination with suspects none of whom was flagged: nobody
    # confirms it (signal rows only; detect/unconfirmed.py).
    lone = config.unconfirmed.rows(
        signals, scores, edges, membership, config.scoring.flag_threshold
    )
    # Alone, no bad link, tied to no flagged account: needs more evidence (detect/lone.py).
    alone = config.lone.rows(
        signals,
        scores,
        edges,
        membership,
        config.scoring.flag_threshold,
        also_exempt=config.scoring.uncapped_signals,
    )
    if len(lone) or len(alone):
        extra = [t for t in (lone, alone) if len(t)]
        signals = pd.concat([signals, *extra], ignore_index=True)
        scores = account_scores(signals, config.scoring.uncapped_signals)
        scores = scores[~among(scores.index, protected)]
        low = set(scores[scores < config.scoring.flag_threshold].index)
        dropped = set(lone["account_id"]) | (set(alone["account_id"]) & low)
        flagged = [a for a in flagged if a not in dropped]
        membership = {a: o for a, o in membership.items() if a not in dropped}
        core = {a: o for a, o in core.items() if a not in dropped}

    progress.begin("attribution", total=None)
    core_t = _memtable(
        pd.DataFrame({"account_id": list(core), "operation_id": list(core.values())}),
        {"account_id": "string", "operation_id": "string"},
    )
    features = operation_features(
        profile_context(within, ctx, core_t, candidates, core), core_t, signals
    )
    attributions = attribute_operations(features, profiles)
    firm_of = {a.operation_id: a.firm for a in attributions}

    progress.begin("targets", total=None)
    members = pd.DataFrame(
        {"account_id": list(membership), "operation_id": list(membership.values())}
    )
    members["firm"] = members["operation_id"].map(firm_of)
    members_f = _memtable(
        members, {"account_id": "string", "operation_id": "string", "firm": "string"}
    )
    operators = _memtable(members[["account_id"]], {"account_id": "string"})
    # The targets step reads the operators' events twice (their targets, their breadth):
    # from the candidates' events when every operator is a candidate (else the events).
    # Outsider facts read the events around the flagged accounts' targets from ``within``.
    covered = cand.actor_events is not None and set(membership) <= set(candidates)
    on_ops = within.with_actor_events(_actor_events(cand if covered else ctx, operators))
    targets = fetch(operation_targets(on_ops, members_f, operators, config.targets))
    targets = targets.sort_values(["operation_id", "target_id"]).reset_index(drop=True)

    ops = pd.DataFrame(
        [
            {
                "operation_id": a.operation_id,
                "firm": a.firm,
                "confidence": a.confidence,
                "rationale": a.rationale
                + (
                    "; pieces joined: " + "; ".join(joined[a.operation_id])
                    if a.operation_id in joined
                    else ""
                ),
                "n_accounts": int((members["operation_id"] == a.operation_id).sum()),
                "n_targets": int((targets["operation_id"] == a.operation_id).sum()),
                "phases": ",".join(a.phases),
            }
            for a in attributions
        ]
    )
    accounts = pd.DataFrame({"account_id": scores.index, "score": scores.to_numpy()})
    accounts["flagged"] = among(accounts["account_id"], set(flagged))
    accounts["operation_id"] = accounts["account_id"].map(membership)
    accounts["firm"] = accounts["operation_id"].map(firm_of)
    n_sig = signals.groupby("account_id")["signal"].nunique()
    accounts["n_signals"] = accounts["account_id"].map(n_sig).fillna(0).astype("int64")
    accounts = accounts.sort_values(
        ["flagged", "score", "account_id"], ascending=[False, False, True]
    )
    return DetectionResult(
        signals=signals.sort_values(["account_id", "signal"]).reset_index(drop=True),
        accounts=accounts.reset_index(drop=True),
        operations=ops,
        targets=targets,
        bad_domains=bad,
    )
