"""segment.plan: the creditor's dunning plan for the segment, the plan learner's anchor

Revision ID: 0010_segment_plan
Revises: 0009_contact_limit
Create Date: 2026-12-03 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_segment_plan'
down_revision: str | None = '0009_contact_limit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('segment') as batch:
        batch.add_column(sa.Column('plan', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('segment') as batch:
        batch.drop_column('plan')
