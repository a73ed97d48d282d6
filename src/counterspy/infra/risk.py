"""Weak signals that only count together: a cheap, heavily abused TLD *and* a name built from
lure vocabulary or a machine-made-looking string.

Neither half alone makes a link suspicious (plenty of honest sites live on ``.xyz`` and plenty
use the word "news"); both together describe the throw-away domains of phishing and spyware
delivery. The TLD list follows the public "most abused TLDs" rankings (Spamhaus, Interisle).
"""

from __future__ import annotations

import re

from counterspy.infra.vocab import ABUSED_TLDS, FILLER, LURE_VOCAB, segments, segments_reference
from counterspy.model.verdict import Reason

_LURE_WORDS = LURE_VOCAB | FILLER
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def _keyboard_walk(name: str) -> bool:
    return any(row[i : i + 5] in name for row in _KEYBOARD_ROWS for i in range(len(row) - 4))


_HEX = re.compile(r"[0-9a-f]{16,}")


def _machine_made(name: str) -> bool:
    if _HEX.fullmatch(name):
        return True  # a hash-like label (fbc8213450838f7ae251d4519c195138)
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 4:
        return False
    vowels = sum(1 for c in letters if c in "aeiouy")
    return (
        vowels == 0
        or bool(_CONSONANT_RUN.search(name))
        or vowels / len(letters) < 0.2
        or _keyboard_walk(name)
    )


def is_abused_tld(suffix: str) -> bool:
    return suffix.rsplit(".", 1)[-1] in ABUSED_TLDS


def cheap_tld_signals(plain: str, suffix: str, *, careful: bool = False) -> Reason | None:
    """A reason when a name on an abused TLD is lure vocabulary or looks machine-made
    (``careful``: segmented the reference way, see :func:`counterspy.infra.vocab.segments`)."""
    tld = suffix.rsplit(".", 1)[-1]
    if tld not in ABUSED_TLDS:
        return None
    words = (segments_reference if careful else segments)(plain, _LURE_WORDS)
    if words is not None and any(w in LURE_VOCAB and len(w) >= 3 for w in words):
        return Reason(
            "risk.lure_on_abused_tld",
            f"{plain}.{suffix}: lure words ({'+'.join(words)}) on the heavily abused .{tld} TLD",
        )
    if _machine_made(plain):
        return Reason(
            "risk.random_on_abused_tld",
            f"{plain}.{suffix}: a machine-made-looking name on the heavily abused .{tld} TLD",
        )
    return None
