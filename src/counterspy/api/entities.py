"""Entity ban registry and name screening over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field
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


class ScreenIn(BaseModel):
    names: list[str] = Field(min_length=1, max_length=1000)
    min_score: float = Field(default=POSSIBLE_THRESHOLD, ge=0.0, le=1.0)

    model_config = {"json_schema_extra": {"examples": [{"names": ["Цитрокс АД"]}]}}


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


@router.post("/screen", response_model=list[ScreenResultOut], **guarded(Permission.ENTITIES_SCREEN))
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
    id: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_]+$")
    name: str = Field(min_length=1, max_length=300)
    legal_entities: list[str] = Field(default_factory=list, max_length=100)
    aliases: list[str] = Field(default_factory=list, max_length=100)
    firm: FirmId | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    source: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000)


class AliasIn(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    kind: AliasKind = AliasKind.OTHER
    source: str = Field(min_length=1, max_length=2000)
    reason: str = Field(min_length=1, max_length=2000)


class LiftIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "",
    response_model=EntityOut,
    status_code=status.HTTP_201_CREATED,
    **guarded(Permission.CASES_REVIEW),
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
    **guarded(Permission.CASES_REVIEW),
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


@router.post("/{entity_id}/lift", response_model=EntityOut, **guarded(Permission.CASES_REVIEW))
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
