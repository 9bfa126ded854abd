"""Sandbox command line: ``python -m backend.cli <command>``.

migrate                         upgrade the database to the latest schema
reset-demo                      wipe everything and seed the demo customers again
advance-refund R... [--to S] [--reason TEXT]
                                move a refund review on (next step by default)
outbox [--customer u1005] [--limit 20]
                                show the SMS/email outbox with the verification codes
wechat-bind <openid> <customer> bind a WeChat openid to a customer
"""

from __future__ import annotations

import argparse
import sys

from backend.core.clock import CHINA_TZ
from backend.core.settings import Settings
from backend.db import MIGRATIONS
from backend.models.enums import RefundStatus
from backend.schemas.refund import RefundAdvance
from backend.services import admin, customers, refunds, verification
from backend.services.context import ServiceContext
from service_kit import entrypoints
from service_kit.clock import Clock


def _context() -> ServiceContext:
    settings = Settings()
    return ServiceContext(
        db=entrypoints.migrated_database(settings, MIGRATIONS), settings=settings, clock=Clock()
    )


def _cmd_reset_demo(_args: argparse.Namespace) -> str:
    admin.reset_demo_data(_context())
    return "demo data reset (customers u1001-u1009, times relative to now)"


def _cmd_advance_refund(args: argparse.Namespace) -> str:
    request = RefundAdvance(to=args.to, reason=args.reason)
    refund = refunds.advance_refund(_context(), args.refund_id, request)
    return f"{refund.id}: {refund.status.value}" + (
        f" ({refund.rejection_reason})" if refund.rejection_reason else ""
    )


def _cmd_outbox(args: argparse.Namespace) -> str:
    messages = verification.latest_outbox(_context(), args.customer, args.limit)
    if not messages:
        return "outbox is empty"
    lines = []
    for message in messages:
        when = message.created_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"#{message.id} {when} {message.customer_id} {message.channel} "
            f"{message.destination} code={message.code}\n    {message.body}"
        )
    return "\n".join(lines)


def _cmd_wechat_bind(args: argparse.Namespace) -> str:
    binding, created = customers.bind_wechat(_context(), args.openid, args.customer_id)
    return f"{binding.openid} -> {binding.customer_id} ({'bound' if created else 'already bound'})"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the sandbox CLI."""
    parser, commands = entrypoints.command_parser("python -m backend.cli", __doc__)
    entrypoints.add_migrate_command(commands, Settings, MIGRATIONS)
    commands.add_parser("reset-demo", help="reseed the demo data").set_defaults(run=_cmd_reset_demo)
    advance = commands.add_parser("advance-refund", help="advance a refund review")
    advance.add_argument("refund_id")
    advance.add_argument("--to", choices=[status.value for status in RefundStatus])
    advance.add_argument("--reason", help="required with --to rejected")
    advance.set_defaults(run=_cmd_advance_refund)
    outbox = commands.add_parser("outbox", help="show sent codes")
    outbox.add_argument("--customer", help="only this customer, e.g. u1005")
    outbox.add_argument("--limit", type=int, default=20)
    outbox.set_defaults(run=_cmd_outbox)
    bind = commands.add_parser("wechat-bind", help="bind a WeChat openid to a customer")
    bind.add_argument("openid")
    bind.add_argument("customer_id")
    bind.set_defaults(run=_cmd_wechat_bind)
    return parser


main = entrypoints.command_line(build_parser)


if __name__ == "__main__":
    sys.exit(main())
