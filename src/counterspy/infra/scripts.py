"""Unicode confusables: TR39-style skeletons and mixed-script detection."""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib.resources import files

from counterspy.infra.typos import ascii_fold


@lru_cache(maxsize=1)
def _unicode_fold() -> dict[int, str]:
    """Non-ASCII character → ASCII look-alike, from the Unicode TR39 confusables table
    (as shipped by the ``confusable_homoglyphs`` package)."""
    raw = (files("confusable_homoglyphs") / "confusables.json").read_text(encoding="utf-8")
    table: dict[str, list[dict[str, str]]] = json.loads(raw)
    out: dict[int, str] = {}
    for ch, homoglyphs in table.items():
        if len(ch) != 1 or ch.isascii():
            continue
        for h in homoglyphs:
            c = h["c"]
            if len(c) == 1 and c.isascii() and c.isalnum():
                out[ord(ch)] = c.lower()
                break
    return out


def skeleton(label: str) -> str:
    """A TR39-style skeleton: confusable characters folded to ASCII, then ASCII look-alikes."""
    s = unicodedata.normalize("NFKC", label).lower().translate(_unicode_fold())
    return ascii_fold(s.replace("-", ""))


def _script(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "UNKNOWN"
    return name.split(" ", 1)[0]


def mixed_script(label: str) -> tuple[str, ...]:
    """Scripts of the letters in ``label`` when it mixes more than one, else ``()``."""
    scripts = {_script(ch) for ch in label if ch.isalpha()}
    return tuple(sorted(scripts)) if len(scripts) > 1 else ()
