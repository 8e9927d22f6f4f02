"""workflow safety: the center's offline review, publicity proposals, unit contacts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_result', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('offline_result_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('offline_result_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('publicity_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('business_category', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        for name in ('refusal_reason', 'business_category', 'contact_phone', 'contact_name'):
            batch_op.drop_column(name)
    with op.batch_alter_table('publicity_entries', schema=None) as batch_op:
        for name in ('confirmed_at', 'confirmed_by', 'proposal'):
            batch_op.drop_column(name)
    with op.batch_alter_table('applications', schema=None) as batch_op:
        for name in ('offline_result_at', 'offline_result_by', 'offline_result'):
            batch_op.drop_column(name)
