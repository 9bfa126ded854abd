"""What every service shares: the backend and the desk, and the helpers the Rasa server, the
action server and the channels all use.

Service core (the backend and the desk are FastAPI services on SQLAlchemy 1.4 with Alembic
migrations, SQLite by default and PostgreSQL in production; each keeps only what differs: its
own settings fields, error types, routes, metadata and version table):

- ``settings``: ``ServiceSettings``, the base of each service's one typed settings object.
- ``errors``: error types with stable codes, the JSON error shape and the exception handlers.
- ``middleware``: request-body limit (with drain) and access log.
- ``clock``: the injectable wall clock and the manual clock of tests.
- ``schemas``: the bases of request and response shapes (and of password forms), the error
  shape and its OpenAPI entries, free-text checks.
- ``security``: bearer tokens, constant-time token checks, new tokens, CSRF and origin checks.
- ``passwords``: argon2id password hashes.
- ``db``: engines and sessions with one locking rule for SQLite and PostgreSQL.
- ``sqlite_tuning``: the pragmas of every SQLite connection, and pooled engines for Rasa's stores.
- ``migrations``: a service's Alembic configuration, ``upgrade`` and ``env.py`` body.
- ``models``: column types, constraint naming conventions, CHECK constraints of enums.
- ``enums``: ``StrEnum``, the base of every stored closed value set.
- ``html_pages``: the Jinja environment of HTML pages and the shared page frame
  (``templates/page.html``).
- ``health``: the answer of ``/healthz``.
- ``json_logging``: structured logs, one JSON object per line.
- ``entrypoints``: ``python -m <service>`` (migrate, serve) and the ``<service>.cli`` skeleton.

Helpers of customer text and identity:

- ``amounts``, ``dates``: money amounts and dates in Chinese and English text.
- ``language``: which language a message is written in.
- ``redaction``: masking the secrets customers type.
- ``customer_token``: signed customer identity tokens.
- ``fast_json``: JSON text of the documents the Rasa server writes every turn.
"""
