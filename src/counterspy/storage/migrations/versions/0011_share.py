"""Sharing: each indicator keeps its TLP level and, where the canonical type is ambiguous, the
STIX object path it was published under (``file:path``, ``configuration-profile:id``).

Revision ID: 0011_share
Revises: 0009_taxii
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_share"
down_revision: str | None = "0009_taxii"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intel_indicators") as batch:
        batch.add_column(sa.Column("tlp", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("observable", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intel_indicators") as batch:
        batch.drop_column("observable")
        batch.drop_column("tlp")
