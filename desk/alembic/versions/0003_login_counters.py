"""Sign-in counters: attempts per client address and wrong passwords per account and address.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_login_counters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_login_counters")),
        sa.UniqueConstraint("key", name=op.f("uq_desk_login_counters_key")),
    )
    op.create_index("ix_desk_login_counters_window", "desk_login_counters", ["window_start"])


def downgrade() -> None:
    op.drop_table("desk_login_counters")
