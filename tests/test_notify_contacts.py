"""Contact details: encrypted at rest, keys from configuration, rotation, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from counterspy.errors import CounterspyError, InputError, NotFoundError
from counterspy.notify.config import NotifyConfig, contact_keys
from counterspy.notify.contacts import ContactCipher, import_contacts, read_contact, rotate_contacts
from counterspy.storage.db import Store
from counterspy.storage.migrate import upgrade


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(s.engine)
    return s


def _csv(tmp_path: Path, body: str, name: str = "contacts.csv") -> Path:
    p = tmp_path / name
    p.write_text("account_id,email,phone\n" + body, encoding="utf-8")
    return p


def test_contacts_are_encrypted_at_rest(store: Store, tmp_path: Path) -> None:
    cipher = ContactCipher([Fernet.generate_key()])
    path = _csv(tmp_path, "a1,lena@example.org,+4930123456\na2,,+33123456789\n")
    with store.session() as s:
        assert import_contacts(s, path, cipher, actor="ops") == 2
    raw = (tmp_path / "s.db").read_bytes()
    assert b"lena@example.org" not in raw
    assert b"+4930123456" not in raw
    with store.engine.connect() as c:
        blobs = c.execute(text("select ciphertext, has_email from notify_contacts")).all()
    assert all(b"example.org" not in bytes(b) for b, _ in blobs)
    assert sorted(bool(h) for _, h in blobs) == [False, True]
    with store.session() as s:  # re-import replaces
        import_contacts(s, _csv(tmp_path, "a1,new@example.org,\n", "b.csv"), cipher, actor="ops")
    with store.session() as s:
        assert read_contact(s, "a1", cipher, actor="rita").email == "new@example.org"
        assert read_contact(s, "a2", cipher, actor="rita").phone == "+33123456789"
    with store.session() as s:
        import_contacts(s, path, cipher, actor="ops")
    with store.session() as s:
        got = read_contact(s, "a1", cipher, actor="rita")
        assert (got.email, got.phone) == ("lena@example.org", "+4930123456")
        with pytest.raises(NotFoundError):
            read_contact(s, "nobody", cipher, actor="rita")


def test_wrong_key_gives_a_clear_error_and_rotation_keeps_data(
    store: Store, tmp_path: Path
) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    with store.session() as s:
        import_contacts(s, _csv(tmp_path, "a1,x@example.org,\n"), ContactCipher([old]), actor="o")
    with store.session() as s, pytest.raises(CounterspyError, match="no configured key fits"):
        read_contact(s, "a1", ContactCipher([new]), actor="r")
    with store.session() as s:
        assert rotate_contacts(s, ContactCipher([new, old]), actor="o") == 1
    with store.session() as s:  # the old key can now be retired
        assert read_contact(s, "a1", ContactCipher([new]), actor="r").email == "x@example.org"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (",a@example.org,\n", "row 2, column 'account_id'"),
        ("a1,not-an-address,\n", "row 2, column 'email'"),
        ("a1,a@example.org,\na2,b@example.org,0301234\n", "row 3, column 'phone'"),
    ],
)
def test_import_names_the_bad_row(store: Store, tmp_path: Path, body: str, match: str) -> None:
    cipher = ContactCipher([Fernet.generate_key()])
    with store.session() as s, pytest.raises(InputError, match=match):
        import_contacts(s, _csv(tmp_path, body), cipher, actor="o")
    with store.engine.connect() as c:  # validated before anything is written
        assert c.execute(text("select count(*) from notify_contacts")).scalar() == 0


def test_keys_come_from_configuration_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNTERSPY_CONTACT_KEYS", raising=False)
    with pytest.raises(CounterspyError, match="no contact-encryption key"):
        contact_keys(NotifyConfig())
    with pytest.raises(CounterspyError, match="does not exist"):
        contact_keys(NotifyConfig(contact_key_file=str(tmp_path / "missing")))
    k1, k2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    f = tmp_path / "keys"
    f.write_text(f"{k1}\n{k2}\n", encoding="utf-8")
    assert contact_keys(NotifyConfig(contact_key_file=str(f))) == [k1.encode(), k2.encode()]
    monkeypatch.setenv("COUNTERSPY_CONTACT_KEYS", f"{k2},{k1}")
    assert contact_keys(NotifyConfig(contact_key_file=str(f)))[0] == k2.encode()
    with pytest.raises(CounterspyError, match="not a valid Fernet key"):
        ContactCipher([b"short"])
