"""Initial schema: agents and sessions, tickets with their history, transcripts, customers.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('waiting', 'assigned')")


def upgrade() -> None:
    op.create_table(
        "desk_agents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('agent', 'supervisor')", name=op.f("ck_desk_agents_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_agents")),
        sa.UniqueConstraint("username", name=op.f("uq_desk_agents_username")),
    )
    op.create_table(
        "desk_customers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.String(length=32), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_customers")),
    )
    op.create_table(
        "desk_transcript_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("event_ts", sa.Float(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("agent_name", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "sender IN ('user', 'bot', 'agent')", name=op.f("ck_desk_transcript_turns_sender")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_transcript_turns")),
        sa.UniqueConstraint("conversation_id", "event_key", name="uq_desk_transcript_turns_event"),
    )
    op.create_index(
        "ix_desk_transcript_turns_conversation",
        "desk_transcript_turns",
        ["conversation_id", "event_ts"],
    )
    op.create_index("ix_desk_transcript_turns_sent", "desk_transcript_turns", ["sent_at"])
    op.create_table(
        "desk_agent_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('api', 'web')", name=op.f("ck_desk_agent_sessions_kind")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["desk_agents.id"],
            name=op.f("fk_desk_agent_sessions_agent_id_desk_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_agent_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_desk_agent_sessions_token_digest")),
    )
    op.create_index("ix_desk_agent_sessions_agent", "desk_agent_sessions", ["agent_id"])
    op.create_index("ix_desk_agent_sessions_expires", "desk_agent_sessions", ["expires_at"])
    op.create_table(
        "desk_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("priority_rank", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("summary_text", sa.Text(), nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("handoff_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "priority IN ('urgent', 'high', 'normal')", name=op.f("ck_desk_tickets_priority")
        ),
        sa.CheckConstraint(
            "resolution IN ('returned_to_bot', 'closed')", name=op.f("ck_desk_tickets_resolution")
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'assigned', 'resolved')", name=op.f("ck_desk_tickets_status")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["desk_agents.id"], name=op.f("fk_desk_tickets_agent_id_desk_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_tickets")),
    )
    op.create_index("ix_desk_tickets_conversation", "desk_tickets", ["conversation_id"])
    op.create_index("ix_desk_tickets_created", "desk_tickets", ["created_at"])
    op.create_index("ix_desk_tickets_customer", "desk_tickets", ["customer_id"])
    op.create_index(
        "ix_desk_tickets_queue", "desk_tickets", ["status", "priority_rank", "created_at"]
    )
    op.create_index("ix_desk_tickets_transaction", "desk_tickets", ["transaction_id"])
    op.create_index(
        "uq_desk_tickets_open_conversation",
        "desk_tickets",
        ["conversation_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "desk_ticket_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('created', 'handoff_again', 'claimed', 'reassigned', 'message', 'note', "
            "'resolved')",
            name=op.f("ck_desk_ticket_events_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["desk_agents.id"],
            name=op.f("fk_desk_ticket_events_agent_id_desk_agents"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["desk_tickets.id"],
            name=op.f("fk_desk_ticket_events_ticket_id_desk_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_ticket_events")),
    )
    op.create_index("ix_desk_ticket_events_ticket", "desk_ticket_events", ["ticket_id", "id"])


def downgrade() -> None:
    op.drop_table("desk_ticket_events")
    op.drop_table("desk_tickets")
    op.drop_table("desk_agent_sessions")
    op.drop_table("desk_transcript_turns")
    op.drop_table("desk_customers")
    op.drop_table("desk_agents")
