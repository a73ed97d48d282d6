"""JSON indicator formats: STIX 2.1 bundles, MISP events, Meta threat-research JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import ClassVar

from counterspy.errors import InputError
from counterspy.intel.formats import (
    TYPE_ALIASES,
    IndicatorReader,
    RawIndicator,
    ReadResult,
    actor_from_text,
    register,
)
from counterspy.share.patterns import MVT_ONLY_PATHS
from counterspy.share.tlp import tlp_of_refs, tlp_of_tags


def _load_json(path: Path, text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}",
            file=str(path),
            row=exc.lineno,
            hint="check the file is complete and UTF-8",
        ) from exc


def _first_json_char(head: str) -> str:
    s = head.lstrip("\ufeff \t\r\n")
    return s[:1]


@register
class StixBundleReader(IndicatorReader):
    name = "stix2"
    description = "STIX 2.1 bundle (Amnesty / MVT style): indicator patterns, malware names"
    # STIX object paths → canonical types, one table (no if/elif chains on type strings).
    PATHS: ClassVar[dict[str, str]] = {
        "domain-name:value": "domain",
        "url:value": "url",
        "ipv4-addr:value": "auto",
        "ipv6-addr:value": "auto",
        "email-addr:value": "email",
        "file:name": "filename",
        "file:path": "filename",
        "process:name": "process",
        "process:image_ref.name": "process",
        "file:hashes.md5": "md5",
        "file:hashes.'md5'": "md5",
        "file:hashes.sha1": "sha1",
        "file:hashes.'sha-1'": "sha1",
        "file:hashes.sha256": "sha256",
        "file:hashes.'sha-256'": "sha256",
        "configuration-profile:id": "other",
        "app:id": "other",
        "android-property-name:name": "other",
        "android-property:name": "other",
        "app:cert.md5": "other",
        "app:cert.sha1": "other",
        "app:cert.sha256": "other",
    }

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return _first_json_char(head) == "{" and '"bundle"' in head.replace(" ", "")[:4000]

    def read(self, path: Path, text: str) -> ReadResult:
        doc = _load_json(path, text)
        objects = doc.get("objects") if isinstance(doc, dict) else None
        if not isinstance(objects, list):
            raise InputError("STIX bundle has no 'objects' list", file=str(path))
        names = {
            o.get("id"): o.get("name")
            for o in objects
            if isinstance(o, dict)
            and o.get("type") in {"malware", "intrusion-set", "threat-actor", "tool"}
        }
        actor_names = {
            o.get("id"): " ".join([str(o.get("name", "")), *map(str, o.get("aliases") or [])])
            for o in objects
            if isinstance(o, dict) and o.get("type") in {"threat-actor", "intrusion-set"}
        }
        targets: dict[str, str] = {}
        actors: dict[str, str] = {}
        for o in objects:
            if isinstance(o, dict) and o.get("type") == "relationship":
                tgt = names.get(o.get("target_ref"))
                if tgt:
                    targets[str(o.get("source_ref"))] = str(tgt)
                who = actor_names.get(o.get("target_ref"))
                if who and o.get("relationship_type") == "indicates":
                    actors.setdefault(str(o.get("source_ref")), str(who))
        comparison = re.compile(r"([\w\-]+:[\w\-.']+)\s*=\s*'((?:[^'\\]|\\.)*)'")
        out: list[RawIndicator] = []
        for n, o in enumerate(objects, start=1):
            if not isinstance(o, dict) or o.get("type") != "indicator":
                continue
            family = targets.get(str(o.get("id")))
            who = actors.get(str(o.get("id")))
            refs = o.get("object_marking_refs")
            level = tlp_of_refs(str(r) for r in refs) if isinstance(refs, list) else None
            for path_expr, value in comparison.findall(str(o.get("pattern", ""))):
                obj_path = path_expr.lower()
                out.append(
                    RawIndicator(
                        type=self.PATHS.get(obj_path, "other"),
                        value=re.sub(r"\\(.)", r"\1", value),
                        line=n,
                        published=str(o.get("valid_from") or o.get("created") or "")[:10] or None,
                        actor=actor_from_text(who, family, o.get("description") or o.get("name"))
                        or family,
                        comment=o.get("description") or family or o.get("name"),
                        tlp=level.value if level is not None else None,
                        observable=obj_path if obj_path in MVT_ONLY_PATHS else None,
                    )
                )
        malware = sorted({v for v in names.values() if v})
        return ReadResult(tuple(out), default_source=f"stix:{'+'.join(malware) or path.stem}")


@register
class MispEventReader(IndicatorReader):
    name = "misp"
    description = "MISP event JSON (an Event with Attribute and Object lists)"
    # (object template, object relation) → type, for object attributes typed only as "text"
    OBJECT_RELATIONS: ClassVar[dict[tuple[str, str], str]] = {
        ("process", "name"): "process",
        ("file", "filename"): "filename",
        ("domain-ip", "domain"): "domain",
    }

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return _first_json_char(head) == "{" and '"Event"' in head[:4000]

    def read(self, path: Path, text: str) -> ReadResult:
        doc = _load_json(path, text)
        event = doc.get("Event") if isinstance(doc, dict) else None
        if not isinstance(event, dict):
            raise InputError("MISP file has no 'Event' object", file=str(path))
        attrs: list[tuple[object, str]] = [(a, "") for a in event.get("Attribute") or []]
        for obj in event.get("Object") or []:
            if isinstance(obj, dict):
                attrs.extend((a, str(obj.get("name", ""))) for a in obj.get("Attribute") or [])
        tags = " ".join(
            str(t.get("name", "")) for t in event.get("Tag") or [] if isinstance(t, dict)
        )
        info = str(event.get("info") or "")
        actor = actor_from_text(info, tags)
        out = []
        event_tags = [str(t.get("name", "")) for t in event.get("Tag") or [] if isinstance(t, dict)]
        for n, (a, template) in enumerate(attrs, start=1):
            if not isinstance(a, dict):
                continue
            attr_tags = [str(t.get("name", "")) for t in a.get("Tag") or [] if isinstance(t, dict)]
            level = tlp_of_tags(attr_tags) or tlp_of_tags(event_tags)
            mtype, value = str(a.get("type", "")), str(a.get("value", ""))
            relation = self.OBJECT_RELATIONS.get((template, str(a.get("object_relation", ""))))
            if relation is not None:
                mtype = relation
            first_seen = str(a.get("first_seen") or "")[:10]
            pieces = [(mtype, value)]
            if "|" in mtype and "|" in value:  # composite types such as domain|ip
                pieces = list(zip(mtype.split("|"), value.split("|"), strict=False))
            for t, v in pieces:
                out.append(
                    RawIndicator(
                        type=TYPE_ALIASES.get(t.lower(), "other"),
                        value=v,
                        line=n,
                        published=first_seen or str(event.get("date") or "") or None,
                        actor=actor_from_text(" ".join(attr_tags)) or actor,
                        comment=str(a.get("comment") or "") or info or None,
                        tlp=level.value if level is not None else None,
                    )
                )
        return ReadResult(tuple(out), default_source=f"misp:{event.get('uuid') or path.stem}")


@register
class MetaJsonReader(IndicatorReader):
    name = "meta-json"
    description = (
        "Meta threat-research JSON: array of {indicator_type, indicator_value, comment, ds}"
    )

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return _first_json_char(head) == "[" and "indicator_value" in head[:4000]

    def read(self, path: Path, text: str) -> ReadResult:
        doc = _load_json(path, text)
        if not isinstance(doc, list):
            raise InputError("expected a JSON array of indicator records", file=str(path))
        out = []
        for n, rec in enumerate(doc, start=1):
            if not isinstance(rec, dict) or "indicator_value" not in rec:
                raise InputError(
                    "record lacks 'indicator_value'",
                    file=str(path),
                    row=n,
                    hint="each record needs indicator_type and indicator_value",
                )
            comment = rec.get("comment")
            out.append(
                RawIndicator(
                    type=TYPE_ALIASES.get(str(rec.get("indicator_type", "")).lower(), "auto"),
                    value=str(rec["indicator_value"]),
                    line=n,
                    published=rec.get("ds"),
                    actor=actor_from_text(comment),
                    comment=comment,
                )
            )
        return ReadResult(tuple(out), default_source="meta-threat-research")
