"""Shared pieces of the TAXII tests: STIX objects, a store with users, a served app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from counterspy.api.app import create_app
from counterspy.api.loopback import serve_in_thread
from counterspy.auth import users
from counterspy.share.tlp import Tlp
from counterspy.storage.db import Store
from counterspy.workspace import Workspace

NS = uuid.UUID("6f1c8a52-3d4e-4b7a-9c1d-2e3f4a5b6c7d")


def indicator(
    n: int,
    tlp: Tlp | None = Tlp.GREEN,
    modified: str = "2021-12-16T00:00:00.000Z",
    domain: str | None = None,
) -> dict[str, object]:
    """A STIX 2.1 indicator with a deterministic id (``n`` names it)."""
    obj: dict[str, object] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(NS, str(n))}",
        "created": "2021-12-16T00:00:00.000Z",
        "modified": modified,
        "name": f"indicator {n}",
        "pattern": f"[domain-name:value = '{domain or f'op{n}.example'}']",
        "pattern_type": "stix",
        "valid_from": "2021-12-16T00:00:00Z",
    }
    if tlp is not None:
        obj["object_marking_refs"] = [tlp.marking_id]
    return obj


@dataclass(frozen=True)
class People:
    admin: str
    investigator: str
    partner_a: str  # organisation "org-a"
    partner_b: str  # organisation "org-b"
    agency: str


def make_people(store: Store) -> People:
    tokens: dict[str, str] = {}
    spec = {
        "admin": ("admin", None),
        "investigator": ("investigator", None),
        "partner_a": ("partner", "org-a"),
        "partner_b": ("partner", "org-b"),
        "agency": ("agency", "agency-x"),
    }
    with store.session() as s:
        for name, (role, org) in spec.items():
            users.create_user(
                s, name=name.replace("_", "-"), role=role, actor="t", organisation=org
            )
            _, tokens[name] = users.issue_token(s, name=name.replace("_", "-"), actor="t")
    return People(**tokens)


@contextmanager
def served(store: Store, tmp: Path) -> Iterator[str]:
    """The API on a loopback port; yields the TAXII discovery URL."""
    app = create_app(Workspace(tmp / "home"), store=store)
    with serve_in_thread(app) as base:
        yield base + "taxii2/"
