"""flags.id is AUTOINCREMENT on SQLite: an id once handed out is never handed out again

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00.000000
"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL's sequence never goes back. SQLite gives max(id) + 1, so a new flag could take the id of
    # the newest flag just cleared (deleted), and a dialer keeping flags by id would drop the new one.
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('flags', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
        pass
    # Ids handed out before (cleared flags included) are all in the change log.
    op.execute("UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(flag_id), 0) FROM flag_changes)) "
               "WHERE name = 'flags'")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('flags', recreate='always', table_kwargs={'sqlite_autoincrement': False}):
        pass
