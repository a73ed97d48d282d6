"""Text indicator formats: Meta CSV/TSV, Meta's kill-chain CSV, plain one-per-line lists."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from counterspy.errors import InputError
from counterspy.intel.formats import (
    TYPE_ALIASES,
    IndicatorReader,
    RawIndicator,
    ReadResult,
    TechniqueRow,
    actor_from_text,
    register,
)

_CODE = re.compile(r"^\s*(\d+(?:\.\d+)+)\.?\s*(.*)$", re.S)


def _header(head: str) -> str:
    return head.lstrip("\ufeff").split("\n", 1)[0].strip().lower()


def _rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """CSV records with the line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    out = []
    start = 1
    for row in reader:
        out.append((start, row))
        start = reader.line_num + 1
    return out


@register
class MetaCsvReader(IndicatorReader):
    name = "meta-csv"
    description = "Meta threat-research CSV or TSV: indicator_type,indicator_value,comment,ds"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        h = _header(head)
        return "indicator_value" in h and "indicator_type" in h

    def read(self, path: Path, text: str) -> ReadResult:
        first = _header(text)
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        rows = _rows(text, delimiter)
        header = [c.strip().lower() for c in rows[0][1]]
        try:
            ti, vi = header.index("indicator_type"), header.index("indicator_value")
        except ValueError as exc:
            raise InputError(
                "header lacks indicator_type / indicator_value",
                file=str(path),
                row=1,
                hint="expected columns: indicator_type,indicator_value,comment,ds",
            ) from exc
        ci = header.index("comment") if "comment" in header else None
        di = header.index("ds") if "ds" in header else None
        out = []
        for line, row in rows[1:]:
            if not any(c.strip() for c in row):
                continue
            if len(row) <= max(ti, vi):
                raise InputError(
                    f"row has {len(row)} column(s), the header has {len(header)}",
                    file=str(path),
                    row=line,
                    hint="check delimiters and quoting",
                )
            comment = row[ci].strip() if ci is not None and ci < len(row) else None
            out.append(
                RawIndicator(
                    type=TYPE_ALIASES.get(row[ti].strip().lower(), "auto"),
                    value=row[vi],
                    line=line,
                    published=row[di].strip() if di is not None and di < len(row) else None,
                    actor=actor_from_text(comment),
                    comment=comment or None,
                )
            )
        return ReadResult(tuple(out), default_source="meta-threat-research")


@register
class KillChainCsvReader(IndicatorReader):
    name = "killchain-csv"
    description = (
        "Meta Online Operations Kill Chain CSV: Tactic,Technique,Procedure "
        "[,Indicator,Comments]; loads the technique vocabulary and any indicators"
    )

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return _header(head).replace(" ", "").startswith("tactic,technique,procedure")

    def read(self, path: Path, text: str) -> ReadResult:
        rows = _rows(text, ",")
        header = [c.strip().lower() for c in rows[0][1]]
        ii = header.index("indicator") if "indicator" in header else None
        ci = header.index("comments") if "comments" in header else None
        techniques: dict[str, TechniqueRow] = {}
        out: list[RawIndicator] = []
        notes: list[str] = []
        for line, row in rows[1:]:
            cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
            if not any(cells):
                continue
            tactic, technique, procedure = cells[0], cells[1], cells[2]
            m = _CODE.match(procedure) or _CODE.match(technique)
            code = m.group(1) if m else None
            if code is None:
                notes.append(f"{path.name} line {line}: no technique code, row kept as text only")
            elif code not in techniques:
                techniques[code] = TechniqueRow(
                    code, tactic, technique, " ".join(procedure.split()), line
                )
            value = cells[ii] if ii is not None else ""
            if not value:
                continue
            if len(value.split()) > 1:
                notes.append(
                    f"{path.name} line {line}: free text in Indicator column skipped: "
                    f"{value[:60]!r}"
                )
                continue
            out.append(
                RawIndicator(
                    type="auto",
                    value=value,
                    line=line,
                    technique=code,
                    comment=cells[ci] if ci is not None and cells[ci] else None,
                )
            )
        return ReadResult(
            tuple(out), tuple(techniques.values()), tuple(notes), default_source="meta-killchain"
        )


@register
class PlainListReader(IndicatorReader):
    name = "plain"
    description = "Plain list: one indicator per line; '#' starts a comment; type inferred"

    @classmethod
    def sniff(cls, path: Path, head: str) -> bool:
        return True  # the fallback: tried last

    def read(self, path: Path, text: str) -> ReadResult:
        out = []
        for line, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
            value, _sep, comment = raw.partition(" #")
            value = value.strip()
            if not value or value.startswith("#"):
                continue
            out.append(
                RawIndicator(type="auto", value=value, line=line, comment=comment.strip() or None)
            )
        return ReadResult(tuple(out), default_source=f"list:{path.stem}")
