"""api access: tokens, uploads, access log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:21:21.527684
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('access_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('principal', sa.String(length=18), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_log_created_at'), ['created_at'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=18), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_unit_code'), ['unit_code'], unique=False)

    op.create_table('api_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_api_uploads_batch_id_import_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_uploads')),
    sa.UniqueConstraint('principal', 'digest', name='uq_api_uploads_principal_digest'),
    sa.UniqueConstraint('principal', 'idempotency_key', name='uq_api_uploads_principal_key')
    )
    with op.batch_alter_table('api_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_uploads_batch_id'), ['batch_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('api_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_uploads_batch_id'))

    op.drop_table('api_uploads')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_unit_code'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_log_created_at'))

    op.drop_table('access_log')

