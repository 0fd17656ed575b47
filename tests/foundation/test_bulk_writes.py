"""A bulk write tunes its SQLite connection only while it runs."""

from contextfeed.db.engine import BULK_CACHE_KIB, BULK_MMAP_BYTES, Database, bulk_writes
from tests.conftest import sqlite_only


@sqlite_only("page cache and memory map are SQLite PRAGMAs")
def test_a_bulk_write_maps_the_file_and_leaves_the_pooled_connection_as_it_found_it(database_url):
    with Database.from_url(database_url).write() as session:
        connection = session.connection()

        def settings() -> list[int]:
            return [connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() for pragma in ("cache_size", "mmap_size")]

        before = settings()
        with bulk_writes(session):
            assert settings() == [-BULK_CACHE_KIB, BULK_MMAP_BYTES]
        assert settings() == before
