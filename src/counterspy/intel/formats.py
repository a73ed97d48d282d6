"""Indicator file formats: one small registered reader per format, chosen by sniffing.

Each reader turns a file into :class:`RawIndicator` rows (value as published plus where it was
found) and, for taxonomies, :class:`TechniqueRow` rows. Readers do not normalise or judge
values; :mod:`counterspy.intel.importer` does, so every format gets the same rules.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar


@dataclass(frozen=True)
class RawIndicator:
    type: str  # canonical type (see TYPE_ALIASES values) or "auto" to infer from the value
    value: str
    line: int  # line (text formats) or record number (JSON formats), 1-based
    published: str | None = None
    actor: str | None = None
    comment: str | None = None
    technique: str | None = None
    tlp: str | None = None  # TLP level from the file's markings or tags, if any
    observable: str | None = None  # STIX path as published where the canonical type is ambiguous


@dataclass(frozen=True)
class TechniqueRow:
    code: str
    tactic: str
    technique: str
    procedure: str
    line: int


@dataclass(frozen=True)
class ReadResult:
    indicators: tuple[RawIndicator, ...]
    techniques: tuple[TechniqueRow, ...] = ()
    notes: tuple[str, ...] = ()  # skipped rows worth telling the analyst about
    default_source: str | None = None


# Publisher type names → canonical types. One table for every format.
TYPE_ALIASES: dict[str, str] = {
    "domain": "domain",
    "domain_name": "domain",
    "domain-name": "domain",
    "hostname": "domain",
    "fqdn": "domain",
    "url": "url",
    "uri": "url",
    "link": "url",
    "ip": "ip",
    "ip_address": "ip",
    "ipv4": "ip",
    "ipv6": "ip",
    "ipv4-addr": "ip",
    "ipv6-addr": "ip",
    "ip-src": "ip",
    "ip-dst": "ip",
    "cidr": "cidr",
    "ip_range": "cidr",
    "email": "email",
    "email_address": "email",
    "email-addr": "email",
    "email-src": "email",
    "email-dst": "email",
    "md5": "md5",
    "hash_md5": "md5",
    "sha1": "sha1",
    "hash_sha1": "sha1",
    "sha256": "sha256",
    "hash_sha256": "sha256",
    "filename": "filename",
    "file_name": "filename",
    "file:name": "filename",
    "file:path": "filename",
    "process": "process",
    "process:name": "process",
}

# Malware and firm names → actor labels (FirmId slugs where the firm is one of Meta's seven).
ACTOR_NAMES: dict[str, str] = {
    "cytrox": "cytrox",
    "predator": "cytrox",
    "cobwebs": "cobwebs",
    "cognyte": "cognyte",
    "black cube": "black_cube",
    "blackcube": "black_cube",
    "black_cube": "black_cube",
    "bluehawk": "bluehawk",
    "belltrox": "belltrox",
    "china_unknown": "china_unknown",
    "unknown entity in china": "china_unknown",
    "pegasus": "nso_group",
    "nso": "nso_group",
}


def actor_from_text(*texts: str | None) -> str | None:
    for t in texts:
        if not t:
            continue
        low = t.lower()
        for name, actor in ACTOR_NAMES.items():
            if name in low:
                return actor
    return None


class IndicatorReader(ABC):
    """A file format. ``name`` is a stable key (it appears in docs and ``--format``)."""

    name: ClassVar[str]
    description: ClassVar[str]

    @classmethod
    @abstractmethod
    def sniff(cls, path: Path, head: str) -> bool:
        """Whether a file whose first characters are ``head`` is in this format."""

    @abstractmethod
    def read(self, path: Path, text: str) -> ReadResult: ...


READERS: dict[str, type[IndicatorReader]] = {}


def register(cls: type[IndicatorReader]) -> type[IndicatorReader]:
    if cls.name in READERS:
        raise ValueError(f"duplicate indicator reader name {cls.name!r}")
    READERS[cls.name] = cls
    return cls


def load_readers() -> dict[str, type[IndicatorReader]]:
    """Every registered reader (importing the modules that define them registers them)."""
    from counterspy.intel import formats_json, formats_text  # noqa: F401

    return READERS


SNIFF_ORDER = ("stix2", "misp", "meta-json", "killchain-csv", "meta-csv", "plain")


def detect_reader(path: Path, head: str) -> IndicatorReader:
    """The first reader, in :data:`SNIFF_ORDER`, that recognises the file."""
    readers = load_readers()
    for name in SNIFF_ORDER:
        cls = readers[name]
        if cls.sniff(path, head):
            return cls()
    return readers["plain"]()
