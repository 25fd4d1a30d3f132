"""users: the staff record a user is (warehouse users.user_id), their row-level scope and
whether they may see personal data (phones, e-mail addresses) unmasked

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("staff_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("scope", sa.String(10), nullable=True))
        batch.add_column(sa.Column("pii", sa.Boolean, nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("pii")
        batch.drop_column("scope")
        batch.drop_column("staff_id")
