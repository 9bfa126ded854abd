"""Migrations match the models, use their own version table, and the CLI works."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from backend_testkit import FAST_ARGON2
from sqlalchemy import inspect

from backend import cli
from backend.core.settings import Settings
from backend.db import VERSION_TABLE, Database, alembic_config, run_migrations
from backend.models import metadata


def test_migrated_schema_matches_the_models(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables
    assert set(metadata.tables) <= tables


def test_downgrade_and_upgrade_again(tmp_path):
    from alembic import command

    db = Database(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    run_migrations(db.engine)
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "base")
    assert set(inspect(db.engine).get_table_names()) == {VERSION_TABLE}
    run_migrations(db.engine)
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
    db.dispose()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'var' / 'cli.db'}"
    monkeypatch.setenv("BACKEND_DATABASE_URL", url)
    for name, value in FAST_ARGON2.items():
        monkeypatch.setenv(f"BACKEND_{name.upper()}", str(value))
    return url


def test_cli_commands(cli_env, capsys):
    assert cli.main(["migrate"]) == 0
    assert cli.main(["reset-demo"]) == 0
    assert "u1001-u1009" in capsys.readouterr().out

    assert cli.main(["advance-refund", "R202611180005"]) == 0
    assert capsys.readouterr().out.strip() == "R202611180005: approved"
    assert cli.main(["advance-refund", "R202611180005", "--to", "rejected"]) == 1
    assert "INVALID_TRANSITION" in capsys.readouterr().err

    assert cli.main(["outbox"]) == 0
    assert "outbox is empty" in capsys.readouterr().out

    from backend.services.context import ServiceContext
    from backend.services.verification import send_code
    from service_kit.clock import Clock

    settings = Settings()
    ctx = ServiceContext(db=Database(settings.database_url), settings=settings, clock=Clock())
    send_code(ctx, "u1005", "sms", "password_reset")
    ctx.db.dispose()
    assert cli.main(["outbox", "--customer", "u1005"]) == 0
    out = capsys.readouterr().out
    assert "u1005 sms 13800001005 code=" in out and "验证码" in out

    assert cli.main(["wechat-bind", "oCLI_openid_01", "u1003"]) == 0
    assert "oCLI_openid_01 -> u1003 (bound)" in capsys.readouterr().out
    assert cli.main(["wechat-bind", "oCLI_openid_01", "u1004"]) == 1
    assert "OPENID_ALREADY_BOUND" in capsys.readouterr().err


def test_cli_rejects_a_rejection_without_reason(cli_env, capsys):
    cli.main(["reset-demo"])
    capsys.readouterr()
    assert cli.main(["advance-refund", "R202611180005", "--to", "rejected"]) == 1
    assert "REJECTION_REASON_REQUIRED" in capsys.readouterr().err
    assert (
        cli.main(["advance-refund", "R202611180005", "--to", "rejected", "--reason", "重复申请"])
        == 0
    )
    assert "rejected (重复申请)" in capsys.readouterr().out
