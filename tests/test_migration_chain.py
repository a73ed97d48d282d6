"""The shipped migrations form one linear chain, and the docs list it in order."""

from __future__ import annotations

import re

from alembic.script import ScriptDirectory

from counterspy.storage.migrate import _config
from tests.conftest import REPO


def _chain() -> list[str]:
    script = ScriptDirectory.from_config(_config())
    heads = script.get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_migrations_form_one_chain_listed_in_docs_storage() -> None:
    chain = _chain()
    page = (REPO / "docs" / "storage.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| \d+ \| `(\w+)` \|", page, flags=re.M)
    assert documented == chain


def test_every_model_matches_the_migrated_schema(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import counterspy.storage.models  # noqa: F401  (registers every table)
    from counterspy.storage.db import Base, make_engine
    from counterspy.storage.migrate import upgrade

    engine = make_engine(store_url)
    upgrade(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    engine.dispose()
    assert not diffs, diffs
