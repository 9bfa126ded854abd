"""Ratings, and the summary of Rasa's conversation events for the analytics dashboard.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "desk_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("session_key", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("human_involved", sa.Boolean(), nullable=False),
        sa.Column("main_intent", sa.String(length=64), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_desk_ratings_score")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_ratings")),
        sa.UniqueConstraint("conversation_id", "session_key", name="uq_desk_ratings_conversation"),
    )
    op.create_index("ix_desk_ratings_rated", "desk_ratings", ["rated_at"])

    op.create_table(
        "desk_analytics_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_event_digest", sa.String(length=64), nullable=True),
        sa.Column("pending_gaps", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("events_copied", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_desk_analytics_state")),
    )

    op.create_table(
        "desk_analytics_conversations",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("start_event_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_user_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("first_intent", sa.String(length=64), nullable=True),
        sa.Column("user_messages", sa.Integer(), nullable=False),
        sa.Column("fallback_messages", sa.Integer(), nullable=False),
        sa.Column("out_of_scope_messages", sa.Integer(), nullable=False),
        sa.Column("handoffs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_analytics_conversations")),
        sa.UniqueConstraint(
            "epoch", "start_event_id", name="uq_desk_analytics_conversations_start"
        ),
    )
    op.create_index(
        "ix_desk_analytics_conversations_sender",
        "desk_analytics_conversations",
        ["epoch", "sender_id", "start_event_id"],
    )
    op.create_index("ix_desk_analytics_conversations_day", "desk_analytics_conversations", ["day"])

    op.create_table(
        "desk_analytics_intent_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "intent", name=op.f("pk_desk_analytics_intent_days")),
    )

    op.create_table(
        "desk_analytics_unanswered",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_analytics_unanswered")),
        sa.UniqueConstraint("epoch", "event_id", name="uq_desk_analytics_unanswered_event"),
    )
    op.create_index("ix_desk_analytics_unanswered_day", "desk_analytics_unanswered", ["day"])


def downgrade() -> None:
    op.drop_table("desk_analytics_unanswered")
    op.drop_table("desk_analytics_intent_days")
    op.drop_table("desk_analytics_conversations")
    op.drop_table("desk_analytics_state")
    op.drop_table("desk_ratings")
