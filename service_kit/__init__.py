"""Plumbing the payment backend and the agent desk share.

Both are FastAPI services on SQLAlchemy 1.4 with Alembic migrations, SQLite by default and
PostgreSQL in production. What is the same in both lives here once: the engine and session
set-up with its locking rules (``db``), running migrations and the Alembic environment
(``migrations``), column types and naming conventions (``models``), JSON logging (``logging``).
Each service keeps its own metadata, version table, settings and error handling.
"""
