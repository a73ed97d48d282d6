"""Target contact details: imported from the platform, encrypted at rest, read only by roles
with ``contacts:read`` (API) and by the sender, and every read by a person is audited.

Encryption is Fernet (AES-128-CBC + HMAC-SHA256) through ``MultiFernet``: the first key
encrypts, all keys decrypt, and :func:`rotate_contacts` re-encrypts under the newest key.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from counterspy.audit import log as audit
from counterspy.errors import CounterspyError, InputError, NotFoundError
from counterspy.notify.models import ContactRow

_EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class Contact:
    account_id: str
    email: str | None
    phone: str | None


class ContactCipher:
    def __init__(self, keys: list[bytes]) -> None:
        try:
            self._f = MultiFernet([Fernet(k) for k in keys])
        except (ValueError, TypeError) as exc:
            raise CounterspyError(
                f"a contact key is not a valid Fernet key ({exc})",
                hint="keys are 32 url-safe base64 bytes; generate with `counterspy notify keygen`",
            ) from None

    def seal(self, email: str | None, phone: str | None) -> bytes:
        blob = json.dumps({"email": email, "phone": phone}, separators=(",", ":"))
        return self._f.encrypt(blob.encode("utf-8"))

    def open(self, account_id: str, token: bytes) -> Contact:
        try:
            data = json.loads(self._f.decrypt(token))
        except InvalidToken:
            raise CounterspyError(
                f"cannot decrypt the contact of {account_id}: no configured key fits",
                hint="an old key was removed before `counterspy notify contacts rotate` ran",
            ) from None
        return Contact(account_id, data.get("email"), data.get("phone"))

    def rotate(self, token: bytes) -> bytes:
        return self._f.rotate(token)


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _validated_rows(path: Path) -> Iterable[tuple[str, str | None, str | None]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if "account_id" not in header or not ({"email", "phone"} & set(header)):
            raise InputError(
                f"header {header} lacks account_id and email/phone",
                file=str(path),
                row=1,
                hint="expected columns: account_id,email,phone",
            )
        for i, rec in enumerate(reader, start=2):
            acc = (rec.get("account_id") or "").strip()
            email = (rec.get("email") or "").strip() or None
            phone = (rec.get("phone") or "").strip().replace(" ", "") or None
            if not acc:
                raise InputError("empty account_id", file=str(path), row=i, column="account_id")
            if email and not _EMAIL.match(email):
                raise InputError(
                    "not an email address", file=str(path), row=i, column="email",
                    hint="one plain address per row, e.g. name@example.org",
                )  # fmt: skip
            if phone and not _PHONE.match(phone):
                raise InputError(
                    "not an E.164 phone number", file=str(path), row=i, column="phone",
                    hint="international format with +country code, e.g. +4930123456",
                )  # fmt: skip
            yield acc, email, phone


def import_contacts(session: Session, path: Path, cipher: ContactCipher, *, actor: str) -> int:
    """Insert or replace contacts from a CSV; validates the whole file before writing."""
    rows = {acc: (email, phone) for acc, email, phone in _validated_rows(path)}  # last wins
    now = datetime.now(UTC)
    ids = list(rows)
    existing: set[str] = set()
    for i in range(0, len(ids), 500):
        q = select(ContactRow.account_id).where(ContactRow.account_id.in_(ids[i : i + 500]))
        existing.update(session.execute(q).scalars())
    values = [
        {
            "account_id": acc,
            "ciphertext": cipher.seal(email, phone),
            "has_email": email is not None,
            "has_phone": phone is not None,
            "updated_at": now,
        }
        for acc, (email, phone) in rows.items()
    ]
    fresh = [v for v in values if v["account_id"] not in existing]
    changed = [v for v in values if v["account_id"] in existing]
    for i in range(0, len(fresh), 2000):
        session.execute(insert(ContactRow), fresh[i : i + 2000])
    if changed:
        session.execute(update(ContactRow), changed)  # bulk UPDATE by primary key
    audit.record(
        session,
        actor=actor,
        action="contacts.import",
        subject_type="contacts",
        subject_id=path.name,
        after={
            "contacts": len(rows),
            "replaced": len(changed),
        },  # counts only: addresses never enter the audit log
    )
    return len(rows)


def read_contact(
    session: Session, account_id: str, cipher: ContactCipher, *, actor: str
) -> Contact:
    """Decrypt one contact for a person; the read is audited."""
    row = session.get(ContactRow, account_id)
    if row is None:
        raise NotFoundError(f"no contact details for account {account_id}")
    contact = cipher.open(account_id, row.ciphertext)
    audit.record(
        session, actor=actor, action="contacts.read", subject_type="account", subject_id=account_id
    )
    return contact


def contacts_for(
    session: Session, account_ids: list[str], cipher: ContactCipher
) -> dict[str, Contact]:
    """Decrypt contacts for the sender (machine use, not audited per row)."""
    out: dict[str, Contact] = {}
    for i in range(0, len(account_ids), 500):
        chunk = account_ids[i : i + 500]
        q = select(ContactRow).where(ContactRow.account_id.in_(chunk))
        for row in session.execute(q).scalars():
            out[row.account_id] = cipher.open(row.account_id, row.ciphertext)
    return out


def rotate_contacts(session: Session, cipher: ContactCipher, *, actor: str) -> int:
    n = 0
    for row in session.execute(select(ContactRow)).scalars():
        row.ciphertext = cipher.rotate(row.ciphertext)
        n += 1
    audit.record(
        session, actor=actor, action="contacts.rotate", subject_type="contacts",
        subject_id="*", after={"contacts": n},
    )  # fmt: skip
    return n
