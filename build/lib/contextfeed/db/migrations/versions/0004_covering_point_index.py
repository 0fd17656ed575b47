"""ix_accounts_point covers the columns the matcher reads for a bounding box

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 07:25:00.000000
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

POINT = ['loc_lat', 'loc_lon']
COVERING = [*POINT, 'loc_precision', 'account_id', 'timezone', 'loc_city', 'loc_postal_code']


def upgrade() -> None:
    op.drop_index('ix_accounts_point', table_name='accounts')
    op.create_index('ix_accounts_point', 'accounts', COVERING, unique=False)


def downgrade() -> None:
    op.drop_index('ix_accounts_point', table_name='accounts')
    op.create_index('ix_accounts_point', 'accounts', POINT, unique=False)
