"""Firm profiles: public facts about each firm, bundled as YAML and validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from counterspy.errors import InputError
from counterspy.model import FirmId, Phase


class _ProfileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    firm: FirmId
    name: str
    base: str
    phases: list[Phase]
    persona_keywords: list[str]
    target_countries: list[str]
    customer_countries: list[str] = Field(default_factory=list)
    phase_mix: dict[Phase, float] | None = None
    fake_media: bool = False
    automation: bool = False
    infrastructure: list[str]
    indicator_actors: list[str]
    reported_accounts: int | None
    summary: str

    @field_validator("phase_mix")
    @classmethod
    def _mix_sums_to_one(cls, v: dict[Phase, float] | None) -> dict[Phase, float] | None:
        if v is not None and (any(x < 0 for x in v.values()) or abs(sum(v.values()) - 1) > 0.01):
            raise ValueError("phase_mix shares must be ≥ 0 and sum to 1")
        return v


@dataclass(frozen=True)
class FirmProfile:
    firm: str
    name: str
    base: str
    phases: frozenset[str]
    persona_keywords: frozenset[str]
    target_countries: frozenset[str]
    infrastructure: frozenset[str]
    indicator_actors: frozenset[str]
    reported_accounts: int | None
    summary: str
    customer_countries: frozenset[str] = frozenset()
    # Reported emphasis of the firm's activity over the phases (shares summing to 1), if any.
    phase_mix: tuple[tuple[str, float], ...] = ()
    fake_media: bool = False  # reported to run fake media entities (pages)
    automation: bool = False  # reported to run a collection / account-management platform


def parse_profiles(text: str, source: str) -> tuple[FirmProfile, ...]:
    raw = yaml.safe_load(text)
    if not isinstance(raw, list):
        raise InputError("expected a list of firm profiles", file=source)
    out = []
    for i, item in enumerate(raw):
        try:
            m = _ProfileModel.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError(
                first["msg"],
                file=source,
                row=i + 1,
                column=".".join(str(x) for x in first["loc"]),
                hint="see the bundled counterspy/attribute/data/firms.yaml for the format",
            ) from None
        out.append(
            FirmProfile(
                firm=m.firm.value,
                name=m.name,
                base=m.base,
                phases=frozenset(p.value for p in m.phases),
                persona_keywords=frozenset(k.lower() for k in m.persona_keywords),
                target_countries=frozenset(c.upper() for c in m.target_countries),
                infrastructure=frozenset(m.infrastructure),
                indicator_actors=frozenset(a.lower() for a in m.indicator_actors),
                reported_accounts=m.reported_accounts,
                summary=m.summary,
                customer_countries=frozenset(c.upper() for c in m.customer_countries),
                phase_mix=tuple(
                    sorted((k.value, float(v)) for k, v in (m.phase_mix or {}).items())
                ),
                fake_media=m.fake_media,
                automation=m.automation,
            )
        )
    return tuple(out)


def load_profiles(path: Path | None = None) -> tuple[FirmProfile, ...]:
    """The bundled profiles, or those in ``path``."""
    if path is not None:
        return parse_profiles(path.read_text("utf-8"), str(path))
    res = resources.files("counterspy.attribute").joinpath("data/firms.yaml")
    return parse_profiles(res.read_text("utf-8"), "counterspy/attribute/data/firms.yaml")
