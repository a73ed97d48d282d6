"""Findings → a STIX 2.1 bundle (JSON-ready dict), deterministic and behind the TLP gate.

Mapping: firm → ``threat-actor`` (its legal entities → ``identity``, ``attributed-to``),
spyware → ``malware``, operation → ``intrusion-set`` (``attributed-to`` its firm, with the
attribution confidence) and ``campaign`` (its activity window, ``attributed-to`` the set),
network indicators → ``infrastructure`` + ``indicator``, other indicators → ``indicator``;
``indicates`` / ``uses`` relationships; ``sighting``s of each operation and of each indicator
our platform saw; target aggregates → ``location`` (country) and class ``identity`` (at-risk
category) with ``targets`` relationships whose description gives the count (exact only from
``Findings.k`` people up); one ``report`` referencing everything; ``created_by_ref`` the
producer identity.

Ids are UUIDv5 from a fixed counterspy namespace and natural keys; time stamps come from the
data (``Findings.as_of``, an indicator's publication date), never from the clock, so the same
findings give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from counterspy.share.findings import (
    EPOCH,
    OTHER,
    Findings,
    GateResult,
    IndicatorFinding,
    apply_gate,
    restrict,
)
from counterspy.share.patterns import Profile, pattern_for, profile
from counterspy.share.tlp import Tlp, marking_definition

# Fixed namespace of counterspy's STIX ids: never change it (ids must stay stable).
NAMESPACE = uuid.UUID("87db8b61-c97e-4409-8636-04a48fd62855")
NETWORK_KINDS = frozenset({"domain", "url", "ip", "cidr"})
Obj = dict[str, object]


def stix_id(kind: str, *key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join((kind, *key)))}"


def ts(value: datetime) -> str:
    """STIX timestamp, millisecond precision, UTC."""
    v = value.astimezone(UTC)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"


def _day(text: str | None, default: datetime) -> datetime:
    if text:
        try:
            return datetime.fromisoformat(text[:10]).replace(tzinfo=UTC)
        except ValueError:
            return default
    return default


@dataclass(frozen=True)
class StixExport:
    bundle: Obj
    gate: GateResult
    skipped: tuple[tuple[str, int], ...]  # (reason, indicators) left out by the profile
    counts: tuple[tuple[str, int], ...]  # STIX type → objects in the bundle


class _Builder:
    def __init__(self, findings: Findings, prof: Profile) -> None:
        self.f = findings
        self.prof = prof
        self.objects: dict[str, Obj] = {}
        self.levels: set[Tlp] = set()
        self.producer_id = stix_id("identity", "producer", findings.producer.name)
        self.static = ts(EPOCH)
        self.now = ts(findings.as_of)
        self.report_skip: set[str] = set()
        self.op_levels = {o.id: o.tlp for o in findings.operations}

    def add(self, obj: Obj, level: Tlp, created: str | None = None) -> str:
        oid = str(obj["id"])
        stamp = created or self.now
        base: Obj = {"type": oid.split("--")[0], "spec_version": "2.1", "id": oid}
        base["created_by_ref"] = self.producer_id
        base["created"] = stamp
        base["modified"] = stamp
        base.update(obj)
        base["object_marking_refs"] = [level.marking_id]
        self.levels.add(level)
        self.objects[oid] = base
        return oid

    def rel(self, src: str, kind: str, dst: str, level: Tlp, **extra: object) -> str:
        rid = stix_id("relationship", src, kind, dst)
        obj: Obj = {"id": rid, "relationship_type": kind, "source_ref": src, "target_ref": dst}
        obj.update(extra)
        return self.add(obj, level)

    # -- objects -------------------------------------------------------------------------

    def producer(self) -> None:
        p = self.f.producer
        self.add(
            {"id": self.producer_id, "name": p.name, "identity_class": p.identity_class},
            Tlp.CLEAR,
            self.static,
        )

    def firms(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        for firm in self.f.firms:
            ta = stix_id("threat-actor", firm.id)
            obj: Obj = {
                "id": ta,
                "name": firm.name,
                "description": firm.summary or f"{firm.name} (surveillance for hire)",
                "threat_actor_types": ["spy"],
                "resource_level": "organization",
                "primary_motivation": "organizational-gain",
            }
            self.add(obj, Tlp.CLEAR, self.static)
            ids[firm.id] = ta
            for entity in firm.legal_entities:
                ent = stix_id("identity", "legal-entity", firm.id, entity)
                self.add(
                    {"id": ent, "name": entity, "identity_class": "organization"},
                    Tlp.CLEAR,
                    self.static,
                )
                self.rel(ta, "attributed-to", ent, Tlp.CLEAR)
            for name in firm.malware:
                mal = stix_id("malware", name)
                self.add(
                    {
                        "id": mal,
                        "name": name,
                        "description": f"{name} spyware, attributed to {firm.name}",
                        "is_family": True,
                        "malware_types": ["spyware"],
                    },
                    Tlp.CLEAR,
                    self.static,
                )
                self.rel(ta, "uses", mal, Tlp.CLEAR)
                self.rel(mal, "attributed-to", ta, Tlp.CLEAR)
        return ids

    def operations(self, firm_ids: dict[str, str]) -> dict[str, str]:
        ids: dict[str, str] = {}
        aggs: dict[str, list[str]] = {}
        for a in self.f.aggregates:
            aggs.setdefault(a.operation, []).append(f"{a.dimension} {a.key}: {a.count}")
        for op in self.f.operations:
            iset = stix_id("intrusion-set", self.f.producer.name, op.id)
            desc = (
                f"Operation {op.id} detected by {self.f.producer.name}: {op.n_accounts} fake "
                f"accounts, {self.f.people(op.n_targets)} targeted accounts; "
                f"phases {', '.join(op.phases)}. "
                f"Attribution: {op.rationale}"
            )
            obj: Obj = {"id": iset, "name": f"{self.f.producer.name} {op.id}", "description": desc}
            if op.first_seen is not None:
                obj["first_seen"] = ts(op.first_seen)
            if op.last_seen is not None:
                obj["last_seen"] = ts(op.last_seen)
            self.add(obj, op.tlp)
            ids[op.id] = iset
            if op.first_seen is not None and op.last_seen is not None:
                campaign = stix_id("campaign", self.f.producer.name, op.id)
                self.add(
                    {
                        "id": campaign,
                        "name": f"{self.f.producer.name} {op.id} activity",
                        "description": f"Activity of {op.id} seen on our platform",
                        "first_seen": ts(op.first_seen),
                        "last_seen": ts(op.last_seen),
                    },
                    op.tlp,
                )
                self.rel(campaign, "attributed-to", iset, op.tlp)
            if op.firm and op.firm in firm_ids:
                self.rel(
                    iset,
                    "attributed-to",
                    firm_ids[op.firm],
                    op.tlp,
                    confidence=round(op.confidence * 100),
                    description=op.rationale,
                )
            if op.first_seen is not None and op.last_seen is not None:
                self.add(
                    {
                        "id": stix_id("sighting", self.f.producer.name, op.id),
                        "sighting_of_ref": iset,
                        "where_sighted_refs": [self.producer_id],
                        "count": op.n_accounts,
                        "first_seen": ts(op.first_seen),
                        "last_seen": ts(op.last_seen),
                        "description": f"{op.n_accounts} operator accounts of {op.id}",
                    },
                    op.tlp,
                )
        return ids

    def aggregates(self, op_ids: dict[str, str]) -> None:
        for a in self.f.aggregates:
            if a.key == OTHER or a.operation not in op_ids:
                continue  # the "other" bucket is in the report description only
            if a.dimension == "country":
                target = stix_id("location", "country", a.key)
                self.add({"id": target, "country": a.key}, Tlp.CLEAR, self.static)
            else:
                target = stix_id("identity", "at-risk", a.key)
                name = a.key.replace("_", " ")
                self.add(
                    {"id": target, "name": f"at-risk: {name}", "identity_class": "class"},
                    Tlp.CLEAR,
                    self.static,
                )
            self.rel(
                op_ids[a.operation],
                "targets",
                target,
                a.tlp,
                description=f"{a.count} targeted accounts ({a.dimension} {a.key})",
            )

    def indicator(
        self, ind: IndicatorFinding, firm_ids: dict[str, str], op_ids: dict[str, str]
    ) -> str | None:
        pattern, _why = pattern_for(self.prof, ind.kind, ind.value, ind.observable)
        if pattern is None:
            return None
        iid = stix_id("indicator", ind.kind, ind.value)
        valid_from = ts(_day(ind.published, self.f.as_of))
        obj: Obj = {
            "id": iid,
            "name": ind.value,
            "description": ind.comment or f"{ind.kind} indicator",
            "indicator_types": ["malicious-activity"],
            "pattern": pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": valid_from,
        }
        self.add(obj, ind.tlp, valid_from)
        firm = self.f.firm(ind.actor) if ind.actor else None
        if firm is not None:
            self.rel(iid, "indicates", firm_ids[firm.id], ind.tlp)
            for name in firm.malware:
                self.rel(iid, "indicates", stix_id("malware", name), ind.tlp)
                # The report reaches it through that relationship; listing it directly would
                # make MVT file it under the report instead of the malware.
                self.report_skip.add(iid)
        for op in ind.operations:
            self.rel(iid, "indicates", op_ids[op], max(ind.tlp, self._op_tlp(op), key=_rank))
        if ind.kind in NETWORK_KINDS:
            infra = stix_id("infrastructure", ind.kind, ind.value)
            self.add(
                {"id": infra, "name": ind.value, "description": f"{ind.kind} {ind.value}"},
                ind.tlp,
            )
            self.rel(iid, "indicates", infra, ind.tlp)
            for op in ind.operations:
                level = max(ind.tlp, self._op_tlp(op), key=_rank)
                self.rel(op_ids[op], "uses", infra, level)
        return iid

    def _op_tlp(self, op_id: str) -> Tlp:
        return self.op_levels[op_id]

    def sightings(self, ind_ids: dict[tuple[str, str], str]) -> None:
        for s in self.f.sightings:
            if s.indicator not in ind_ids:
                continue
            self.add(
                {
                    "id": stix_id("sighting", self.f.producer.name, *s.indicator, s.operation),
                    "sighting_of_ref": ind_ids[s.indicator],
                    "where_sighted_refs": [self.producer_id],
                    "count": s.count,
                    "first_seen": ts(s.first_seen),
                    "last_seen": ts(s.last_seen),
                    "description": f"used by {s.operation} on our platform",
                },
                s.tlp,
            )

    def report(self, other_note: str, n_indicators: int) -> None:
        refs = sorted(o for o in self.objects if o not in self.report_skip)
        level = max(self.levels or {Tlp.CLEAR}, key=_rank)
        desc = f"{self.f.title}: {len(self.f.operations)} operations, " + (
            f"{n_indicators} indicators, {len(self.f.firms)} firms."
        )
        if other_note:
            desc += " " + other_note
        self.add(
            {
                "id": stix_id("report", self.f.producer.name, self.f.title),
                "name": self.f.title,
                "description": desc,
                "report_types": ["threat-actor", "indicator"],
                "published": self.now,
                "object_refs": refs,
            },
            level,
        )


def _rank(t: Tlp) -> int:
    return t.rank


def _other_note(f: Findings) -> str:
    parts = [
        f"{a.operation} {a.dimension} other: {a.count}" for a in f.aggregates if a.key == OTHER
    ]
    if not parts:
        return ""
    return "Targets in groups smaller than the anonymity threshold, pooled: " + "; ".join(parts)


def stix_export(findings: Findings, *, tlp: Tlp, profile_name: str = "strict") -> StixExport:
    """The gated bundle and what was held back or left out."""
    prof = profile(profile_name)
    gate = apply_gate(findings, tlp)
    skipped: Counter[str] = Counter()
    carried = []
    for ind in gate.findings.indicators:
        pattern, why = pattern_for(prof, ind.kind, ind.value, ind.observable)
        if pattern is None:
            skipped[why] += 1
        else:
            carried.append(ind)
    f = restrict(gate.findings, carried)
    b = _Builder(f, prof)
    b.producer()
    firm_ids = b.firms()
    op_ids = b.operations(firm_ids)
    b.aggregates(op_ids)
    ind_ids: dict[tuple[str, str], str] = {}
    for ind in sorted(f.indicators, key=lambda i: i.key):
        iid = b.indicator(ind, firm_ids, op_ids)
        if iid is not None:
            ind_ids[ind.key] = iid
    b.sightings(ind_ids)
    b.report(_other_note(f), len(ind_ids))
    markings = [marking_definition(t) for t in sorted(b.levels, key=_rank)]
    objects = markings + [b.objects[k] for k in sorted(b.objects)]
    digest = hashlib.sha256(json.dumps(objects, ensure_ascii=False).encode()).hexdigest()
    bundle: Obj = {"type": "bundle", "id": stix_id("bundle", digest), "objects": objects}
    counts = Counter(str(o["type"]) for o in objects)
    return StixExport(bundle, gate, tuple(sorted(skipped.items())), tuple(sorted(counts.items())))


def build_stix_bundle(findings: Findings, *, tlp: Tlp, profile: str = "strict") -> Obj:
    """The JSON-ready STIX 2.1 bundle of ``findings``, nothing above ``tlp`` included."""
    return stix_export(findings, tlp=tlp, profile_name=profile).bundle


def dumps(bundle: Obj) -> str:
    """Stable text form (same findings → same bytes): one object per line, which keeps large
    bundles diffable and lets the C JSON encoder do the work (an indented dump is ~10× slower).
    """
    head = {k: v for k, v in bundle.items() if k != "objects"}
    objects = bundle.get("objects")
    assert isinstance(objects, list)
    lines = ",\n".join(json.dumps(o, ensure_ascii=False) for o in objects)
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "objects": [\n' + lines + "\n]}\n"
