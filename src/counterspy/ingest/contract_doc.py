"""Renders ``docs/data-contract.md`` from the Arrow schemas.

Run ``python -m counterspy.ingest.contract_doc``. A test compares the committed page with this
rendering, so the docs cannot drift from the code.
"""

from __future__ import annotations

from counterspy.ingest.schema import TABLES, TARGETED_EVENT_TYPES, Table

_INTRO = """\
# Data contract

counterspy reads platform telemetry as two canonical tables, `accounts` and `events`. The Arrow
schemas in `src/counterspy/ingest/schema.py` are the single source of truth; this page is
rendered from them (`python -m counterspy.ingest.contract_doc > docs/data-contract.md`) and a
test fails when the two differ.

**Formats.** Parquet is native. CSV (with a header row) and JSON Lines (one object per line) are
accepted on import and converted. Timestamps are ISO 8601; a value without an offset is read as
UTC. Files are named after their table (`accounts.parquet`, `events.csv`, `events-0001.jsonl`,
...) or sit in a folder named after it (`events/part-0.parquet`).

**Rules checked on ingest.** Exactly these columns (no missing, no extra); each value of the
column's type; no null in a required column; values of a closed vocabulary from that
vocabulary; ids unique across the workspace; every `actor_id` and `target_id` an account in the
workspace or in the same load.
"""


def _table_markdown(table: Table) -> str:
    lines = [
        f"## `{table.name}`",
        "",
        f"{table.description} Key: `{table.key}`.",
        "",
        "| column | type | required | meaning | example |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in table.columns:
        meaning = c.meaning
        if c.vocabulary:
            meaning += " One of: " + ", ".join(f"`{v}`" for v in c.vocabulary) + "."
        required = "no" if c.nullable else "yes"
        lines.append(f"| `{c.name}` | `{c.type}` | {required} | {meaning} | `{c.example}` |")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The full Markdown page."""
    parts = [_INTRO]
    for table in TABLES.values():
        parts.append(_table_markdown(table))
    targeted = ", ".join(f"`{t}`" for t in sorted(TARGETED_EVENT_TYPES))
    parts.append(
        "## Event types that must name a target\n\n"
        f"{targeted}: for these, `target_id` is required.\n"
    )
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
