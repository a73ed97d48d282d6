"""Cease-and-desist letters: versioned rendering, annex without identities, recorded states."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from counterspy.audit import log as audit
from counterspy.cli.main import main
from counterspy.enforce import letters, outbox, registry
from counterspy.enforce.actions import ActionKind, ActionResult, Outcome, TargetKind
from counterspy.errors import ConflictError, CounterspyError, NotFoundError
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    upgrade(s.engine)
    with s.session() as session:
        registry.ensure_seeded(session, actor="t")
    yield s
    s.dispose()


def _acked_batch(store: Store) -> None:
    with store.session() as s:
        outbox.enqueue_actions(
            s,
            kind=ActionKind.DISABLE_ACCOUNT,
            targets=["acct-secret-1", "acct-secret-2", "acct-secret-3"],
            reason="SFH",
            decided_by="rita",
            batch="b1",
            evidence_ref="case-7",
        )
        outbox.enqueue_actions(
            s,
            kind=ActionKind.BLOCK_INFRASTRUCTURE,
            targets=["kathimerini.news"],
            target_kind=TargetKind.DOMAIN,
            reason="SFH",
            decided_by="rita",
            batch="b1",
        )
    with store.session() as s:
        items = outbox.claim(s, worker="w", limit=10, lease=timedelta(seconds=60))
    for item in items[:3]:  # two of three disables acknowledged, one still pending
        if item.target == "acct-secret-3":
            continue
        with store.session() as s:
            outbox.finish(s, item, ActionResult(Outcome.ACKED, 1, 200), actor="w")
    with store.session() as s:
        outbox.finish(s, items[3], ActionResult(Outcome.ACKED, 1), actor="w")


def test_draft_renders_html_and_pdf_with_annex_and_no_identities(
    store: Store, tmp_path: Path
) -> None:
    _acked_batch(store)
    with store.session() as s:
        drafted = letters.draft_letter(
            s,
            entity_id="cytrox",
            out_dir=tmp_path,
            actor="lee",
            platform="ExampleNet",
            signatory="A. Counsel",
            batches=["b1"],
            domains=["instagam.click"],
        )
    info = drafted.info
    assert (info.template_id, info.template_version, info.status) == (
        "cease-desist",
        "1",
        "drafted",
    )
    assert "Cytrox AD" in info.addressee
    assert "Cytrox Holdings Zrt" in info.addressee
    assert drafted.annex.accounts_disabled == 2
    assert drafted.annex.domains == ("instagam.click", "kathimerini.news")
    assert drafted.annex.evidence_refs == ("case-7",)
    html = drafted.html_path.read_text(encoding="utf-8")
    assert "removed 2 accounts" in html
    assert "Template cease-desist version 1" in html
    assert "acct-secret" not in html
    pdf = drafted.pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"SourceSans" in pdf
    assert len(pdf) > 5000  # text is stored as glyph ids of the embedded font subset
    with store.session() as s:
        entry = audit.entries(s, subject_id=info.id)[0]
        assert entry.action == "letter.draft"
        assert json.loads(entry.after or "{}")["template"] == "cease-desist@1"


def test_letter_states_advance_in_order_and_are_audited(store: Store, tmp_path: Path) -> None:
    with store.session() as s:
        info = letters.draft_letter(
            s,
            entity_id="black_cube",
            out_dir=tmp_path,
            actor="lee",
            platform="P",
            signatory="S",
        ).info
    assert info.addressee == "B.C. Strategy Ltd"
    with store.session() as s, pytest.raises(ConflictError, match="must be sent first"):
        letters.mark_acknowledged(s, info.id, actor="lee")
    with store.session() as s:
        letters.mark_sent(s, info.id, via="courier to counsel", actor="lee")
    with store.session() as s, pytest.raises(ConflictError):
        letters.mark_sent(s, info.id, via="again", actor="lee")
    with store.session() as s:
        done = letters.mark_acknowledged(s, info.id, actor="lee", note="counsel replied")
        assert done.status == "acknowledged"
        assert done.sent_via == "courier to counsel"
        actions = [e.action for e in audit.entries(s, subject_id=info.id)]
        assert actions == ["letter.acknowledged", "letter.sent", "letter.draft"]


def test_unnamed_entity_and_unknown_ids_are_refused(store: Store, tmp_path: Path) -> None:
    kw = {"out_dir": tmp_path, "actor": "l", "platform": "P", "signatory": "S"}
    with store.session() as s, pytest.raises(CounterspyError, match="no name"):
        letters.draft_letter(s, entity_id="china_unknown", **kw)  # type: ignore[arg-type]
    with store.session() as s, pytest.raises(NotFoundError):
        letters.draft_letter(s, entity_id="nope", **kw)  # type: ignore[arg-type]
    with store.session() as s, pytest.raises(NotFoundError):
        letters.draft_letter(s, entity_id="cytrox", template_id="x", **kw)  # type: ignore[arg-type]
    with store.session() as s, pytest.raises(NotFoundError):
        letters.mark_sent(s, "CD-nope", via="x", actor="l")


def test_cli_letters_flow(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "letters"
    args = ["letters", "draft", "bluehawk", "--out", str(out_dir), "--platform", "P"]
    assert main([*args, "--signatory", "S", "--domain", "example.test"]) == 0
    ref = capsys.readouterr().out.split()[1]
    assert (out_dir / f"{ref}.pdf").exists()
    assert main(["letters", "mark-sent", ref, "--via", "email to counsel"]) == 0
    assert main(["letters", "mark-acknowledged", ref, "--note", "ok"]) == 0
    assert main(["letters", "list"]) == 0
    assert "acknowledged" in capsys.readouterr().out
    assert main(["letters", "mark-sent", ref, "--via", "x"]) == 2
