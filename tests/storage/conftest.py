from tests.support.databases import database_url, db_engine, db_sessions, postgres_database  # noqa: F401
