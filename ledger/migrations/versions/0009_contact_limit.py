"""creditor.max_contacts_per_debtor: the creditor's limit on contacts per debtor in any 30 days

Revision ID: 0009_contact_limit
Revises: 0008_spark
Create Date: 2026-12-03 19:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009_contact_limit'
down_revision: str | None = '0008_spark'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('creditor') as batch:
        batch.add_column(sa.Column('max_contacts_per_debtor', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('creditor') as batch:
        batch.drop_column('max_contacts_per_debtor')
