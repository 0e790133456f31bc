"""collection hand-off: the creditor's handoff_stage

Revision ID: 0007_operate
Revises: 0006_webapp
Create Date: 2026-12-03 03:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007_operate'
down_revision: str | None = '0006_webapp'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('creditor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_stage', sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('creditor', schema=None) as batch_op:
        batch_op.drop_column('handoff_stage')
