"""The platform's database: tables, engine and sessions, migrations (Alembic)."""
