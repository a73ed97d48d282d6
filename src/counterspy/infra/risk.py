"""Weak signals that only count together: a cheap, heavily abused TLD *and* a name built from
lure vocabulary or a machine-made-looking string.

Neither half alone makes a link suspicious (plenty of honest sites live on ``.xyz`` and plenty
use the word "news"); both together describe the throw-away domains of phishing and spyware
delivery. The TLD list follows the public "most abused TLDs" rankings (Spamhaus, Interisle).
"""

from __future__ import annotations

import re

from counterspy.infra.vocab import FILLER, segments, words
from counterspy.model.verdict import Reason

ABUSED_TLDS = words(
    """xyz top bid icu club online site live shop store quest sbs cfd click link work buzz rest
    monster cyou fun space website tech digital one ws pw tk ml ga cf gq loan win review
    download stream racing party science trade date men cam surf uno host press ink lol mom
    bond pics art services center zone actor army ninja pet cards photos voto"""
)
LURE_VOCAB = words(
    """update updates updating upload uploads download downloads file files share drive doc
    docs pdf viewer video videos live stream tv news newz sport sports celeb celebr weather
    wether sms mms message messages chat date dating sex xxx adult covid covid19 vaccine mask
    masks health job jobs career book books trip trips travel booking hotel flight deal deals
    offer offers coupon promo sale shop shops store gift gifts bonus prize win free fast quick
    speed speedy pro best top page pages pg landing site sites web link links app apps apk
    android ios mobile secure verify login account bank pay wallet crypto bitcoin invest
    delivery parcel track tracking post support service services check cloud sync time clock
    group world lifestyle coffee kids games game music photo photos pics cam website"""
)
_LURE_WORDS = LURE_VOCAB | FILLER
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")


def _keyboard_walk(name: str) -> bool:
    return any(row[i : i + 5] in name for row in _KEYBOARD_ROWS for i in range(len(row) - 4))


def _machine_made(name: str) -> bool:
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


def cheap_tld_signals(plain: str, suffix: str) -> Reason | None:
    """A reason when a name on an abused TLD is lure vocabulary or looks machine-made."""
    tld = suffix.rsplit(".", 1)[-1]
    if tld not in ABUSED_TLDS:
        return None
    words = segments(plain, _LURE_WORDS)
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
