"""Reading indicator files into a checked import plan. Nothing is written here.

Every value is refanged and normalised by type. Problems are collected over *all* files and
reported together (file and line each), so an analyst fixes a feed in one pass; a plan with any
problem is refused whole, and the store is never half-updated.

Split values: Meta's December 2021 CSV carries one domain over two rows
(``fbc8213450838f7ae251d4`` then ``519c195138.xyz``). A row that is not a valid domain followed
by a row that completes it is reported with both line numbers and the joined value; with
``join_split=True`` the two rows are imported as that one joined domain instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from counterspy.errors import InputError
from counterspy.intel.formats import RawIndicator, TechniqueRow, detect_reader, load_readers
from counterspy.intel.normalize import is_valid_domain, refang, to_ascii_host
from counterspy.intel.values import BadValueError, Normalised, infer_type, normalise_value
from counterspy.progress import NULL_PROGRESS, Progress


@dataclass(frozen=True)
class PreparedIndicator:
    raw: RawIndicator
    norm: Normalised
    source: str
    file: str
    line_text: str  # "85" or "85-86" for a repaired split value


@dataclass(frozen=True)
class ImportProblem:
    file: str
    line: int
    message: str
    hint: str = ""


@dataclass(frozen=True)
class ImportPlan:
    indicators: tuple[PreparedIndicator, ...]
    techniques: tuple[tuple[TechniqueRow, str], ...]
    notes: tuple[str, ...]
    formats: tuple[str, ...]


def _split_candidate(a: RawIndicator, b: RawIndicator) -> str | None:
    """The joined domain when ``a`` is a fragment that ``b`` completes."""
    if infer_type(refang(b.value)) != "domain" or b.type not in {"domain", "auto"}:
        return None
    if "." in refang(a.value).strip().rstrip("."):
        return None  # a dotted value is a (bad) name of its own, not a label cut in two
    joined = to_ascii_host(refang(a.value).strip() + refang(b.value).strip())
    return joined if joined is not None and is_valid_domain(joined) else None


def _prepare_file(
    path: Path,
    *,
    source: str | None,
    fmt: str | None,
    join_split: bool,
    problems: list[ImportProblem],
    notes: list[str],
) -> tuple[list[PreparedIndicator], list[tuple[TechniqueRow, str]], str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text (byte {exc.start})", file=str(path), hint="save the file as UTF-8"
        ) from exc
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
    readers = load_readers()
    if fmt is not None:
        if fmt not in readers:
            raise InputError(
                f"unknown format {fmt!r}", hint=f"formats: {', '.join(sorted(readers))}"
            )
        reader = readers[fmt]()
    else:
        reader = detect_reader(path, text[:8192])
    result = reader.read(path, text)
    notes.extend(result.notes)
    src = source or result.default_source or path.stem
    rows = list(result.indicators)
    out: list[PreparedIndicator] = []
    i = 0
    while i < len(rows):
        raw = rows[i]
        try:
            norm = normalise_value(raw.type, raw.value)
        except BadValueError as exc:
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            joined = _split_candidate(raw, nxt) if nxt is not None else None
            if joined is not None and nxt is not None:
                if join_split:
                    out.append(
                        PreparedIndicator(
                            raw,
                            Normalised("domain", joined, None),
                            src,
                            str(path),
                            f"{raw.line}-{nxt.line}",
                        )
                    )
                    notes.append(
                        f"{path.name} lines {raw.line}-{nxt.line}: joined split value into {joined}"
                    )
                    i += 2
                    continue
                problems.append(
                    ImportProblem(
                        str(path),
                        raw.line,
                        f"{raw.value!r} is not a domain, but with the next row ({nxt.line}: "
                        f"{nxt.value!r}) it reads {joined!r}: the value looks split over rows "
                        f"{raw.line} and {nxt.line}",
                        "re-run with --join-split to import the joined value "
                        "(and not the fragment)",
                    )
                )
            else:
                problems.append(
                    ImportProblem(
                        str(path), raw.line, str(exc), "fix or remove the row, then import again"
                    )
                )
            i += 1
            continue
        if norm.warning:
            notes.append(f"{path.name} line {raw.line}: {norm.warning}")
        out.append(PreparedIndicator(raw, norm, src, str(path), str(raw.line)))
        i += 1
    return out, [(t, src) for t in result.techniques], reader.name


def prepare_import(
    paths: Sequence[Path],
    *,
    source: str | None = None,
    fmt: str | None = None,
    join_split: bool = False,
    progress: Progress = NULL_PROGRESS,
) -> ImportPlan:
    """Read, normalise and check every file; raises :class:`InputError` listing all problems."""
    problems: list[ImportProblem] = []
    notes: list[str] = []
    indicators: list[PreparedIndicator] = []
    techniques: list[tuple[TechniqueRow, str]] = []
    formats: list[str] = []
    progress.begin("reading indicator files", len(paths))
    for p in paths:
        ind, tech, name = _prepare_file(
            p, source=source, fmt=fmt, join_split=join_split, problems=problems, notes=notes
        )
        indicators.extend(ind)
        techniques.extend(tech)
        formats.append(name)
        progress.advance(1)
    if problems:
        first = problems[0]
        more = ""
        if len(problems) > 1:
            listed = "; ".join(f"{Path(p.file).name}:{p.line} {p.message}" for p in problems[1:6])
            more = f" (and {len(problems) - 1} more: {listed}{' ...' if len(problems) > 6 else ''})"
        raise InputError(
            first.message + more,
            file=first.file,
            row=first.line,
            hint=first.hint + "; nothing was imported",
        )
    return ImportPlan(tuple(indicators), tuple(techniques), tuple(notes), tuple(formats))
