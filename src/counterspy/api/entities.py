"""Entity ban registry and name screening over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from counterspy.api.auth import current_principal, db_session, guarded
from counterspy.auth.roles import Permission
from counterspy.auth.users import Principal
from counterspy.enforce import registry
from counterspy.enforce.entities import Alias, AliasKind, BanBasis, BannedEntity
from counterspy.enforce.screening import POSSIBLE_THRESHOLD, Band, Screener
from counterspy.errors import InputError
from counterspy.model.firms import FirmId

router = APIRouter(prefix="/v1/entities", tags=["enforcement"])

# Request bodies refuse unknown fields; free text must have a visible character and no control
# characters (the registry refuses them too), and the schema says so, so clients can know.
_STRICT = ConfigDict(extra="forbid")
_CTL = r"[^\x00-\x08\x0b\x0c\x0e-\x1f]"
TEXT_PATTERN = rf"^{_CTL}*[^\s\x00-\x1f]{_CTL}*$"  # one visible character


def _text(max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length, pattern=TEXT_PATTERN)


Name = Annotated[str, _text(500)]

_ERRORS = {
    400: "Invalid input (the message names the field)",
    404: "No such entity",
    409: "Conflicts with the registry's state (duplicate, already lifted)",
}


def _route(permission: Permission, *codes: int) -> dict[str, Any]:
    """``guarded`` plus the error responses this route can give."""
    kw = guarded(permission)
    kw["responses"] = {**kw["responses"], **{c: {"description": _ERRORS[c]} for c in codes}}
    return kw


class ScreenIn(BaseModel):
    names: list[Name] = Field(min_length=1, max_length=1000)
    # strict: "0.5" is not a number and false is not a score
    min_score: float = Field(default=POSSIBLE_THRESHOLD, ge=0.0, le=1.0, strict=True)

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"names": ["Цитрокс АД"]}]}
    )


class TokenScoreOut(BaseModel):
    query: str
    alias: str
    similarity: float
    weight: float
    via: str


class MatchOut(BaseModel):
    entity_id: str
    entity_name: str
    firm: str | None
    basis: str
    band: Band
    score: float
    candidate: str
    alias: str
    alias_kind: str
    alias_source: str
    tokens: list[TokenScoreOut]
    query_normalisations: list[str]
    query_legal_forms: list[str]
    alias_legal_forms: list[str]
    explanation: str


class ScreenResultOut(BaseModel):
    name: str
    matched: bool = Field(description="True when any candidate is in the 'match' band")
    candidates: list[MatchOut]


class AliasOut(BaseModel):
    name: str
    kind: str
    source: str


class EntityOut(BaseModel):
    id: str
    name: str | None
    firm: str | None
    country: str | None
    basis: str
    source: str
    related: str | None
    active: bool
    notes: str
    aliases: list[AliasOut]


@router.post(
    "/screen", response_model=list[ScreenResultOut], **_route(Permission.ENTITIES_SCREEN, 400)
)
def screen_names(
    body: ScreenIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[ScreenResultOut]:
    """Screen account, page or business names against the active bans, with explanations."""
    for i, name in enumerate(body.names):
        if not name.strip() or len(name) > 500 or "\x00" in name:
            raise InputError("each name must be 1-500 characters", column=f"names[{i}]")
    registry.ensure_seeded(session, actor=principal.name)
    screener = Screener(
        registry.list_entities(session, include_lifted=False),
        possible_threshold=body.min_score,
    )
    results = []
    for name in body.names:
        matches = screener.screen(name)
        results.append(
            ScreenResultOut(
                name=name,
                matched=any(m.band == Band.MATCH for m in matches),
                candidates=[
                    MatchOut(
                        entity_id=m.entity_id,
                        entity_name=m.entity_name,
                        firm=m.firm,
                        basis=m.basis,
                        band=m.band,
                        score=m.score,
                        candidate=m.candidate,
                        alias=m.alias,
                        alias_kind=m.alias_kind,
                        alias_source=m.alias_source,
                        tokens=[TokenScoreOut(**vars(t)) for t in m.tokens],
                        query_normalisations=list(m.query_normalisations),
                        query_legal_forms=list(m.query_legal_forms),
                        alias_legal_forms=list(m.alias_legal_forms),
                        explanation=m.explain(),
                    )
                    for m in matches
                ],
            )
        )
    return results


@router.get("", response_model=list[EntityOut], **guarded(Permission.ENTITIES_SCREEN))
def list_entities(
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> list[EntityOut]:
    """Banned entities with their aliases and sources."""
    registry.ensure_seeded(session, actor=principal.name)
    return [_entity_out(e) for e in registry.list_entities(session)]


def _entity_out(e: BannedEntity) -> EntityOut:
    return EntityOut(
        id=e.id,
        name=e.name,
        firm=e.firm.value if e.firm else None,
        country=e.country,
        basis=e.basis.value,
        source=e.source,
        related=e.related,
        active=e.active,
        notes=e.notes,
        aliases=[AliasOut(name=a.name, kind=a.kind.value, source=a.source) for a in e.aliases],
    )


class BanIn(BaseModel):
    model_config = _STRICT

    id: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_]+$")
    name: str = _text(300)
    legal_entities: list[Annotated[str, _text(300)]] = Field(default_factory=list, max_length=100)
    aliases: list[Annotated[str, _text(300)]] = Field(default_factory=list, max_length=100)
    firm: FirmId | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    source: str = _text(2000)
    reason: str = _text(2000)


class AliasIn(BaseModel):
    model_config = _STRICT

    name: str = _text(300)
    kind: AliasKind = AliasKind.OTHER
    source: str = _text(2000)
    reason: str = _text(2000)


class LiftIn(BaseModel):
    model_config = _STRICT

    reason: str = _text(2000)


@router.post(
    "",
    response_model=EntityOut,
    status_code=status.HTTP_201_CREATED,
    **_route(Permission.CASES_REVIEW, 400, 409),
)
def ban_entity(
    body: BanIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> EntityOut:
    """Ban a new entity (a reviewer's decision; audited)."""
    registry.ensure_seeded(session, actor=principal.name)
    aliases = [Alias(n, AliasKind.LEGAL, body.source) for n in body.legal_entities]
    aliases += [Alias(n, AliasKind.OTHER, body.source) for n in body.aliases]
    entity = registry.add_entity(
        session,
        entity_id=body.id,
        name=body.name,
        aliases=aliases,
        firm=body.firm,
        country=body.country,
        basis=BanBasis.INVESTIGATION,
        source=body.source,
        reason=body.reason,
        actor=principal.name,
    )
    return _entity_out(entity)


@router.post(
    "/{entity_id}/aliases",
    response_model=EntityOut,
    status_code=status.HTTP_201_CREATED,
    **_route(Permission.CASES_REVIEW, 400, 404, 409),
)
def add_alias(
    entity_id: str,
    body: AliasIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> EntityOut:
    """Add an alias or legal entity to a banned entity (audited)."""
    registry.ensure_seeded(session, actor=principal.name)
    entity = registry.add_alias(
        session,
        entity_id=entity_id,
        name=body.name,
        kind=body.kind,
        source=body.source,
        reason=body.reason,
        actor=principal.name,
    )
    return _entity_out(entity)


@router.post(
    "/{entity_id}/lift", response_model=EntityOut, **_route(Permission.CASES_REVIEW, 400, 404, 409)
)
def lift_ban(
    entity_id: str,
    body: LiftIn,
    principal: Principal = Depends(current_principal),
    session: Session = Depends(db_session),
) -> EntityOut:
    """Lift a ban: kept on record, no longer screened (audited)."""
    registry.ensure_seeded(session, actor=principal.name)
    return _entity_out(
        registry.lift_ban(session, entity_id=entity_id, reason=body.reason, actor=principal.name)
    )
