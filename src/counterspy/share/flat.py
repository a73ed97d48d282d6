"""Indicator-only formats: MISP event JSON (built with PyMISP) and Meta's threat-research CSV.

Both carry indicators, not operations or target counts. MISP keeps each indicator's TLP (a
``tlp:`` tag per attribute, the event tagged with the highest level present), its actor (a
``counterspy:actor`` tag) and its publication date (``first_seen``); process names go in
PyMISP ``process`` objects. Meta's CSV has no TLP column: the file as a whole is at the export's
ceiling, and the actor rides in the comment, where Meta's readers look for it.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pymisp import MISPAttribute, MISPEvent, MISPObject

from counterspy.intel.formats import actor_from_text
from counterspy.share.findings import Findings, IndicatorFinding, apply_gate, restrict
from counterspy.share.stix import NAMESPACE
from counterspy.share.tlp import Tlp
from counterspy.share.writers import ExportResult, Writer, register

# canonical kind → MISP attribute type (plain attributes)
MISP_TYPES: dict[str, str] = {
    "domain": "domain",
    "url": "url",
    "ip": "ip-dst",
    "cidr": "ip-dst",
    "email": "email-src",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "filename": "filename",
}
# canonical kind → (PyMISP object template, relation) for values MISP has no attribute type for
MISP_OBJECTS: dict[str, tuple[str, str]] = {"process": ("process", "name")}
ACTOR_TAG = 'counterspy:actor="{}"'

# canonical kind → Meta's indicator_type
META_TYPES: dict[str, str] = {
    "domain": "domain_name",
    "url": "url",
    "ip": "ip_address",
    "cidr": "cidr",
    "email": "email_address",
    "md5": "hash_md5",
    "sha1": "hash_sha1",
    "sha256": "hash_sha256",
    "filename": "file_name",
    "process": "process",
}


def _uuid(*key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(key)))


def _comment(ind: IndicatorFinding) -> str:
    return ind.comment or f"{ind.kind} indicator"


def _day(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text[:10]).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Plan:
    kept: tuple[IndicatorFinding, ...]
    skipped: Counter[str]


def _plan(findings: Findings, carries: Callable[[IndicatorFinding], bool], what: str) -> _Plan:
    kept, skipped = [], Counter[str]()
    for ind in sorted(findings.indicators, key=lambda i: i.key):
        if carries(ind):
            kept.append(ind)
        else:
            skipped[f"{what} has no type for {ind.observable or ind.kind}"] += 1
    return _Plan(tuple(kept), skipped)


def _carried_by_misp(ind: IndicatorFinding) -> bool:
    return ind.kind in MISP_TYPES or ind.kind in MISP_OBJECTS


def _attribute(event: MISPEvent, ind: IndicatorFinding) -> MISPAttribute:
    """A plain attribute, or one inside a PyMISP object when MISP has no type for the kind."""
    attr_uuid = _uuid("misp-attribute", ind.kind, ind.value)
    attr: MISPAttribute | list[MISPAttribute] | None
    if ind.kind in MISP_TYPES:
        attr = event.add_attribute(
            MISP_TYPES[ind.kind], ind.value, comment=_comment(ind), to_ids=True, uuid=attr_uuid
        )
    else:
        template, relation = MISP_OBJECTS[ind.kind]
        obj = MISPObject(template)
        obj.uuid = _uuid("misp-object", ind.kind, ind.value)
        attr = obj.add_attribute(
            relation, value=ind.value, comment=_comment(ind), to_ids=True, uuid=attr_uuid
        )
        event.add_object(obj)
    if not isinstance(attr, MISPAttribute):
        raise TypeError(f"PyMISP did not create an attribute for {ind.kind} {ind.value!r}")
    return attr


def misp_event(findings: Findings, tlp: Tlp) -> ExportResult:
    gate = apply_gate(findings, tlp)
    plan = _plan(gate.findings, _carried_by_misp, "MISP")
    f = restrict(gate.findings, plan.kept)
    event = MISPEvent()
    event.uuid = _uuid("misp-event", f.producer.name, f.title)
    event.info = f.title
    event.date = f.as_of.date()
    event.analysis = 2
    event.threat_level_id = 2
    event.distribution = 0
    levels = [i.tlp for i in plan.kept] or [Tlp.CLEAR]
    event.add_tag(f"tlp:{max(levels, key=lambda t: t.rank).value}")
    for ind in plan.kept:
        tags = [f"tlp:{ind.tlp.value}"]
        if ind.actor:
            tags.append(ACTOR_TAG.format(ind.actor))
        attr = _attribute(event, ind)
        for tag in tags:
            attr.add_tag(tag)
        # always set: a reader falls back to the event date, which would change on re-export
        attr.first_seen = _day(ind.published) or f.as_of.replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    counts = (("attributes", len(plan.kept)),)
    text = '{"Event": ' + event.to_json() + "}\n"
    return ExportResult(text, gate, tuple(sorted(plan.skipped.items())), counts)


@register
class MispWriter(Writer):
    name = "misp"
    suffix = ".misp.json"
    description = "MISP event JSON (PyMISP), TLP and actor tags per attribute"

    def write(self, findings: Findings, *, tlp: Tlp, profile: str) -> ExportResult:
        return misp_event(findings, tlp)


def meta_comment(ind: IndicatorFinding, firm_name: str | None) -> str:
    """The comment, prefixed with the actor's name when the comment alone would not say it."""
    comment = ind.comment or ""
    if ind.actor and actor_from_text(comment) != ind.actor:
        return f"{firm_name or ind.actor}: {comment}" if comment else (firm_name or ind.actor)
    return comment


@register
class MetaCsvWriter(Writer):
    name = "meta-csv"
    suffix = ".csv"
    description = "Meta threat-research CSV: indicator_type,indicator_value,comment,ds"

    def write(self, findings: Findings, *, tlp: Tlp, profile: str) -> ExportResult:
        gate = apply_gate(findings, tlp)
        plan = _plan(gate.findings, lambda i: i.kind in META_TYPES, "Meta CSV")
        f = restrict(gate.findings, plan.kept)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["indicator_type", "indicator_value", "comment", "ds"])
        for ind in plan.kept:
            firm = f.firm(ind.actor) if ind.actor else None
            w.writerow(
                [
                    META_TYPES[ind.kind],
                    ind.value,
                    meta_comment(ind, firm.name if firm else None),
                    ind.published or "",
                ]
            )
        counts = (("rows", len(plan.kept)),)
        return ExportResult(buf.getvalue(), gate, tuple(sorted(plan.skipped.items())), counts)
