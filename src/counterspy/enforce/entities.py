"""Banned entities as pure data, and the bundled seed registry (public facts only)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib import resources

import yaml

from counterspy.model.firms import FirmId


class AliasKind(StrEnum):
    BRAND = "brand"
    LEGAL = "legal"
    FORMER = "former"
    NATIVE = "native"  # a spelling in another script, as the firm or its registry writes it
    OTHER = "other"


class BanBasis(StrEnum):
    META_REPORT = "meta-report"  # one of the seven firms of Meta's Dec 2021 report
    DESIGNATION = "designation"  # a sanctions or export-control designation
    INVESTIGATION = "investigation"  # our own investigators' finding


@dataclass(frozen=True)
class Alias:
    name: str
    kind: AliasKind
    source: str


@dataclass(frozen=True)
class BannedEntity:
    id: str
    name: str | None  # None: banned but unnamed (Meta's unknown entity in China)
    firm: FirmId | None
    country: str | None
    basis: BanBasis
    source: str
    aliases: tuple[Alias, ...] = ()
    related: str | None = None
    notes: str = ""
    active: bool = True

    def screen_names(self) -> tuple[Alias, ...]:
        """Every name screening compares against: the entity's name and its aliases."""
        names: list[Alias] = []
        if self.name:
            names.append(Alias(self.name, AliasKind.BRAND, self.source))
        names.extend(a for a in self.aliases if a.name != self.name)
        return tuple(names)


@dataclass(frozen=True)
class SeedRegistry:
    version: int
    sources: dict[str, str]
    entities: tuple[BannedEntity, ...]


def _source_text(sources: dict[str, str], key: str) -> str:
    return sources.get(key, key)


@lru_cache(maxsize=1)
def load_seed() -> SeedRegistry:
    """The bundled seed (``enforce/data/entities.yaml``)."""
    text = resources.files("counterspy.enforce").joinpath("data/entities.yaml").read_text("utf-8")
    doc = yaml.safe_load(text)
    sources: dict[str, str] = dict(doc["sources"])
    entities = []
    for raw in doc["entities"]:
        aliases = tuple(
            Alias(a["name"], AliasKind(a["kind"]), _source_text(sources, a["source"]))
            for a in raw.get("aliases", [])
        )
        entities.append(
            BannedEntity(
                id=raw["id"],
                name=raw.get("name"),
                firm=FirmId(raw["firm"]) if raw.get("firm") else None,
                country=raw.get("country"),
                basis=BanBasis(raw["basis"]),
                source=_source_text(sources, raw["source"]),
                aliases=aliases,
                related=raw.get("related"),
                notes=" ".join(str(raw.get("notes", "")).split()),
            )
        )
    return SeedRegistry(version=int(doc["version"]), sources=sources, entities=tuple(entities))
