"""events.event_codes: the SAME / VTEC event codes the issuer gave, which the policy reads

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Events stored before keep "": the policy then reads the code from the event's name.
    op.add_column('events', sa.Column('event_codes', sa.String(length=255), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('event_codes')
