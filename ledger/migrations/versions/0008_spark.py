"""batch_run: one row per completed day of the batch engine

Revision ID: 0008_spark
Revises: 0007_operate
Create Date: 2026-12-03 04:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ledger.types


revision: str = '0008_spark'
down_revision: str | None = '0007_operate'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('batch_run',
    sa.Column('id', sa.String(length=140), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('model_version', sa.String(length=100), nullable=False),
    sa.Column('engine', sa.String(length=16), nullable=False),
    sa.Column('buckets', sa.Integer(), nullable=False),
    sa.Column('decided', sa.Integer(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('started_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('batch_run')
