"""Building the threat report model from detection results and the operational store.

Pure with respect to its inputs: the same results, store state, TLP edition, k and date give
the same :class:`~counterspy.report.model.ThreatReport`. Nothing here reads the clock; the
generated-at date is a parameter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

import pandas as pd
from sqlalchemy.orm import Session

from counterspy.attribute.profiles import FirmProfile, load_profiles
from counterspy.detect.results import read_result
from counterspy.errors import CounterspyError
from counterspy.legal.policy import territory_names
from counterspy.model import UNATTRIBUTED, Phase
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.report.aggregate import (
    DEFAULT_K,
    country_chart,
    highest_phase,
    phase_chart,
    sector_chart,
)
from counterspy.report.appendix import build_appendix
from counterspy.report.behaviours import describe
from counterspy.report.enforcement import EnforcementState, read_enforcement
from counterspy.report.links import LinkUse, link_uses
from counterspy.report.model import (
    Behaviour,
    Count,
    Infrastructure,
    Section,
    ThreatReport,
    Totals,
)
from counterspy.report.people import at_risk_categories
from counterspy.report.text import limitations, methodology, summary
from counterspy.share.tlp import Tlp
from counterspy.share.tlp_policy import TlpPolicy, load_policy
from counterspy.workspace import Workspace

TITLE = "Threat report: surveillance-for-hire operations"


def _phases(text: object) -> set[str]:
    return {p for p in str(text or "").split(",") if p in Phase.__members__.values()}


def _ordered(phases: set[str]) -> tuple[str, ...]:
    return tuple(p.value for p in Phase if p.value in phases)


def _section(
    key: str,
    *,
    profile: FirmProfile | None,
    ops: pd.DataFrame,
    flagged: pd.DataFrame,
    targets: pd.DataFrame,
    signals: pd.DataFrame,
    uses: list[LinkUse],
    bad: pd.DataFrame,
    state: EnforcementState,
    k: int,
    countries: Mapping[str, str],
    sectors: Mapping[str, str | None],
) -> Section:
    accounts = set(flagged["account_id"])
    per_target = targets.groupby("target_id", sort=True).agg(
        phase=("phase", lambda s: highest_phase(s)), country=("country", "first")
    )
    observed: set[str] = set()
    for text in ops["phases"]:
        observed |= _phases(text)
    sig = signals[signals["account_id"].isin(accounts)]
    per_signal = sig.groupby(["phase", "signal"])["account_id"].nunique().reset_index(name="n")
    order = {p.value: p.rank for p in Phase} | {"coordination": 4}
    behaviours = tuple(
        sorted(
            (
                Behaviour(
                    str(phase),
                    str(signal),
                    describe(str(phase), str(signal)),
                    int(n),
                    int(n) / len(accounts) if accounts else 0.0,
                )
                for phase, signal, n in zip(
                    per_signal["phase"], per_signal["signal"], per_signal["n"], strict=True
                )
            ),
            key=lambda b: (order.get(b.phase, 9), -b.accounts, b.signal),
        )
    )
    used = {u.domain for u in uses}
    reasons = Counter(
        str(r).split(",", 1)[0]
        for d, r in zip(bad["domain"], bad["reason"], strict=True)
        if d in used and str(r).startswith("lookalike of ")
    )
    infra = Infrastructure(
        bad_domains=len(used),
        blocked_domains=sum(1 for d in used if state.is_blocked(d)),
        imitated_kinds=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        links_sent=sum(u.links for u in uses),
    )
    name = profile.name if profile else "Unattributed operations"
    conf = [float(c) for c in ops["confidence"]]
    slug = key.replace("_", "-")
    return Section(
        key=key,
        name=name,
        base=countries.get(profile.base, profile.base) if profile else None,
        profile=profile.summary if profile else "",
        reported_phases=_ordered(set(profile.phases)) if profile else (),
        observed_phases=_ordered(observed),
        operations=len(ops),
        accounts_detected=len(accounts),
        accounts_removed=len(accounts & state.removed),
        accounts_pending=len(accounts & state.pending),
        targets=Count.of(len(per_target), k),
        targets_by_phase=phase_chart(
            f"phase-{slug}", f"{name}: targets by phase", per_target["phase"], k=k
        ),
        targets_by_country=country_chart(
            f"country-{slug}",
            f"{name}: targets by country",
            per_target["country"],
            k=k,
            names=countries,
            max_bars=12,
        ),
        targets_by_sector=sector_chart(
            f"sector-{slug}",
            f"{name}: targets by group",
            (sectors.get(str(t)) for t in per_target.index),
            k=k,
        ),
        countries=int(per_target["country"].nunique()),
        behaviours=behaviours,
        infrastructure=infra,
        confidence=(min(conf), max(conf)) if conf else (0.0, 0.0),
    )


def _period(targets: pd.DataFrame) -> tuple[date | None, date | None]:
    if targets.empty:
        return None, None
    return targets["first_seen"].min().date(), targets["last_seen"].max().date()


def build_report(
    workspace: Workspace,
    session: Session,
    *,
    tlp: Tlp = Tlp.CLEAR,
    k_min: int = DEFAULT_K,
    generated: date | None = None,
    policy: TlpPolicy | None = None,
    profiles: tuple[FirmProfile, ...] | None = None,
    progress: Progress = NULL_PROGRESS,
) -> ThreatReport:
    """The report for the workspace's latest detection run and the store's enforcement state.

    ``tlp`` is the edition: indicators above it are withheld (TLP:CLEAR for the public page).
    ``k_min`` is the smallest count of people printed exactly (≥ 2).
    """
    if k_min < 2:
        raise CounterspyError(
            f"k_min must be at least 2 (got {k_min})", hint="the default is 5; see docs/report.md"
        )
    progress.begin("reading detection results", None)
    ops = read_result(workspace, "operations").sort_values("operation_id")
    accounts = read_result(workspace, "accounts")
    targets = read_result(workspace, "targets")
    bad = read_result(workspace, "bad_domains")
    signals = read_result(workspace, "signals")
    policy = policy or load_policy(workspace)
    profile_list = profiles if profiles is not None else load_profiles()
    by_firm = {p.firm: p for p in profile_list}
    at = datetime.combine(generated, time.min, UTC) if generated else datetime.now(UTC)
    state = read_enforcement(session, at=at)
    countries = territory_names()
    flagged = accounts[accounts["flagged"].astype(bool)]
    operation_of = {
        str(a): str(o)
        for a, o in zip(flagged["account_id"], flagged["operation_id"], strict=True)
        if isinstance(o, str) and o
    }
    section_of_op = {
        str(o): (str(f) if f in by_firm else UNATTRIBUTED)
        for o, f in zip(ops["operation_id"], ops["firm"], strict=True)
    }
    progress.begin("finding the operations' link infrastructure", None)
    uses = link_uses(workspace, operation_of, frozenset(bad["domain"].astype(str)))
    sectors = at_risk_categories(workspace, targets["target_id"].astype(str))

    def build(key: str) -> Section:
        op_ids = {o for o, s in section_of_op.items() if s == key}
        return _section(
            key,
            profile=by_firm.get(key),
            ops=ops[ops["operation_id"].isin(op_ids)],
            flagged=flagged[flagged["operation_id"].isin(op_ids)],
            targets=targets[targets["operation_id"].isin(op_ids)],
            signals=signals,
            uses=[u for u in uses if u.operation_id in op_ids],
            bad=bad,
            state=state,
            k=k_min,
            countries=countries,
            sectors=sectors,
        )

    progress.begin("building firm sections", None)
    keys = sorted(set(section_of_op.values()) - {UNATTRIBUTED})
    sections = tuple(sorted((build(k) for k in keys), key=lambda s: (-s.accounts_detected, s.key)))
    unattributed = build(UNATTRIBUTED) if UNATTRIBUTED in section_of_op.values() else None
    actor_firm = {
        actor: p.firm for p in profile_list if p.firm in keys for actor in p.indicator_actors
    }
    names = {p.firm: p.name for p in profile_list} | {UNATTRIBUTED: "Unattributed"}
    progress.begin("selecting indicators for the appendix", None)
    indicators, withheld = build_appendix(
        session,
        edition=tlp,
        policy=policy,
        bad_domains=bad,
        uses=uses,
        section_of_operation=section_of_op,
        names=names,
        actor_firm=actor_firm,
        state=state,
    )
    in_ops = targets[targets["operation_id"].isin(section_of_op)]
    per_target = in_ops.groupby("target_id", sort=True).agg(
        phase=("phase", lambda s: highest_phase(s)), country=("country", "first")
    )
    detected = set(flagged["account_id"])
    used = {u.domain for u in uses}
    totals = Totals(
        firms=len(sections),
        operations=len(ops),
        accounts_detected=len(detected),
        accounts_removed=len(detected & state.removed),
        accounts_pending=len(detected & state.pending),
        accounts_removed_outside=len(state.removed - detected),
        targets=Count.of(len(per_target), k_min),
        countries=int(per_target["country"].nunique()),
        bad_domains=len(used),
        blocked_domains=sum(1 for d in used if state.is_blocked(d)),
        indicators=len(indicators),
    )
    start, end = _period(in_ops)
    return ThreatReport(
        title=TITLE,
        tlp=tlp,
        k_min=k_min,
        period_start=start,
        period_end=end,
        generated=generated,
        summary=summary(totals, unattributed=unattributed is not None),
        totals=totals,
        sections=sections,
        unattributed=unattributed,
        targets_by_country=country_chart(
            "country-all",
            "Targets by country",
            per_target["country"],
            k=k_min,
            names=countries,
            max_bars=25,
        ),
        targets_by_phase=phase_chart(
            "phase-all", "Targets by furthest phase reached", per_target["phase"], k=k_min
        ),
        targets_by_sector=sector_chart(
            "sector-all",
            "Targets by group",
            (sectors.get(str(t)) for t in per_target.index),
            k=k_min,
        ),
        methodology=methodology(k_min, tlp),
        limitations=limitations(k_min),
        indicators=indicators,
        withheld_indicators=withheld,
    )
