"""The due-process policy and the official-domain list, loaded from bundled YAML.

Operators override top-level keys of ``rules.yaml`` (and extend ``official_domains``) with
``<home>/legal-policy.yaml``; the merged result is validated here, once, so a typo in a policy
file is a clear error naming the file and key, not a surprise during review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from babel import Locale

from counterspy.errors import InputError
from counterspy.legal.model import DataCategory, EmergencyRisk, LegalProcess, Outcome

POLICY_FILE = "legal-policy.yaml"
# CLDR territories that are groupings or placeholders, not issuing countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@dataclass(frozen=True)
class ProcessRule:
    categories: frozenset[DataCategory]
    needs_legal_basis: bool
    foreign_ok: bool


@dataclass(frozen=True)
class ReasonCode:
    code: str
    outcome: Outcome
    description: str


@dataclass(frozen=True)
class LegalPolicy:
    home_country: str
    max_accounts: int
    identifier_pattern: re.Pattern[str]
    wildcard_chars: frozenset[str]
    unspecific_markers: tuple[str, ...]
    qualifying_risks: frozenset[EmergencyRisk]
    min_justification_chars: int
    emergency_review_due_days: int
    processes: dict[LegalProcess, ProcessRule]
    labels_home: dict[LegalProcess, str]
    labels_foreign: dict[LegalProcess, str]
    reason_codes: dict[str, ReasonCode]
    official_domains: dict[str, tuple[str, ...]]
    wildcard_re: re.Pattern[str]  # derived: any wildcard character
    marker_re: re.Pattern[str]  # derived: an unspecific marker (prefix or whole value)

    def outcome_of(self, code: str) -> Outcome:
        return self.reason_codes[code].outcome

    def label(self, process: LegalProcess, country: str) -> str:
        """The transparency-report "Legal Process" label of a request."""
        table = self.labels_home if country == self.home_country else self.labels_foreign
        return table[process]

    def official_suffix(self, country: str, email: str) -> str | None:
        """The allow-listed suffix ``email``'s domain falls under for ``country``, if any."""
        domain = email_domain(email)
        for suffix in self.official_domains.get(country, ()):
            if domain == suffix or domain.endswith("." + suffix):
                return suffix
        return None


@cache
def territory_names() -> dict[str, str]:
    """CLDR territory code → English name, countries only (from Babel's CLDR data)."""
    names: dict[str, str] = dict(Locale("en").territories)
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


def parse_country(value: str) -> str:
    """A CLDR territory code (ISO 3166-1 alpha-2), upper-cased; raises ValueError."""
    code = value.strip().upper()
    if code not in territory_names():
        raise ValueError(
            f"unknown country {value!r}: use an ISO 3166-1 alpha-2 / CLDR territory code"
        )
    return code


_EMAIL_RE = re.compile(r"^[^@\s]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,63})$")


def email_domain(email: str) -> str:
    m = _EMAIL_RE.match(email.strip())
    if m is None:
        raise ValueError(f"not an e-mail address: {email!r}")
    return m.group(1).lower().rstrip(".")


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}".splitlines()[0], file=source) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("expected a mapping at the top level", file=source)
    return data


def _bundled(name: str) -> dict[str, Any]:
    return _read_yaml((files("counterspy.legal") / "data" / name).read_text("utf-8"), name)


def _any_of(chars: frozenset[str]) -> re.Pattern[str]:
    body = "".join(re.escape(c) for c in sorted(chars))
    return re.compile(f"[{body}]" if body else r"(?!)")


def _marker_re(markers: tuple[str, ...]) -> re.Pattern[str]:
    """Markers ending in ':' or '#' are prefixes; other markers must match the whole value."""
    prefixes = [re.escape(m) for m in markers if m[-1:] in (":", "#")]
    wholes = [re.escape(m) for m in markers if m[-1:] not in (":", "#")]
    parts = []
    if prefixes:
        parts.append("(?:" + "|".join(prefixes) + ")")
    if wholes:
        parts.append("(?:" + "|".join(wholes) + ")$")
    return re.compile("^(?:" + "|".join(parts) + ")" if parts else r"(?!)")


def _build(raw: dict[str, Any], domains: dict[str, Any], source: str) -> LegalPolicy:
    try:
        processes = {
            LegalProcess(name): ProcessRule(
                categories=frozenset(DataCategory(c) for c in spec["categories"]),
                needs_legal_basis=bool(spec["needs_legal_basis"]),
                foreign_ok=bool(spec["foreign_ok"]),
            )
            for name, spec in raw["processes"].items()
        }
        missing = set(LegalProcess) - set(processes)
        if missing:
            raise ValueError(f"processes without a rule: {sorted(missing)}")
        wildcards = frozenset(str(c) for c in raw["wildcard_chars"])
        markers = tuple(str(m).lower() for m in raw["unspecific_markers"])
        labels = raw["transparency_labels"]
        emergency = raw["emergency"]
        return LegalPolicy(
            home_country=parse_country(str(raw["home_country"])),
            max_accounts=int(raw["max_accounts"]),
            identifier_pattern=re.compile(str(raw["identifier_pattern"])),
            wildcard_chars=wildcards,
            unspecific_markers=markers,
            qualifying_risks=frozenset(EmergencyRisk(r) for r in emergency["qualifying_risks"]),
            min_justification_chars=int(emergency["min_justification_chars"]),
            emergency_review_due_days=int(emergency["review_due_days"]),
            processes=processes,
            labels_home={LegalProcess(k): str(v) for k, v in labels["home"].items()},
            labels_foreign={LegalProcess(k): str(v) for k, v in labels["foreign"].items()},
            reason_codes={
                code: ReasonCode(code, Outcome(spec["outcome"]), str(spec["description"]))
                for code, spec in raw["reason_codes"].items()
            },
            official_domains={
                parse_country(str(c)): tuple(str(s).lower().lstrip(".") for s in suffixes)
                for c, suffixes in domains.items()
            },
            wildcard_re=_any_of(wildcards),
            marker_re=_marker_re(markers),
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise InputError(
            f"invalid legal policy: {type(exc).__name__}: {exc}",
            file=source,
            hint="compare with the bundled rules.yaml (see docs/legal.md)",
        ) from None


@cache
def default_policy() -> LegalPolicy:
    return _build(_bundled("rules.yaml"), _bundled("official_domains.yaml"), "rules.yaml")


def load_policy(home: Path | None) -> LegalPolicy:
    """The bundled policy, with ``<home>/legal-policy.yaml`` applied when it exists."""
    path = home / POLICY_FILE if home is not None else None
    if path is None or not path.is_file():
        return default_policy()
    override = _read_yaml(path.read_text("utf-8"), str(path))
    raw = {
        **_bundled("rules.yaml"),
        **{k: v for k, v in override.items() if k != "official_domains"},
    }
    domains = dict(_bundled("official_domains.yaml"))
    extra = override.get("official_domains") or {}
    if not isinstance(extra, dict):
        raise InputError("official_domains must map country codes to lists", file=str(path))
    domains.update(extra)
    return _build(raw, domains, str(path))
