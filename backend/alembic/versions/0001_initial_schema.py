"""Initial schema: every table of the payment backend sandbox.

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


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lock_reason", sa.String(length=32), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "lock_reason IN ('too_many_failed_logins', 'risk_control', 'customer_request')",
            name=op.f("ck_customers_lock_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'locked', 'frozen')", name=op.f("ck_customers_status")
        ),
        sa.CheckConstraint("balance_fen >= 0", name=op.f("ck_customers_balance_non_negative")),
        sa.CheckConstraint(
            "failed_login_count >= 0", name=op.f("ck_customers_failed_logins_non_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("phone", name=op.f("uq_customers_phone")),
    )
    op.create_table(
        "merchants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("refund_window_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("refund_window_days >= 0", name=op.f("ck_merchants_refund_window")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchants")),
    )
    op.create_table(
        "payment_methods",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("bank", sa.String(length=64), nullable=True),
        sa.Column("last4", sa.String(length=4), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("single_limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("daily_limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("used_today_fen", sa.BigInteger(), nullable=False),
        sa.Column("usage_date", sa.Date(), nullable=True),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("frozen_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'expired', 'frozen')", name=op.f("ck_payment_methods_status")
        ),
        sa.CheckConstraint(
            "type IN ('balance', 'debit_card', 'credit_card')", name=op.f("ck_payment_methods_type")
        ),
        sa.CheckConstraint(
            "daily_limit_fen > 0", name=op.f("ck_payment_methods_daily_limit_positive")
        ),
        sa.CheckConstraint(
            "single_limit_fen > 0", name=op.f("ck_payment_methods_single_limit_positive")
        ),
        sa.CheckConstraint(
            "used_today_fen >= 0", name=op.f("ck_payment_methods_used_today_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_payment_methods_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_methods")),
    )
    op.create_index(
        op.f("ix_payment_methods_customer_id"), "payment_methods", ["customer_id"], unique=False
    )

    op.create_table(
        "verification_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('sms', 'email')", name=op.f("ck_verification_challenges_channel")
        ),
        sa.CheckConstraint(
            "purpose IN ('password_reset', 'unlock')",
            name=op.f("ck_verification_challenges_purpose"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'verified', 'exhausted', 'superseded')",
            name=op.f("ck_verification_challenges_status"),
        ),
        sa.CheckConstraint(
            "attempts >= 0", name=op.f("ck_verification_challenges_attempts_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_verification_challenges_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_challenges")),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_challenges_idempotency"),
    )
    op.create_index(
        "ix_challenges_customer_created",
        "verification_challenges",
        ["customer_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "wechat_bindings",
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_wechat_bindings_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("openid", name=op.f("pk_wechat_bindings")),
    )
    op.create_index(
        op.f("ix_wechat_bindings_customer_id"), "wechat_bindings", ["customer_id"], unique=False
    )

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("challenge_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["verification_challenges.id"],
            name=op.f("fk_outbox_messages_challenge_id_verification_challenges"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_outbox_messages_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(
        "ix_outbox_customer_created", "outbox_messages", ["customer_id", "created_at"], unique=False
    )

    op.create_table(
        "reset_tokens",
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("challenge_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["verification_challenges.id"],
            name=op.f("fk_reset_tokens_challenge_id_verification_challenges"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_reset_tokens_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("token_digest", name=op.f("pk_reset_tokens")),
    )
    op.create_index(
        op.f("ix_reset_tokens_customer_id"), "reset_tokens", ["customer_id"], unique=False
    )

    op.create_table(
        "transactions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=True),
        sa.Column("payee", sa.String(length=128), nullable=False),
        sa.Column("merchant_category", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("failure_code", sa.String(length=32), nullable=True),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settles_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "failure_code IN ('INSUFFICIENT_BALANCE', 'LIMIT_EXCEEDED', 'INVALID_PAYEE', "
            "'METHOD_UNAVAILABLE', 'NETWORK_TIMEOUT', 'RISK_CONTROL', 'WRONG_PAY_PASSWORD')",
            name=op.f("ck_transactions_failure_code"),
        ),
        sa.CheckConstraint(
            "status IN ('success', 'failed', 'pending', 'refunded', 'partially_refunded')",
            name=op.f("ck_transactions_status"),
        ),
        sa.CheckConstraint("type IN ('payment', 'transfer')", name=op.f("ck_transactions_type")),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_transactions_amount_positive")),
        sa.CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= amount_fen",
            name=op.f("ck_transactions_refunded_within_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_transactions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchants.id"], name=op.f("fk_transactions_merchant_id_merchants")
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_transactions_payment_method_id_payment_methods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    op.create_index(
        "ix_transactions_customer_created",
        "transactions",
        ["customer_id", "created_at"],
        unique=False,
    )

    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("transaction_id", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("related_transaction_ids", sa.JSON(), nullable=False),
        sa.Column("frozen_payment_method_ids", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("priority IN ('normal', 'high')", name=op.f("ck_disputes_priority")),
        sa.CheckConstraint(
            "status IN ('open', 'investigating', 'resolved', 'rejected')",
            name=op.f("ck_disputes_status"),
        ),
        sa.CheckConstraint(
            "type IN ('unauthorized', 'duplicate_charge', 'wrong_amount', 'merchant_issue')",
            name=op.f("ck_disputes_type"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_disputes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_disputes_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_disputes_idempotency"),
    )
    op.create_index(op.f("ix_disputes_customer_id"), "disputes", ["customer_id"], unique=False)
    op.create_index(
        op.f("ix_disputes_transaction_id"), "disputes", ["transaction_id"], unique=False
    )

    op.create_table(
        "refunds",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=16), nullable=False),
        sa.Column("transaction_id", sa.String(length=32), nullable=False),
        sa.Column("payment_method_id", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rejection_reason", sa.String(length=200), nullable=True),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'under_review', 'approved', 'refunded', 'rejected')",
            name=op.f("ck_refunds_status"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_refunds_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["payment_method_id"],
            ["payment_methods.id"],
            name=op.f("fk_refunds_payment_method_id_payment_methods"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_refunds_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint("customer_id", "idempotency_key", name="uq_refunds_idempotency"),
    )
    op.create_index(op.f("ix_refunds_customer_id"), "refunds", ["customer_id"], unique=False)
    op.create_index(op.f("ix_refunds_transaction_id"), "refunds", ["transaction_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refunds_transaction_id"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_customer_id"), table_name="refunds")

    op.drop_table("refunds")
    op.drop_index(op.f("ix_disputes_transaction_id"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_customer_id"), table_name="disputes")

    op.drop_table("disputes")
    op.drop_index("ix_transactions_customer_created", table_name="transactions")

    op.drop_table("transactions")
    op.drop_index(op.f("ix_reset_tokens_customer_id"), table_name="reset_tokens")

    op.drop_table("reset_tokens")
    op.drop_index("ix_outbox_customer_created", table_name="outbox_messages")

    op.drop_table("outbox_messages")
    op.drop_index(op.f("ix_wechat_bindings_customer_id"), table_name="wechat_bindings")

    op.drop_table("wechat_bindings")
    op.drop_index("ix_challenges_customer_created", table_name="verification_challenges")

    op.drop_table("verification_challenges")
    op.drop_index(op.f("ix_payment_methods_customer_id"), table_name="payment_methods")

    op.drop_table("payment_methods")
    op.drop_table("merchants")
    op.drop_table("customers")
