"""Which digital-security helpline a notice refers a person to, by country (data-driven)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import yaml

from counterspy.errors import CounterspyError


@dataclass(frozen=True)
class Helpline:
    id: str
    name: str
    contact: str
    countries: frozenset[str]


@dataclass(frozen=True)
class HelplineDirectory:
    default: Helpline
    by_id: dict[str, Helpline]
    by_country: dict[str, Helpline]

    def for_country(self, country: str | None) -> Helpline:
        return self.by_country.get((country or "").upper(), self.default)

    def get(self, helpline_id: str) -> Helpline:
        try:
            return self.by_id[helpline_id]
        except KeyError:
            raise CounterspyError(f"unknown helpline {helpline_id!r}") from None


@lru_cache(maxsize=1)
def helplines() -> HelplineDirectory:
    raw = yaml.safe_load(
        (files("counterspy.notify") / "data" / "helplines.yaml").read_text(encoding="utf-8")
    )
    by_id: dict[str, Helpline] = {}
    by_country: dict[str, Helpline] = {}
    for hid, item in raw["helplines"].items():
        h = Helpline(
            id=hid,
            name=str(item["name"]),
            contact=str(item["contact"]),
            countries=frozenset(str(c).upper() for c in item.get("countries") or ()),
        )
        by_id[hid] = h
        for c in h.countries:
            if c in by_country:
                raise CounterspyError(f"helplines.yaml: country {c} listed twice")
            by_country[c] = h
    return HelplineDirectory(default=by_id[raw["default"]], by_id=by_id, by_country=by_country)
