"""an index on accounts.updated_at, for the suppression index's refresh

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 06:50:00.000000
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_accounts_updated_at', 'accounts', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_accounts_updated_at', table_name='accounts')
