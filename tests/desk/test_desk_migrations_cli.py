"""Migrations match the models and use their own version table; the CLI manages accounts."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from desk_testkit import FAST_ARGON2
from sqlalchemy import inspect

from desk import cli
from desk.db import VERSION_TABLE, Database, alembic_config, run_migrations
from desk.models import metadata

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_migrated_schema_matches_the_models(database):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, metadata) == []
        tables = set(inspect(connection).get_table_names())
    assert VERSION_TABLE == "desk_alembic_version" and VERSION_TABLE in tables
    assert "alembic_version" not in tables
    assert set(metadata.tables) <= tables


def test_downgrade_and_upgrade_again(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    run_migrations(db.engine)
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "base")
    assert set(inspect(db.engine).get_table_names()) == {VERSION_TABLE}
    run_migrations(db.engine)
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
    db.dispose()


def test_shares_a_database_with_the_backend(tmp_path):
    from backend.db import VERSION_TABLE as BACKEND_VERSION_TABLE
    from backend.db import run_migrations as backend_migrations

    db = Database(f"sqlite:///{tmp_path / 'shared.db'}")
    backend_migrations(db.engine)
    run_migrations(db.engine)
    tables = set(inspect(db.engine).get_table_names())
    assert {VERSION_TABLE, BACKEND_VERSION_TABLE, "customers", "desk_customers"} <= tables
    db.dispose()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'var' / 'cli.db'}"
    monkeypatch.setenv("DESK_DATABASE_URL", url)
    for name, value in FAST_ARGON2.items():
        monkeypatch.setenv(f"DESK_{name.upper()}", str(value))
    return url


def run(monkeypatch, argv, stdin=""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(argv)


def test_cli_manages_accounts(cli_env, monkeypatch, capsys):
    assert run(monkeypatch, ["migrate"]) == 0
    assert "latest schema" in capsys.readouterr().out

    create = ["create-agent", "--username", "Zhao", "--display-name", "小赵", "--role", "agent"]
    assert run(monkeypatch, create, "Zhao-pass-2026\n") == 0
    assert capsys.readouterr().out.strip() == "created agent zhao (小赵)"
    assert run(monkeypatch, create, "Zhao-pass-2026\n") == 1
    assert "AGENT_EXISTS" in capsys.readouterr().err
    weak = ["create-agent", "--username", "qian", "--display-name", "小钱"]
    assert run(monkeypatch, weak, "short\n") == 1
    assert "WEAK_PASSWORD" in capsys.readouterr().err
    assert run(monkeypatch, weak, "") == 2
    assert "no password" in capsys.readouterr().err
    boss = ["create-agent", "--username", "boss", "--display-name", "主管", "--role", "supervisor"]
    assert run(monkeypatch, boss, "Boss-pass-2026\n") == 0
    capsys.readouterr()

    assert run(monkeypatch, ["list-agents"]) == 0
    listing = capsys.readouterr().out
    assert "boss\tsupervisor\tactive\t主管" in listing and "zhao\tagent\tactive\t小赵" in listing

    assert run(monkeypatch, ["set-password", "--username", "zhao"], "Zhao-new-pass-2027\n") == 0
    assert run(monkeypatch, ["disable-agent", "--username", "zhao"]) == 0
    assert "zhao is disabled" in capsys.readouterr().out
    assert run(monkeypatch, ["enable-agent", "--username", "nobody"]) == 1
    with pytest.raises(SystemExit):
        run(
            monkeypatch,
            ["create-agent", "--username", "x", "--display-name", "x", "--role", "root"],
        )

    from desk.core.settings import Settings
    from desk.services import agents
    from desk.services.context import ServiceContext

    ctx = ServiceContext.create(Settings())
    try:
        assert agents.authenticate(ctx, "boss", "Boss-pass-2026").role == "supervisor"
    finally:
        ctx.close()


def test_cli_runs_as_a_module(cli_env, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DESK_DATABASE_URL": cli_env,
        **{f"DESK_{k.upper()}": str(v) for k, v in FAST_ARGON2.items()},
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desk.cli",
            "create-agent",
            "--username",
            "sun",
            "--display-name",
            "小孙",
            "--role",
            "supervisor",
        ],  # fmt: skip
        input="Sun-pass-20266\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "created supervisor sun" in result.stdout
