"""Desk command line: ``python -m desk.cli <command>``.

migrate                                   upgrade the database to the latest schema
create-agent --username U --display-name N [--role agent|supervisor]
                                          create an account; the password is asked for twice
                                          (or read as one line from stdin when it is not a TTY)
set-password --username U                 replace a password (ends the account's sessions)
disable-agent --username U / enable-agent --username U
list-agents                               every account with its role
analytics-ingest                          copy Rasa's new events into the analytics tables now
analytics-rebuild                         forget the analytics copy and copy every event again
                                          (after changing DESK_TIMEZONE or the events database)
retention [--days N]                      delete transcript turns older than RETENTION_DAYS now
                                          (the worker does it every few hours)
"""

from __future__ import annotations

import argparse
import getpass
import sys

from desk.core.settings import Settings
from desk.db import MIGRATIONS
from desk.models.enums import Role
from desk.services import agents, ingest, transcripts
from desk.services.context import ServiceContext
from service_kit import entrypoints
from service_kit.clock import Clock


def _context() -> ServiceContext:
    settings = Settings()
    return ServiceContext.create(
        settings, db=entrypoints.migrated_database(settings, MIGRATIONS), clock=Clock()
    )


def read_password(prompt: str = "Password: ") -> str:
    """Ask twice on a terminal; read one line from a pipe (for scripts and tests)."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise ValueError("no password on stdin")
        return line.rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("the passwords do not match")
    return first


def _cmd_create_agent(args: argparse.Namespace) -> str:
    password = read_password()
    ctx = _context()
    try:
        agent = agents.create_agent(ctx, args.username, args.display_name, args.role, password)
    finally:
        ctx.close()
    return f"created {agent.role} {agent.username} ({agent.display_name})"


def _cmd_set_password(args: argparse.Namespace) -> str:
    password = read_password("New password: ")
    ctx = _context()
    try:
        agent = agents.set_password(ctx, args.username, password)
    finally:
        ctx.close()
    return f"password of {agent.username} changed; its sessions were ended"


def _cmd_set_active(args: argparse.Namespace) -> str:
    ctx = _context()
    try:
        agent = agents.set_active(ctx, args.username, args.active)
    finally:
        ctx.close()
    return f"{agent.username} is {'enabled' if agent.is_active else 'disabled'}"


def _cmd_list_agents(_args: argparse.Namespace) -> str:
    ctx = _context()
    try:
        rows = agents.list_agents(ctx)
    finally:
        ctx.close()
    if not rows:
        return "no accounts"
    return "\n".join(
        f"{a.username}\t{a.role}\t{'active' if a.is_active else 'disabled'}\t{a.display_name}"
        for a in rows
    )


def _cmd_analytics(args: argparse.Namespace) -> str:
    ctx = _context()
    try:
        report = ingest.rebuild(ctx) if args.rebuild else ingest.ingest(ctx)
    finally:
        ctx.close()
    if not report.source_ok:
        raise ValueError(f"the events database could not be read ({ctx.events.description})")
    return f"copied {report.copied} events; the copy is at event id {report.last_event_id}"


def _cmd_retention(args: argparse.Namespace) -> str:
    if args.days is not None and args.days < 0:
        raise ValueError("--days must not be negative (0 keeps everything)")
    ctx = _context()
    try:
        days = ctx.settings.retention_days if args.days is None else args.days
        deleted = transcripts.enforce_retention(ctx, days)
    finally:
        ctx.close()
    if days == 0:
        return "retention is off (0 days): nothing deleted"
    return f"deleted {deleted} transcript turns older than {days} days"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the desk CLI."""
    parser, commands = entrypoints.command_parser("python -m desk.cli", __doc__)
    entrypoints.add_migrate_command(commands, Settings, MIGRATIONS)
    create = commands.add_parser("create-agent", help="create an agent or supervisor account")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", required=True, help="shown to customers")
    create.add_argument("--role", choices=[role.value for role in Role], default=Role.AGENT.value)
    create.set_defaults(run=_cmd_create_agent)
    password = commands.add_parser("set-password", help="replace an account's password")
    password.add_argument("--username", required=True)
    password.set_defaults(run=_cmd_set_password)
    disable = commands.add_parser("disable-agent", help="disable an account")
    disable.add_argument("--username", required=True)
    disable.set_defaults(run=_cmd_set_active, active=False)
    enable = commands.add_parser("enable-agent", help="enable an account again")
    enable.add_argument("--username", required=True)
    enable.set_defaults(run=_cmd_set_active, active=True)
    commands.add_parser("list-agents", help="list accounts").set_defaults(run=_cmd_list_agents)
    commands.add_parser(
        "analytics-ingest", help="copy Rasa's new events for the dashboard now"
    ).set_defaults(run=_cmd_analytics, rebuild=False)
    commands.add_parser(
        "analytics-rebuild", help="copy every event again (after a time zone change)"
    ).set_defaults(run=_cmd_analytics, rebuild=True)
    retention = commands.add_parser("retention", help="delete transcripts past RETENTION_DAYS")
    retention.add_argument("--days", type=int, help="instead of RETENTION_DAYS")
    retention.set_defaults(run=_cmd_retention)
    return parser


main = entrypoints.command_line(build_parser)


if __name__ == "__main__":
    sys.exit(main())
