"""users and import batches

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(40), nullable=False, server_default="analyst"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "import_batches",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("entity", sa.String(60), nullable=False, index=True),
        sa.Column("source_name", sa.String(500), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("source_format", sa.String(20), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        *[sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in
          ("rows_read", "inserted", "updated", "unchanged", "rejected", "warnings")],
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("options", sa.JSON, nullable=True),
        sa.Column("user", sa.String(100), nullable=False, server_default=""),
        sa.Column("pid", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("import_batches")
    op.drop_table("users")
