"""Sandbox administration: demo data."""

from __future__ import annotations

from sqlalchemy import select

from backend import demo_data
from backend.models import Customer
from backend.services.context import ServiceContext


def reset_demo_data(ctx: ServiceContext) -> None:
    """Wipe the backend's tables and seed the demo customers again, relative to now."""
    with ctx.db.session(write=True) as session:
        demo_data.reset_demo(session, ctx.settings, ctx.now())


def seed_if_empty(ctx: ServiceContext) -> bool:
    """Seed the demo data into an empty database; True when it did."""
    with ctx.db.session(write=True) as session:
        if session.execute(select(Customer.id).limit(1)).first() is not None:
            return False
        demo_data.seed(session, ctx.settings, ctx.now())
        return True
