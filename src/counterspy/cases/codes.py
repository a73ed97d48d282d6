"""The fixed vocabulary of policy reason codes (bundled data, ``data/reason_codes.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files

import yaml

from counterspy.errors import CounterspyError


class Use(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    UPHOLD = "uphold"
    REINSTATE = "reinstate"


@dataclass(frozen=True)
class ReasonCode:
    code: str
    uses: frozenset[Use]
    description: str


@cache
def reason_codes() -> dict[str, ReasonCode]:
    text = (files("counterspy.cases") / "data" / "reason_codes.yaml").read_text("utf-8")
    out: dict[str, ReasonCode] = {}
    for item in yaml.safe_load(text):
        code = ReasonCode(
            code=str(item["code"]),
            uses=frozenset(Use(u) for u in item["uses"]),
            description=str(item["description"]),
        )
        if code.code in out:
            raise ValueError(f"reason code {code.code!r} listed twice")
        out[code.code] = code
    return out


def check_code(code: str, use: Use) -> ReasonCode:
    """The reason code ``code`` if it may be used to ``use``; else a clear error."""
    known = reason_codes()
    valid = sorted(c.code for c in known.values() if use in c.uses)
    found = known.get(code)
    if found is None or use not in found.uses:
        why = "unknown reason code" if found is None else f"reason code not valid to {use.value}"
        raise CounterspyError(
            f"{why}: {code[:80]!r}", hint=f"valid to {use.value}: {', '.join(valid)}"
        )
    return found
