"""The lawful-request store and workflow, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.legal import agencies, requests, workflow
from counterspy.legal.model import (
    AgencyStatus,
    DataCategory,
    EmergencyRisk,
    LegalProcess,
    Queue,
    RequestDraft,
    RequestState,
    TaskKind,
)
from counterspy.legal.policy import default_policy
from counterspy.legal.requests import Scope
from counterspy.legal.targets import NoTargets, WorkspaceTargets
from counterspy.storage.db import Store
from counterspy.storage.migrate import _config, upgrade
from counterspy.workspace import Workspace

POL = default_policy()
NONE = NoTargets()
SUB, NON, CON = DataCategory.SUBSCRIBER, DataCategory.NON_CONTENT, DataCategory.CONTENT
WARRANT = RequestDraft(
    process=LegalProcess.SEARCH_WARRANT,
    country="US",
    categories=frozenset({SUB, NON, CON}),
    accounts=("acct-1", "acct-2"),
    legal_basis_ref="Warrant 26-MJ-0042",
)
EMERGENCY = RequestDraft(
    process=LegalProcess.EMERGENCY,
    country="US",
    categories=frozenset({SUB}),
    accounts=("acct-9",),
    emergency_risk=EmergencyRisk.DEATH,
    emergency_imminent=True,
    emergency_justification="Hostage situation in progress; the suspect threatens to kill.",
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    yield s
    s.dispose()


def verified_agency(s: Session, agency_id: str = "us-fbi", country: str = "US") -> None:
    email = {"US": "legal@fbi.gov", "GB": "lr@nca.gov.uk"}[country]
    agencies.register_agency(
        s,
        agency_id=agency_id,
        name="Agency",
        country=country,
        email=email,
        actor="rev",
        policy=POL,
        contact_phone="+1 202 555 0100",
    )
    agencies.record_callback(
        s,
        agency_id=agency_id,
        number="+1 202 324 3000",
        source="fbi.gov contact page",
        confirmed=True,
        actor="rev",
    )


def submit(s: Session, draft: RequestDraft = WARRANT, targets: object = NONE) -> int:
    v = requests.submit_request(
        s,
        agency_id="us-fbi",
        draft=draft,
        actor="agent",
        policy=POL,
        targets=targets,  # type: ignore[arg-type]
    )
    return v.id


def test_agency_cannot_submit_until_domain_and_callback_verified(store: Store) -> None:
    with store.session() as s:
        a = agencies.register_agency(
            s,
            agency_id="fr-ocrtis",
            name="OCRTIS",
            country="FR",
            email="x@ocrtis.fr",
            actor="rev",
            policy=POL,
            contact_phone="+33 1 00 00 00 00",
        )
        assert a.status is AgencyStatus.PENDING
        assert not a.domain_verified  # ocrtis.fr is not on the official list
    for step in ("none", "domain"):
        with store.session() as s, pytest.raises(ConflictError, match="AGENCY_NOT_VERIFIED"):
            requests.submit_request(
                s,
                agency_id="fr-ocrtis",
                draft=replace(WARRANT, country="FR"),
                actor="a",
                policy=POL,
                targets=NONE,
            )
        if step == "none":
            with store.session() as s:
                agencies.verify_domain_manually(
                    s, agency_id="fr-ocrtis", actor="rev", note="listed on interieur.gouv.fr"
                )
    with (
        store.session() as s,
        pytest.raises(ConflictError, match="CALLBACK_NUMBER_NOT_INDEPENDENT"),
    ):
        agencies.record_callback(
            s,
            agency_id="fr-ocrtis",
            number="+33 (1) 00-00-00-00",
            source="their e-mail",
            confirmed=True,
            actor="rev",
        )
    with store.session() as s:
        a = agencies.record_callback(
            s,
            agency_id="fr-ocrtis",
            number="+33 1 40 97 00 00",
            source="annuaire",
            confirmed=True,
            actor="rev",
        )
        assert a.status is AgencyStatus.VERIFIED
        v = requests.submit_request(
            s,
            agency_id="fr-ocrtis",
            draft=replace(WARRANT, country="FR"),
            actor="a",
            policy=POL,
            targets=NONE,
        )
        assert v.state is RequestState.RECEIVED


def test_official_domain_is_verified_on_registration(store: Store) -> None:
    with store.session() as s:
        a = agencies.register_agency(
            s,
            agency_id="uk-nca",
            name="NCA",
            country="GB",
            email="lr@nca.gov.uk",
            actor="r",
            policy=POL,
        )
        assert a.domain_verified
        assert a.status is AgencyStatus.PENDING
        entry = audit.entries(s, subject_id="uk-nca")[0]
        assert entry.reason == ""
        b = agencies.register_agency(
            s,
            agency_id="uk-x",
            name="X",
            country="GB",
            email="lr@nca.gov.uk.evil.io",
            actor="r",
            policy=POL,
        )
        assert not b.domain_verified
        assert audit.entries(s, subject_id="uk-x")[0].reason == "DOMAIN_NOT_OFFICIAL"


def test_full_workflow_is_audited_in_order(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        rid = submit(s)
        workflow.verify(
            s, request_id=rid, actor="rev", authentic=True, note="checked", policy=POL, targets=NONE
        )
        workflow.decide(
            s,
            request_id=rid,
            actor="rev",
            decision=RequestState.PARTIALLY_APPROVED,
            codes=["NARROWED_BY_REVIEWER"],
            policy=POL,
            categories=[SUB, NON],
            accounts=["acct-1"],
        )
        v = workflow.produce(s, request_id=rid, actor="rev", categories=[SUB], accounts=["acct-1"])
        assert v.produced_categories == (SUB,)
        assert v.produced_accounts == ("acct-1",)
        v = workflow.close(s, request_id=rid, actor="rev", policy=POL)
        assert v.state is RequestState.CLOSED
        actions = [e.action for e in reversed(audit.entries(s, subject_id=f"LR-{rid}"))]
        assert actions == [
            "legal.request.submit",
            "legal.request.under_review",
            "legal.request.partially_approved",
            "legal.request.produced",
            "legal.task.create",
            "legal.request.closed",
        ]
        assert audit.verify(s).ok


def test_production_can_never_exceed_the_approval(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        rid = submit(s)
        workflow.verify(
            s, request_id=rid, actor="r", authentic=True, note="ok", policy=POL, targets=NONE
        )
        workflow.decide(
            s,
            request_id=rid,
            actor="r",
            decision=RequestState.PARTIALLY_APPROVED,
            codes=["NARROWED_BY_REVIEWER"],
            policy=POL,
            categories=[SUB],
            accounts=["acct-1"],
        )
    for cats, accs in (([CON], ["acct-1"]), ([SUB], ["acct-2"]), ([], ["acct-1"]), ([SUB], [])):
        with store.session() as s, pytest.raises(ConflictError, match="subset"):
            workflow.produce(s, request_id=rid, actor="r", categories=cats, accounts=accs)


def test_invalid_transitions_are_refused_and_leave_no_trace(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        rid = submit(s)
        n = len(audit.entries(s))
    with store.session() as s, pytest.raises(ConflictError, match="received; it cannot become"):
        workflow.decide(
            s, request_id=rid, actor="r", decision=RequestState.APPROVED, codes=[], policy=POL
        )
    with store.session() as s, pytest.raises(ConflictError, match="cannot become produced"):
        workflow.produce(s, request_id=rid, actor="r", categories=[SUB], accounts=["acct-1"])
    with store.session() as s:
        assert len(audit.entries(s)) == n
        assert requests.get_request(s, rid, Scope.everyone()).state is RequestState.RECEIVED
        workflow.verify(
            s,
            request_id=rid,
            actor="r",
            authentic=False,
            note="forged seal",
            policy=POL,
            targets=NONE,
        )
        workflow.close(s, request_id=rid, actor="r", policy=POL)
    with store.session() as s, pytest.raises(ConflictError, match="closed") as exc:
        workflow.close(s, request_id=rid, actor="r", policy=POL)
    assert "none (final)" in exc.value.hint


def test_findings_bind_the_decision(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        overbroad = submit(s, replace(WARRANT, accounts=("acct-1", "acct-*")))
        narrowed = submit(s, replace(WARRANT, process=LegalProcess.COURT_ORDER))
        for rid in (overbroad, narrowed):
            workflow.verify(
                s, request_id=rid, actor="r", authentic=True, note="ok", policy=POL, targets=NONE
            )
    with store.session() as s, pytest.raises(ConflictError, match="OVERBROAD_WILDCARD"):
        workflow.decide(
            s, request_id=overbroad, actor="r", decision=RequestState.APPROVED, codes=[], policy=POL
        )
    with store.session() as s, pytest.raises(ConflictError, match="INSTRUMENT_CATEGORY_NARROWED"):
        workflow.decide(
            s, request_id=narrowed, actor="r", decision=RequestState.APPROVED, codes=[], policy=POL
        )
    with store.session() as s:
        v = workflow.decide(
            s,
            request_id=narrowed,
            actor="r",
            decision=RequestState.PARTIALLY_APPROVED,
            codes=["INSTRUMENT_CATEGORY_NARROWED"],
            policy=POL,
        )
        assert set(v.approved_categories) == {SUB, NON}
        v = workflow.decide(
            s,
            request_id=overbroad,
            actor="r",
            decision=RequestState.REJECTED,
            codes=["OVERBROAD_WILDCARD"],
            policy=POL,
        )
        assert v.state is RequestState.REJECTED
    with store.session() as s:
        rid = submit(s)
        workflow.verify(
            s, request_id=rid, actor="r", authentic=True, note="ok", policy=POL, targets=NONE
        )
    with store.session() as s, pytest.raises(CounterspyError, match="unknown reason code"):
        workflow.decide(
            s,
            request_id=rid,
            actor="r",
            decision=RequestState.REJECTED,
            codes=["BECAUSE"],
            policy=POL,
        )


def test_emergency_approval_creates_a_review_that_blocks_closing(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        rid = submit(s, EMERGENCY)
        plain = submit(s)
        for r in (rid, plain):
            workflow.verify(
                s,
                request_id=r,
                actor="r",
                authentic=True,
                note="called back",
                policy=POL,
                targets=NONE,
            )
            workflow.decide(
                s, request_id=r, actor="r", decision=RequestState.APPROVED, codes=[], policy=POL
            )
        tasks = requests.get_request(s, rid, Scope.everyone()).tasks
        assert [t.kind for t in tasks] == [TaskKind.EMERGENCY_REVIEW]
        due = tasks[0].due_at
        assert due is not None
        assert timedelta(days=6) < due - datetime.now(UTC) <= timedelta(days=7)
        assert requests.get_request(s, plain, Scope.everyone()).tasks == ()
        workflow.produce(s, request_id=rid, actor="r", categories=[SUB], accounts=["acct-9"])
    with store.session() as s, pytest.raises(ConflictError, match="emergency review"):
        workflow.close(s, request_id=rid, actor="r", policy=POL)
    with store.session() as s:
        workflow.complete_task(s, task_id=tasks[0].id, actor="r", outcome="criteria were met")
        assert workflow.close(s, request_id=rid, actor="r", policy=POL).state is RequestState.CLOSED


def _produce(s: Session, draft: RequestDraft) -> int:
    rid = submit(s, draft)
    workflow.verify(
        s, request_id=rid, actor="r", authentic=True, note="ok", policy=POL, targets=NONE
    )
    workflow.decide(
        s, request_id=rid, actor="r", decision=RequestState.APPROVED, codes=[], policy=POL
    )
    workflow.produce(s, request_id=rid, actor="r", categories=[SUB], accounts=["acct-1"])
    return rid


def test_user_notice_becomes_due_when_the_nondisclosure_order_expires(store: Store) -> None:
    today = datetime.now(UTC).date()
    with store.session() as s:
        verified_agency(s)
        expired = _produce(
            s, replace(WARRANT, nondisclosure=True, nondisclosure_until=today - timedelta(days=1))
        )
        running = _produce(
            s, replace(WARRANT, nondisclosure=True, nondisclosure_until=today + timedelta(days=90))
        )
        indefinite = _produce(s, replace(WARRANT, nondisclosure=True))
        no_order = _produce(s, WARRANT)
        due = {t.request_id for t in workflow.due_tasks(s, kind=TaskKind.USER_NOTICE)}
        assert due == {expired, no_order}
        later = datetime.now(UTC) + timedelta(days=91)
        assert {t.request_id for t in workflow.due_tasks(s, at=later)} == {
            expired,
            no_order,
            running,
        }
        notices = {t.request_id: t for t in workflow.open_tasks(s)}
        assert notices[indefinite].due_at is None
    with (
        store.session() as s,
        pytest.raises(ConflictError, match="non-disclosure order is in force"),
    ):
        workflow.complete_task(s, task_id=notices[running].id, actor="r", outcome="sent")
    with store.session() as s:
        workflow.complete_task(
            s, task_id=notices[expired].id, actor="r", outcome="e-mailed the user"
        )
        assert expired not in {t.request_id for t in workflow.due_tasks(s)}


def test_preservation_creates_no_user_notice(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        rid = _produce(s, replace(WARRANT, process=LegalProcess.PRESERVATION, legal_basis_ref=None))
        assert requests.get_request(s, rid, Scope.everyone()).tasks == ()


def test_request_about_a_notified_target_goes_to_senior_reviewers(
    store: Store, tmp_path: Path
) -> None:
    ws = Workspace(tmp_path / "ws")
    (ws.result_dir("targets")).mkdir(parents=True)
    pq.write_table(
        pa.table({"target_id": ["acct-2", "acct-50"], "operation_id": ["op1", "op1"]}),
        ws.result_dir("targets") / "part-0.parquet",
    )
    targets = WorkspaceTargets(ws)
    with store.session() as s:
        verified_agency(s)
        hit = submit(s, WARRANT, targets)
        miss = submit(s, replace(WARRANT, accounts=("acct-1",)), targets)
        assert requests.get_request(s, hit, Scope.everyone()).queue is Queue.SENIOR
        assert requests.get_request(s, miss, Scope.everyone()).queue is Queue.STANDARD
        senior_q = requests.list_requests(s, Scope.everyone(), queue=Queue.SENIOR)
        assert [v.id for v in senior_q] == [hit]
    with store.session() as s, pytest.raises(ConflictError, match="senior review queue"):
        workflow.verify(
            s, request_id=hit, actor="rev", authentic=True, note="ok", policy=POL, targets=targets
        )
    with store.session() as s:
        workflow.designate_senior(s, name="sr", actor="admin")
        v = workflow.verify(
            s, request_id=hit, actor="sr", authentic=True, note="ok", policy=POL, targets=targets
        )
        assert v.state is RequestState.ESCALATED
        agency_view = requests.get_request(s, hit, Scope.agency("us-fbi"))
        assert agency_view.state is RequestState.UNDER_REVIEW
        assert all(f.code != "NOTIFIED_TARGET_ESCALATION" for f in agency_view.findings)
    with store.session() as s, pytest.raises(ConflictError, match="not a senior reviewer"):
        workflow.decide(
            s,
            request_id=hit,
            actor="rev",
            decision=RequestState.REJECTED,
            codes=["INSUFFICIENT_LEGAL_BASIS"],
            policy=POL,
        )
    with store.session() as s:
        v = workflow.decide(
            s,
            request_id=hit,
            actor="sr",
            decision=RequestState.REJECTED,
            codes=["NOTIFIED_TARGET_ESCALATION", "INSUFFICIENT_LEGAL_BASIS"],
            policy=POL,
        )
        assert v.state is RequestState.REJECTED
        assert requests.get_request(s, hit, Scope.agency("us-fbi")).decision_codes == (
            "INSUFFICIENT_LEGAL_BASIS",
        )


def test_agency_scope_hides_other_agencies_requests(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        verified_agency(s, "uk-nca", "GB")
        mine = submit(s)
        theirs = requests.submit_request(
            s,
            agency_id="uk-nca",
            draft=replace(WARRANT, country="GB"),
            actor="b",
            policy=POL,
            targets=NONE,
        ).id
        assert [v.id for v in requests.list_requests(s, Scope.agency("us-fbi"))] == [mine]
        assert requests.list_requests(s, Scope.agency(None)) == []
        with pytest.raises(NotFoundError):
            requests.get_request(s, theirs, Scope.agency("us-fbi"))
        with pytest.raises(NotFoundError):
            requests.add_document(
                s,
                request_id=theirs,
                scope=Scope.agency("us-fbi"),
                filename="x.pdf",
                content_type="application/pdf",
                data=b"x",
                actor="a",
                policy=POL,
                targets=NONE,
            )


def test_document_is_stored_with_its_sha256_and_satisfies_the_legal_basis(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
        rid = submit(s, replace(WARRANT, legal_basis_ref=None))
        assert (
            requests.get_request(s, rid, Scope.everyone()).recommendation is RequestState.REJECTED
        )
        doc = requests.add_document(
            s,
            request_id=rid,
            scope=Scope.agency("us-fbi"),
            filename="warrant.pdf",
            content_type="application/pdf",
            data=b"%PDF-1.7 warrant",
            actor="a",
            policy=POL,
            targets=NONE,
        )
        assert (
            doc.sha256 == "1d0c5fb9d6b5b1c5b0f84a53d0d7c4ba7e0fd1dd1e4ba6ed3d5d0e1a5b2a3c4d"
            or len(doc.sha256) == 64
        )
        assert doc.sha256 == hashlib.sha256(b"%PDF-1.7 warrant").hexdigest()
        v = requests.get_request(s, rid, Scope.everyone())
        assert v.recommendation is RequestState.APPROVED
        meta, data = requests.get_document(
            s, request_id=rid, document_id=doc.id, scope=Scope.everyone()
        )
        assert data == b"%PDF-1.7 warrant"
        assert meta.size == len(data)
        entry = audit.entries(s, subject_id=f"LR-{rid}")[0]
        assert entry.evidence_ref == f"sha256:{doc.sha256}"


def test_submission_validates_input(store: Store) -> None:
    with store.session() as s:
        verified_agency(s)
    with store.session() as s, pytest.raises(CounterspyError, match="unknown country"):
        submit(s, replace(WARRANT, country="UK"))
    with store.session() as s, pytest.raises(CounterspyError, match="data category"):
        submit(s, replace(WARRANT, categories=frozenset()))
    with store.session() as s:
        rid = submit(s, replace(WARRANT, accounts=(" acct-1", "acct-1", "", "acct-2 ")))
        assert requests.get_request(s, rid, Scope.everyone()).accounts == ("acct-1", "acct-2")
        assert requests.get_request(s, rid, Scope.everyone()).nondisclosure is False
        nd = submit(s, replace(WARRANT, nondisclosure_until=date(2030, 1, 1)))
        assert requests.get_request(s, nd, Scope.everyone()).nondisclosure is True


def test_migration_downgrades_and_upgrades_again(store_url: str) -> None:
    s = Store(store_url)
    upgrade(s.engine)
    with s.engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004_service")
    assert not any(n.startswith("legal_") for n in inspect(s.engine).get_table_names())
    upgrade(s.engine)
    assert "legal_requests" in inspect(s.engine).get_table_names()
    s.dispose()
