"""Indicator files for detection and attribution: domain → actor (firm) named by the source.

Accepted formats (chosen by content, not by name):

* Meta threat-research CSV / JSON (``indicator_type,indicator_value,comment,ds``); the actor is
  the comment without a trailing "Domain" ("Cytrox Domain" → ``cytrox``). A domain the source
  split across two rows (a dot-less value followed by the rest) is joined back together.
* A CSV with header ``domain,actor``.
* Plain text: one domain per line (``#`` comments), actor taken from ``default_actor``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from counterspy.errors import InputError

_HOST = re.compile(
    r"^[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]{0,62}[a-z0-9])?)+$"
)


def _norm(value: str) -> str:
    v = value.strip().lower().rstrip(".")
    v = re.sub(r"^[a-z]+://", "", v).split("/")[0]
    v = v.replace("[.]", ".")
    return v.removeprefix("www.")


def _actor_from_comment(comment: str) -> str:
    return re.sub(r"\s+domains?$", "", comment.strip(), flags=re.IGNORECASE).lower()


def _meta_rows(rows: list[dict[str, str]], file: str) -> dict[str, str]:
    out: dict[str, str] = {}
    pending: str | None = None
    for i, row in enumerate(rows, start=2):
        if (row.get("indicator_type") or "").strip() != "domain_name":
            continue
        value = _norm(row.get("indicator_value") or "")
        actor = _actor_from_comment(row.get("comment") or "") or "unknown"
        if pending is not None:
            value, pending = pending + value, None
        if "." not in value:
            pending = value  # the source split this domain across rows: join with the next
            continue
        if not _HOST.match(value):
            raise InputError(
                f"not a domain name: {value!r}", file=file, row=i, column="indicator_value"
            )
        out[value] = actor
    if pending is not None:
        raise InputError(
            f"domain fragment {pending!r} is not followed by its remainder",
            file=file,
            column="indicator_value",
            hint="the last row holds a value without a dot",
        )
    return out


def load_indicators(path: Path, default_actor: str = "unknown") -> dict[str, str]:
    """Domain → actor from one indicator file."""
    file = str(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read indicator file: {exc.strerror}", file=file) from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=file, row=exc.lineno) from None
        rows = [{k: str(v) for k, v in r.items()} for r in records if isinstance(r, dict)]
        return _meta_rows(rows, file)
    first = stripped.splitlines()[0].lower() if stripped else ""
    if "indicator_value" in first:
        return _meta_rows(list(csv.DictReader(io.StringIO(text))), file)
    if first.replace(" ", "").startswith("domain,actor"):
        out: dict[str, str] = {}
        for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            dom = _norm(row.get("domain") or "")
            if not _HOST.match(dom):
                raise InputError(f"not a domain name: {dom!r}", file=file, row=i, column="domain")
            out[dom] = (row.get("actor") or default_actor).strip().lower()
        return out
    out = {}
    for i, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        dom = _norm(line)
        if not _HOST.match(dom):
            raise InputError(
                f"not a domain name: {line!r}",
                file=file,
                row=i,
                hint="expected one domain per line, a domain,actor CSV or a Meta indicator CSV",
            )
        out[dom] = default_actor
    return out
