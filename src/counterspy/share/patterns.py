"""STIX patterns for indicators, per export profile.

Two profiles, one table each (no if/elif on type strings):

* ``strict`` (default): only STIX 2.1 observable properties, so OASIS's ``stix2-validator``
  reports no error and any STIX consumer reads the patterns. Indicators that STIX 2.1 cannot
  express as one comparison (``file:path``, ``configuration-profile:id``, ``app:id``, Android
  property names) are left out and counted.
* ``mvt``: the object paths the Mobile Verification Toolkit reads (``file:path``,
  ``process:name``, ``configuration-profile:id``, ``app:id``, lower-case hash names), as in
  Amnesty's bundles. IPv6 addresses and CIDR networks (MVT reads neither) and values
  containing ``=`` are left out: MVT splits a pattern on ``=`` and
  stops loading the whole file on a second one.

Every pattern is a single comparison ``[path = 'value']``, which is all MVT understands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from counterspy.errors import CounterspyError

# Object paths that only MVT understands (not STIX 2.1 observable properties). An imported
# indicator keeps its path as ``observable`` so an mvt-profile re-export writes it back.
MVT_ONLY_PATHS = frozenset(
    {
        "file:path",
        "configuration-profile:id",
        "app:id",
        "android-property:name",
        "android-property-name:name",
        "app:cert.md5",
        "app:cert.sha1",
        "app:cert.sha256",
    }
)


def _ip_path(value: str) -> str | None:
    return "ipv6-addr:value" if ":" in value else "ipv4-addr:value"


def _ipv4_only(value: str) -> str | None:
    return None if ":" in value else "ipv4-addr:value"


def _fixed(path: str) -> Callable[[str], str | None]:
    return lambda _value: path


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    paths: dict[str, Callable[[str], str | None]]  # kind → object path (None: not carried)
    keeps_mvt_paths: bool
    refuses_equals: bool  # MVT cannot load a pattern whose value contains "="


_COMMON: dict[str, Callable[[str], str | None]] = {
    "domain": _fixed("domain-name:value"),
    "url": _fixed("url:value"),
    "email": _fixed("email-addr:value"),
    "filename": _fixed("file:name"),
}

PROFILES: dict[str, Profile] = {
    "strict": Profile(
        "strict",
        "STIX 2.1 observable properties only; validates with stix2-validator",
        _COMMON
        | {
            "ip": _ip_path,
            "cidr": _ip_path,
            "md5": _fixed("file:hashes.MD5"),
            "sha1": _fixed("file:hashes.'SHA-1'"),
            "sha256": _fixed("file:hashes.'SHA-256'"),
            "process": _fixed("process:image_ref.name"),
        },
        keeps_mvt_paths=False,
        refuses_equals=False,
    ),
    "mvt": Profile(
        "mvt",
        "paths MVT reads (file:path, process:name, configuration-profile:id, app:id)",
        _COMMON
        | {
            "ip": _ipv4_only,  # MVT reads ipv4-addr only, and matches exact values (no CIDR)
            "md5": _fixed("file:hashes.md5"),
            "sha1": _fixed("file:hashes.sha1"),
            "sha256": _fixed("file:hashes.sha256"),
            "process": _fixed("process:name"),
        },
        keeps_mvt_paths=True,
        refuses_equals=True,
    ),
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise CounterspyError(
            f"unknown export profile {name!r}", hint=f"use one of: {', '.join(PROFILES)}"
        ) from None


def escape(value: str) -> str:
    """A STIX pattern string literal body: backslash and quote escaped."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def pattern_for(
    prof: Profile, kind: str, value: str, observable: str | None
) -> tuple[str | None, str]:
    """``(pattern, "")`` or ``(None, why it is left out)``."""
    if observable is not None and observable in MVT_ONLY_PATHS:
        if not prof.keeps_mvt_paths:
            return None, f"{observable} is not a STIX 2.1 property (use --profile mvt)"
        path = observable
    else:
        to_path = prof.paths.get(kind)
        found = to_path(value) if to_path is not None else None
        if found is None:
            return None, f"profile {prof.name} carries no {kind} of this form"
        path = found
    if prof.refuses_equals and "=" in value:
        return None, "value contains '=', which MVT cannot load"
    return f"[{path} = '{escape(value)}']", ""
