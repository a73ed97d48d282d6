"""The protection-programme category of targeted accounts, read from the workspace.

Only the category is read (``accounts.at_risk``); it feeds the per-sector aggregate and is
never printed per account.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from counterspy.workspace import Workspace


def at_risk_categories(ws: Workspace, account_ids: Iterable[str]) -> dict[str, str | None]:
    """account id → at-risk category (None for accounts outside the programme)."""
    ids = sorted(set(account_ids))
    files = ws.table_files("accounts")
    if not ids or not files:
        return {}
    dataset = pads.dataset([str(f) for f in files], format="parquet")
    flt = pc.field("account_id").isin(pa.array(ids, type=pa.string()))
    table = dataset.to_table(columns=["account_id", "at_risk"], filter=flt)
    return dict(
        zip(
            table.column("account_id").to_pylist(),
            table.column("at_risk").to_pylist(),
            strict=True,
        )
    )
