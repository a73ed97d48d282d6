"""How the report and the exports know an indicator's TLP level.

An indicator imported with a TLP marking (STIX ``object_marking_refs``, MISP ``tlp:`` tags,
``counterspy share import --tlp``) keeps it in ``intel_indicators.tlp``, and that marking wins.
For unmarked indicators the level is configured per source: the bundled ``data/tlp_sources.yaml``
(Meta's public threat-research files are TLP:CLEAR) plus an optional ``<home>/tlp.yaml`` with
the same layout, whose entries win. Unlisted sources get the configured default, RED unless
changed: an indicator nobody cleared never reaches a report.

Our own detected bad domains are a separate case (see :func:`own_domain_level`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from counterspy.errors import InputError
from counterspy.share.tlp import Tlp
from counterspy.workspace import Workspace

WORKSPACE_FILE = "tlp.yaml"
BUNDLED = "data/tlp_sources.yaml"
UNBLOCKED_DETECTION = Tlp.AMBER
"""Level of a detected bad domain that enforcement has not blocked yet: partners may see it,
the public may not (publishing it would warn the operators before the takedown)."""


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: str | None = None
    sources: dict[str, str] = {}

    @field_validator("default")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        if v is not None:
            Tlp.parse(v)
        return v

    @field_validator("sources")
    @classmethod
    def _levels(cls, v: dict[str, str]) -> dict[str, str]:
        for level in v.values():
            Tlp.parse(str(level))
        return v


@dataclass(frozen=True)
class TlpPolicy:
    rules: tuple[tuple[str, Tlp], ...]  # (source pattern, level), first match wins
    default: Tlp

    def match(self, source: str) -> Tlp | None:
        """The level of the first rule matching ``source``; None when no rule does."""
        for pattern, level in self.rules:
            if fnmatchcase(source, pattern):
                return level
        return None

    def level(self, source: str) -> Tlp:
        found = self.match(source)
        return self.default if found is None else found

    def indicator_level(self, marking: str | None, source: str, default: Tlp | None = None) -> Tlp:
        """An indicator's own marking, else its source's rule, else ``default`` (else ours)."""
        if marking:
            return Tlp.parse(marking)
        found = self.match(source)
        if found is not None:
            return found
        return self.default if default is None else default

    def overlay(self, first: TlpPolicy, *, default_set: bool) -> TlpPolicy:
        """``first``'s rules before ours; its default only when the file set one."""
        return TlpPolicy(first.rules + self.rules, first.default if default_set else self.default)


def _parse(text: str, source: str) -> tuple[TlpPolicy, bool]:
    try:
        raw = yaml.safe_load(text) or {}
        model = _PolicyModel.model_validate(raw)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}".splitlines()[0], file=source) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            first["msg"],
            file=source,
            column=".".join(str(x) for x in first["loc"]),
            hint="levels are clear, green, amber, amber+strict or red; see docs/report.md",
        ) from None
    except Exception as exc:
        raise InputError(str(exc), file=source) from None
    rules = tuple((str(p), Tlp.parse(str(v))) for p, v in model.sources.items())
    default = Tlp.parse(model.default) if model.default else Tlp.RED
    return TlpPolicy(rules, default), model.default is not None


def bundled_policy() -> TlpPolicy:
    text = resources.files("counterspy.share").joinpath(BUNDLED).read_text("utf-8")
    return _parse(text, f"counterspy/share/{BUNDLED}")[0]


def load_policy(workspace: Workspace, extra: Path | None = None) -> TlpPolicy:
    """Bundled rules, overlaid by ``<home>/tlp.yaml`` and then by ``extra`` when given."""
    policy = bundled_policy()
    for path in (workspace.home / WORKSPACE_FILE, extra):
        if path is not None and path.is_file():
            mine, default_set = _parse(path.read_text("utf-8"), str(path))
            policy = policy.overlay(mine, default_set=default_set)
        elif path is not None and path == extra:
            raise InputError("TLP policy file not found", file=str(path))
    return policy


def own_domain_level(
    *, blocked: bool, from_indicator: bool, indicator_levels: tuple[Tlp, ...]
) -> Tlp:
    """Level of a bad domain our own detection found.

    Unblocked: AMBER (partners only). Blocked and judged by our own heuristics: CLEAR, the
    takedown is public. Blocked but judged bad because an imported indicator named it: the
    knowledge came from that source, so the most permissive level among the matching
    indicators (AMBER when none is in the store any more).
    """
    if not blocked:
        return UNBLOCKED_DETECTION
    if not from_indicator:
        return Tlp.CLEAR
    if not indicator_levels:
        return UNBLOCKED_DETECTION
    return min(indicator_levels, key=lambda t: t.rank)
