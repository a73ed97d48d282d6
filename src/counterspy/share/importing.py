"""``counterspy share import``: shared files into the intel store through the indicator importer.

Every format counterspy exports (STIX 2.1, MISP event JSON, Meta CSV) is read by the intel
readers, normalised and checked by :func:`counterspy.intel.importer.prepare_import`, and written
by :func:`counterspy.intel.store.apply_import`. Rows without a TLP marking of their own get the
level the analyst gives (``--tlp``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from counterspy.intel.importer import ImportPlan, prepare_import
from counterspy.intel.store import ImportSummary, apply_import
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.share.collect import collapse
from counterspy.share.findings import IndicatorFinding
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store


def with_default_tlp(plan: ImportPlan, default: Tlp) -> ImportPlan:
    """The plan with ``default`` on every indicator that carries no TLP of its own."""
    inds = tuple(
        p if p.raw.tlp else replace(p, raw=replace(p.raw, tlp=default.value))
        for p in plan.indicators
    )
    return replace(plan, indicators=inds)


def prepare_shared(
    paths: Sequence[Path],
    *,
    default_tlp: Tlp,
    source: str | None = None,
    fmt: str | None = None,
    join_split: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> ImportPlan:
    plan = prepare_import(paths, source=source, fmt=fmt, join_split=join_split, progress=progress)
    return with_default_tlp(plan, default_tlp)


def import_shared(
    store: Store,
    paths: Sequence[Path],
    *,
    default_tlp: Tlp,
    source: str | None = None,
    fmt: str | None = None,
    join_split: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> ImportSummary:
    plan = prepare_shared(
        paths,
        default_tlp=default_tlp,
        source=source,
        fmt=fmt,
        join_split=join_split,
        progress=progress,
    )
    return apply_import(store, plan)


def plan_indicators(plan: ImportPlan, default_tlp: Tlp) -> tuple[IndicatorFinding, ...]:
    """What an import plan would add, as findings (``share import --dry-run``; tests)."""
    return collapse(
        IndicatorFinding(
            kind=p.norm.type,
            value=p.norm.normalized,
            tlp=Tlp.parse(p.raw.tlp) if p.raw.tlp else default_tlp,
            source=p.source,
            observable=p.raw.observable,
            published=p.raw.published,
            actor=p.raw.actor,
            comment=p.raw.comment,
        )
        for p in plan.indicators
    )
