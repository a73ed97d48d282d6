"""Cease-and-desist letters: versioned templates, HTML and PDF, an evidence annex, a record.

Templates are bundled Jinja2 files registered by (template id, version); every letter records
the id and version it was rendered from, and the SHA-256 of both renderings. The PDF is the
same HTML rendered by fpdf2 with a bundled Unicode font (Source Sans Pro, SIL OFL 1.1, from the
``font-source-sans-pro`` package: Latin, Cyrillic and Greek; no Hebrew, Arabic or CJK glyphs).
The annex carries counts, domains and dates, never target identities or account ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import font_source_sans_pro
import jinja2
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counterspy.audit.log import record
from counterspy.enforce.actions import ActionKind, ActionStatus
from counterspy.enforce.entities import AliasKind
from counterspy.enforce.models import EnforcementActionRow, LetterRow
from counterspy.enforce.registry import get_entity
from counterspy.errors import ConflictError, CounterspyError, NotFoundError


@dataclass(frozen=True)
class LetterTemplate:
    template_id: str
    version: str
    file: str


TEMPLATES: tuple[LetterTemplate, ...] = (
    LetterTemplate("cease-desist", "1", "letters/cease_desist_v1.html.j2"),
)
LATEST = {t.template_id: t for t in TEMPLATES}  # last registered version wins


class LetterStatus:
    DRAFTED = "drafted"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class EvidenceAnnex:
    accounts_disabled: int
    domains: tuple[str, ...]
    first_action: str | None  # ISO dates
    last_action: str | None
    batches: tuple[str, ...]
    evidence_refs: tuple[str, ...]


@dataclass(frozen=True)
class LetterInfo:
    id: str
    entity_id: str
    template_id: str
    template_version: str
    status: str
    addressee: str
    drafted_by: str
    drafted_at: datetime
    sent_at: datetime | None
    sent_via: str | None
    acknowledged_at: datetime | None
    html_sha256: str
    pdf_sha256: str


@dataclass(frozen=True)
class DraftedLetter:
    info: LetterInfo
    html_path: Path
    pdf_path: Path
    annex: EvidenceAnnex


def build_annex(session: Session, batches: list[str], extra_domains: list[str]) -> EvidenceAnnex:
    """Counts and dates from acknowledged actions of ``batches``; domains blocked in them."""
    acked = [
        EnforcementActionRow.batch.in_(batches),
        EnforcementActionRow.status == ActionStatus.ACKED.value,
    ]
    count, first, last = session.execute(
        select(
            func.count(),
            func.min(EnforcementActionRow.finished_at),
            func.max(EnforcementActionRow.finished_at),
        ).where(*acked, EnforcementActionRow.kind == ActionKind.DISABLE_ACCOUNT.value)
    ).one()
    domains = set(
        session.execute(
            select(EnforcementActionRow.target).where(
                *acked,
                EnforcementActionRow.kind == ActionKind.BLOCK_INFRASTRUCTURE.value,
                EnforcementActionRow.target_kind == "domain",
            )
        ).scalars()
    )
    refs = sorted(
        {
            r
            for r in session.execute(
                select(EnforcementActionRow.evidence_ref).where(*acked)
            ).scalars()
            if r
        }
    )
    domains |= {d.strip().lower().rstrip(".") for d in extra_domains if d.strip()}
    return EvidenceAnnex(
        accounts_disabled=int(count),
        domains=tuple(sorted(domains)),
        first_action=first.date().isoformat() if first else None,
        last_action=last.date().isoformat() if last else None,
        batches=tuple(sorted(batches)),
        evidence_refs=tuple(refs),
    )


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("counterspy.enforce", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: LetterTemplate, context: dict[str, object]) -> str:
    return _env().get_template(template.file).render(**context)


def render_pdf(html: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    for style, name in (
        ("", "SourceSansPro-Regular.ttf"),
        ("B", "SourceSansPro-Bold.ttf"),
        ("I", "SourceSansPro-It.ttf"),
        ("BI", "SourceSansPro-BoldIt.ttf"),
    ):
        pdf.add_font("SourceSans", style, str(Path(font_source_sans_pro.font_directory) / name))
    pdf.set_font("SourceSans", size=11)
    pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))  # reproducible bytes
    pdf.add_page()
    pdf.write_html(html.split("<body>", 1)[-1].split("</body>", 1)[0], font_family="SourceSans")
    return bytes(pdf.output())


def _info(row: LetterRow) -> LetterInfo:
    return LetterInfo(
        id=row.id,
        entity_id=row.entity_id,
        template_id=row.template_id,
        template_version=row.template_version,
        status=row.status,
        addressee=row.addressee,
        drafted_by=row.drafted_by,
        drafted_at=row.drafted_at,
        sent_at=row.sent_at,
        sent_via=row.sent_via,
        acknowledged_at=row.acknowledged_at,
        html_sha256=row.html_sha256,
        pdf_sha256=row.pdf_sha256,
    )


def draft_letter(
    session: Session,
    *,
    entity_id: str,
    out_dir: Path,
    actor: str,
    platform: str,
    signatory: str,
    batches: list[str] | None = None,
    domains: list[str] | None = None,
    template_id: str = "cease-desist",
    reply_days: int = 14,
    today: date | None = None,
) -> DraftedLetter:
    """Render and record a letter to a banned entity (status ``drafted``)."""
    entity = get_entity(session, entity_id)
    if not entity.name:
        raise CounterspyError(
            f"entity {entity_id!r} has no name to address a letter to",
            hint="add its name or legal entity with `counterspy entities alias`",
        )
    template = LATEST.get(template_id)
    if template is None:
        raise NotFoundError(f"no letter template {template_id!r}")
    legal = [a.name for a in entity.aliases if a.kind == AliasKind.LEGAL]
    addressees = legal or [entity.name]
    annex = build_annex(session, batches or [], domains or [])
    today = today or datetime.now(UTC).date()
    seq = session.execute(
        select(func.count()).select_from(LetterRow).where(LetterRow.entity_id == entity_id)
    ).scalar_one()
    letter_id = f"CD-{entity_id}-{today:%Y%m%d}-{seq + 1}"
    html = render_html(
        template,
        {
            "letter_id": letter_id,
            "date": today.isoformat(),
            "platform": platform,
            "sender_team": "Trust & Safety, Legal",
            "signatory": signatory,
            "addressees": addressees,
            "country": entity.country,
            "entity_name": entity.name,
            "annex": annex,
            "reply_days": reply_days,
            "template_id": template.template_id,
            "template_version": template.version,
        },
    )
    pdf = render_pdf(html)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / f"{letter_id}.html", out_dir / f"{letter_id}.pdf"
    html_path.write_text(html, encoding="utf-8")
    pdf_path.write_bytes(pdf)
    row = LetterRow(
        id=letter_id,
        entity_id=entity_id,
        template_id=template.template_id,
        template_version=template.version,
        status=LetterStatus.DRAFTED,
        addressee="; ".join(addressees)[:300],
        annex=json.dumps(asdict(annex), sort_keys=True),
        html_sha256=hashlib.sha256(html.encode("utf-8")).hexdigest(),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        drafted_by=actor,
        drafted_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=actor,
        action="letter.draft",
        subject_type="letter",
        subject_id=letter_id,
        reason=f"cease-and-desist to {entity_id}",
        evidence_ref=",".join(annex.batches) or None,
        after={
            "status": row.status,
            "template": f"{template.template_id}@{template.version}",
            "html_sha256": row.html_sha256,
            "pdf_sha256": row.pdf_sha256,
        },
    )
    return DraftedLetter(_info(row), html_path, pdf_path, annex)


_NEXT = {LetterStatus.SENT: LetterStatus.DRAFTED, LetterStatus.ACKNOWLEDGED: LetterStatus.SENT}


def _advance(
    session: Session, letter_id: str, to: str, *, actor: str, note: str, via: str | None = None
) -> LetterInfo:
    row = session.get(LetterRow, letter_id)
    if row is None:
        raise NotFoundError(f"no letter {letter_id!r}", hint="see `counterspy letters list`")
    if row.status != _NEXT[to]:
        raise ConflictError(f"letter {letter_id} is {row.status}; it must be {_NEXT[to]} first")
    before = row.status
    row.status = to
    now = datetime.now(UTC)
    if to == LetterStatus.SENT:
        row.sent_at, row.sent_via = now, via
    else:
        row.acknowledged_at = now
    session.flush()
    record(
        session,
        actor=actor,
        action=f"letter.{to}",
        subject_type="letter",
        subject_id=letter_id,
        reason=note,
        before={"status": before},
        after={"status": to, "via": via},
    )
    return _info(row)


def mark_sent(
    session: Session, letter_id: str, *, via: str, actor: str, note: str = ""
) -> LetterInfo:
    if not via.strip():
        raise CounterspyError("say how the letter was sent", hint="e.g. --via 'courier to counsel'")
    return _advance(session, letter_id, LetterStatus.SENT, actor=actor, note=note, via=via)


def mark_acknowledged(
    session: Session, letter_id: str, *, actor: str, note: str = ""
) -> LetterInfo:
    return _advance(session, letter_id, LetterStatus.ACKNOWLEDGED, actor=actor, note=note)


def list_letters(session: Session, *, entity_id: str | None = None) -> list[LetterInfo]:
    q = select(LetterRow).order_by(LetterRow.drafted_at, LetterRow.id)
    if entity_id is not None:
        q = q.where(LetterRow.entity_id == entity_id)
    return [_info(r) for r in session.execute(q).scalars()]
