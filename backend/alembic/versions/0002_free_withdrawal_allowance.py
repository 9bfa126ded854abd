"""The fee-free withdrawal allowance a customer has used (service_kit/policy.yml: fees).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite adds a CHECK constraint only by rebuilding the table (render_as_batch)
    with op.batch_alter_table("customers") as batch:
        # existing customers have used none of it
        batch.add_column(
            sa.Column(
                "free_withdrawal_used_fen", sa.BigInteger(), nullable=False, server_default="0"
            )
        )
        batch.create_check_constraint(
            op.f("ck_customers_free_withdrawal_used_non_negative"), "free_withdrawal_used_fen >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint(op.f("ck_customers_free_withdrawal_used_non_negative"), type_="check")
        batch.drop_column("free_withdrawal_used_fen")
