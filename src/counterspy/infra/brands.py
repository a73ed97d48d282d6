"""The protected-brand list: bundled data plus optional extension files.

Each brand has a display name, a category, a country (ISO 3166 alpha-2, or ``INT`` for
international), its official domains (allow-listed, with every subdomain), optional extra match
keys (``aliases``) and flags:

- ``global``: the brand defensively owns its name on country-code TLDs (``google.de``,
  ``amazon.com.br``), so the bare name on a ccTLD is not reported;
- ``generic``: the name is also a common word (``orange``, ``delta``): it is only matched as a
  whole label or hyphen token, never inside a longer word;
- ``shortener``: a URL shortener; links through it hide their destination (reported
  ``suspicious`` with code ``shortener``), and lookalikes of it are lookalikes like any other.

Extension files (CSV with the same columns, or YAML with a ``brands:`` list of mappings) are
listed in the workspace config or passed to :func:`load_brands`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from counterspy.errors import InputError
from counterspy.infra.vocab import COMMON_WORDS
from counterspy.intel.normalize import split_host, to_ascii_host

BUNDLED_BRANDS = "brands.csv"
FLAGS = frozenset({"global", "generic", "shortener"})
COLUMNS = ("name", "category", "country", "domains", "aliases", "flags")


@dataclass(frozen=True)
class Brand:
    name: str
    category: str
    country: str
    domains: tuple[str, ...]  # official registrable domains (ASCII), allow-listed
    aliases: tuple[str, ...] = ()  # extra match keys (letters/digits only)
    flags: frozenset[str] = frozenset()

    @property
    def primary_keys(self) -> tuple[str, ...]:
        """The label of the first (primary) domain plus aliases: matched with typos and inside
        longer names. Labels of other domains are matched exactly only (``youtu`` of youtu.be
        would otherwise make every ``youth`` a lookalike)."""
        _sub, dom, _suf = split_host(self.domains[0])
        first = dom.replace("-", "")
        return tuple(dict.fromkeys((first, *self.aliases)))

    @property
    def keys(self) -> tuple[str, ...]:
        """Strings a lookalike is compared with: the label of each official domain plus aliases."""
        out: list[str] = []
        for d in self.domains:
            _sub, dom, _suf = split_host(d)
            k = dom.replace("-", "")
            if k and k not in out:
                out.append(k)
        for a in self.aliases:
            if a not in out:
                out.append(a)
        out.extend(k for k in self.joined_keys if k not in out)
        return tuple(out)

    @property
    def joined_keys(self) -> tuple[str, ...]:
        """A shortener's "domain hack" names read across the dot (``t.ly`` → ``tly``,
        ``rb.gy`` → ``rbgy``): matched exactly, so ``tly.link`` and ``tly.gr.com`` are
        lookalikes of T.ly. Only for a short name on a two-letter suffix, and never an
        everyday word (``po.st``). Empty for brands that are not shorteners."""
        out: list[str] = []
        if "shortener" not in self.flags:
            return ()
        for d in self.domains:
            _sub, dom, suf = split_host(d)
            if dom and len(dom) <= 4 and len(suf) == 2 and suf.isalpha():
                k = dom.replace("-", "") + suf
                if k not in COMMON_WORDS and k not in out:
                    out.append(k)
        return tuple(out)


def _brand_from_row(row: dict[str, str], file: str, line: int) -> Brand:
    name = (row.get("name") or "").strip()
    if not name:
        raise InputError(
            "brand has no name",
            file=file,
            row=line,
            column="name",
            hint="every brand row needs name and domains",
        )
    domains: list[str] = []
    for raw in (row.get("domains") or "").split():
        d = to_ascii_host(raw)
        if d is None:
            raise InputError(
                f"invalid domain {raw!r}",
                file=file,
                row=line,
                column="domains",
                hint="list official domains separated by spaces, e.g. 'bbc.co.uk bbc.com'",
            )
        domains.append(d)
    if not domains:
        raise InputError(
            f"brand {name!r} has no domains",
            file=file,
            row=line,
            column="domains",
            hint="list at least one official domain",
        )
    flags = frozenset((row.get("flags") or "").split())
    unknown = flags - FLAGS
    if unknown:
        raise InputError(
            f"unknown flag(s) {sorted(unknown)}",
            file=file,
            row=line,
            column="flags",
            hint=f"flags are: {', '.join(sorted(FLAGS))}",
        )
    aliases = tuple(a.lower() for a in (row.get("aliases") or "").split())
    return Brand(
        name=name,
        category=(row.get("category") or "other").strip(),
        country=(row.get("country") or "INT").strip().upper(),
        domains=tuple(domains),
        aliases=aliases,
        flags=flags,
    )


def parse_brands_csv(text: str, file: str) -> list[Brand]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"name", "domains"} - set(reader.fieldnames or ())
    if missing:
        raise InputError(
            f"brand file lacks column(s) {sorted(missing)}",
            file=file,
            row=1,
            hint=f"columns are: {', '.join(COLUMNS)}",
        )
    return [_brand_from_row(row, file, i) for i, row in enumerate(reader, start=2)]


def parse_brands_yaml(text: str, file: str) -> list[Brand]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=file) from exc
    items = doc.get("brands") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise InputError(
            "expected a top-level 'brands:' list",
            file=file,
            hint="brands: [{name: Example, domains: [example.com]}]",
        )
    out = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError("brand entry is not a mapping", file=file, row=i)
        row = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in item.items()}
        out.append(_brand_from_row(row, file, i))
    return out


def bundled_brands() -> list[Brand]:
    text = (files("counterspy.infra") / "data" / BUNDLED_BRANDS).read_text(encoding="utf-8")
    return parse_brands_csv(text, BUNDLED_BRANDS)


def load_brand_file(path: Path) -> list[Brand]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read brand file: {exc.strerror}", file=str(path)) from exc
    if path.suffix.lower() in {".yaml", ".yml"}:
        return parse_brands_yaml(text, str(path))
    return parse_brands_csv(text, str(path))


def load_brands(extra_files: Sequence[Path] = (), *, include_bundled: bool = True) -> list[Brand]:
    """The bundled brand list plus every extension file, merged by name (later files win)."""
    merged: dict[str, Brand] = {}
    sources: list[Iterable[Brand]] = [bundled_brands()] if include_bundled else []
    sources.extend(load_brand_file(p) for p in extra_files)
    for src in sources:
        for b in src:
            merged[b.name.lower()] = b
    return list(merged.values())
