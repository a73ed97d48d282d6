"""Pull a remote TAXII 2.1 collection into the intel store, resuming from a checkpoint.

The client is OASIS's taxii2-client. Each page is committed on its own, all or nothing: the raw
STIX objects (kept in ``taxii_pulled_objects``), the indicators their patterns carry (into the
intel store with provenance ``taxii:<collection URL>``, where the link-verdict engine picks them
up) and the new checkpoint — the page's ``X-TAXII-Date-Added-Last`` — commit together. An
interrupted pull therefore resumes after the last committed page, and a repeated pull asks only
for what was added since (``added_after``). All versions are requested (``match[version]=all``)
so no version added meanwhile is missed; re-received versions are skipped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from requests.auth import AuthBase
from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from taxii2client.exceptions import TAXIIServiceException
from taxii2client.v21 import Collection, as_pages

from counterspy.audit import log as audit
from counterspy.errors import CounterspyError
from counterspy.intel.formats_json import StixBundleReader
from counterspy.intel.importer import ImportPlan, PreparedIndicator
from counterspy.intel.store import apply_import_in_session
from counterspy.intel.values import BadValueError, normalise_value
from counterspy.progress import NULL_PROGRESS, Progress
from counterspy.share.publish import canonical_json
from counterspy.share.taxii_models import TaxiiPullCheckpoint, TaxiiPulledObject
from counterspy.storage.db import Store

DEFAULT_PAGE = 1_000
_CHUNK = 500


class CapturingAuth(AuthBase):
    """Token auth (Bearer, or Basic with a user name) that also remembers the TAXII paging
    headers of the last response, which taxii2-client does not hand back."""

    def __init__(self, token: str, user: str | None = None) -> None:
        self.token, self.user = token, user
        self.last_added: str | None = None

    def _remember(self, resp: requests.Response, *args: object, **kwargs: object) -> None:
        self.last_added = resp.headers.get("X-TAXII-Date-Added-Last")

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.user is None:
            r.headers["Authorization"] = f"Bearer {self.token}"
        else:
            r.prepare_auth((self.user, self.token))
        self.last_added = None
        r.register_hook("response", self._remember)
        return r


@dataclass(frozen=True)
class PullSummary:
    source: str
    pages: int
    objects: int  # object versions received
    new_objects: int  # not received before
    indicators: int
    indicators_new: int
    bad_values: int
    checkpoint_before: str | None
    checkpoint_after: str | None
    notes: tuple[str, ...]


def collection_url(api_root: str, collection_id: str) -> str:
    root = api_root if api_root.endswith("/") else api_root + "/"
    return f"{root}collections/{collection_id}/"


def source_label(api_root: str, collection_id: str) -> str:
    """Provenance of pulled indicators: ``taxii:<collection URL>`` (hashed when too long)."""
    label = "taxii:" + collection_url(api_root, collection_id)
    if len(label) <= 200:
        return label
    return "taxii:" + hashlib.sha256(label.encode()).hexdigest()[:32] + ":" + collection_id[:36]


def checkpoint(session: Session, api_root: str, collection_id: str) -> TaxiiPullCheckpoint | None:
    return session.get(TaxiiPullCheckpoint, (api_root, collection_id))


@dataclass(frozen=True)
class CheckpointInfo:
    api_root: str
    collection_id: str
    added_after: str | None
    objects: int
    pulls: int
    updated_at: datetime


def list_checkpoints(store: Store) -> list[CheckpointInfo]:
    with store.session() as s:
        rows = s.scalars(
            select(TaxiiPullCheckpoint).order_by(
                TaxiiPullCheckpoint.api_root, TaxiiPullCheckpoint.collection_id
            )
        ).all()
        return [
            CheckpointInfo(
                r.api_root, r.collection_id, r.added_after, r.objects, r.pulls, r.updated_at
            )
            for r in rows
        ]


def _version(obj: dict[str, object]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def _indicators(objects: list[dict[str, object]], source: str) -> tuple[ImportPlan, int]:
    text = json.dumps({"type": "bundle", "objects": objects})
    read = StixBundleReader().read(Path(source), text)
    prepared, bad = [], 0
    for raw in read.indicators:
        try:
            norm = normalise_value(raw.type, raw.value)
        except BadValueError:
            bad += 1  # a partner's bad value must not block the feed; counted and reported
            continue
        prepared.append(PreparedIndicator(raw, norm, source, source, str(raw.line)))
    return ImportPlan(tuple(prepared), (), read.notes, ("stix2",)), bad


def _store_page(
    session: Session, source: str, objects: list[dict[str, object]], now: datetime
) -> int:
    keys = {(str(o.get("id")), _version(o)) for o in objects}
    ids = sorted({sid for sid, _ in keys})
    have: set[tuple[str, str]] = set()
    for i in range(0, len(ids), _CHUNK):
        found = session.execute(
            select(TaxiiPulledObject.stix_id, TaxiiPulledObject.version).where(
                TaxiiPulledObject.source == source,
                TaxiiPulledObject.stix_id.in_(ids[i : i + _CHUNK]),
            )
        )
        have.update((sid, version) for sid, version in found)
    rows: list[dict[str, object]] = []
    for o in objects:
        key = (str(o.get("id")), _version(o))
        if key in have:
            continue
        have.add(key)
        rows.append(
            {
                "source": source,
                "stix_id": key[0],
                "stix_type": str(o.get("type", "")),
                "version": key[1],
                "body": canonical_json(o),
                "pulled_at": now,
            }
        )
    if rows:
        session.execute(insert(TaxiiPulledObject), rows)
    return len(rows)


def pull(
    store: Store,
    *,
    api_root: str,
    collection_id: str,
    auth: CapturingAuth,
    actor: str,
    per_request: int = DEFAULT_PAGE,
    from_start: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> PullSummary:
    """Pull everything added to the remote collection since the stored checkpoint."""
    api_root = api_root if api_root.endswith("/") else api_root + "/"
    source = source_label(api_root, collection_id)
    with store.session() as s:
        cp = checkpoint(s, api_root, collection_id)
        before = None if (cp is None or from_start) else cp.added_after
    col = Collection(collection_url(api_root, collection_id), auth=auth)
    pages = received = new = indicators = indicators_new = bad = 0
    after = before
    notes: list[str] = []
    progress.begin(f"pulling {source}", None)
    try:
        for envelope in as_pages(
            col.get_objects, per_request=per_request, added_after=before, version="all"
        ):
            objects = [o for o in envelope.get("objects", []) if isinstance(o, dict)]
            last = auth.last_added
            stuck = bool(envelope.get("more")) and not envelope.get("next")
            if not objects:
                if stuck:
                    break
                continue
            if last is None:
                notes.append("server sent no X-TAXII-Date-Added-Last: checkpoint not advanced")
            now = datetime.now(UTC)
            plan, page_bad = _indicators(objects, source)
            with store.session() as s:
                page_new = _store_page(s, source, objects, now)
                result = apply_import_in_session(s, plan, now, look_up_values=True)
                row = checkpoint(s, api_root, collection_id)
                if row is None:
                    row = TaxiiPullCheckpoint(
                        api_root=api_root, collection_id=collection_id, objects=0, pulls=0
                    )
                    s.add(row)
                if last is not None:
                    row.added_after = after = last
                row.objects += len(objects)
                row.updated_at = now
                audit.record(
                    s,
                    actor=actor,
                    action="taxii.pull",
                    subject_type="taxii_source",
                    subject_id=source[:200],
                    after={
                        "objects": len(objects),
                        "new_objects": page_new,
                        "indicators_new": result.inserted,
                        "added_after": last,
                    },
                )
            pages += 1
            received += len(objects)
            new += page_new
            indicators += result.indicators
            indicators_new += result.inserted
            bad += page_bad
            progress.advance(len(objects))
            if stuck:
                # taxii2-client would ask for the same page again, forever; the checkpoint
                # moved, so the next pull continues from here.
                notes.append("server said 'more' without a 'next' value: run the pull again")
                break
    except (requests.RequestException, TAXIIServiceException) as exc:
        done = f"; {pages} page(s) were saved, the next pull resumes after them" if pages else ""
        raise CounterspyError(
            f"TAXII pull from {collection_url(api_root, collection_id)} failed: {exc}{done}",
            hint="check the URL (the API root, e.g. https://host/taxii2/share/), the "
            "collection id and the token",
        ) from exc
    with store.session() as s:
        row = checkpoint(s, api_root, collection_id)
        if row is not None:
            row.pulls += 1
    return PullSummary(
        source=source,
        pages=pages,
        objects=received,
        new_objects=new,
        indicators=indicators,
        indicators_new=indicators_new,
        bad_values=bad,
        checkpoint_before=before,
        checkpoint_after=after,
        notes=tuple(dict.fromkeys(notes)),
    )
