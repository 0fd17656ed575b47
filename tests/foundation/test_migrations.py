"""Migrations: `contextfeed db upgrade` builds exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from contextfeed.db.models import Base


def test_db_upgrade_brings_an_empty_database_to_head(cli, database_url):
    status, out, _ = cli("db", "upgrade")
    assert status == 0 and "head" in out
    tables = set(inspect(create_engine(database_url)).get_table_names())
    assert {"accounts", "events", "event_areas", "flags", "flag_changes", "sources", "api_keys"} <= tables


def test_migrated_schema_matches_the_models(migrated):
    engine = create_engine(migrated)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_is_harmless(cli):
    assert cli("db", "upgrade")[0] == 0
    assert cli("db", "upgrade")[0] == 0
