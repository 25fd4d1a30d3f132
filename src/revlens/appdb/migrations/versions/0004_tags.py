"""tag rules, manual tags and segments

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "tag_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("level", sa.String(10), nullable=False, server_default="person"),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("condition", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "manual_tags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tag", sa.String(100), nullable=False, index=True),
        sa.Column("level", sa.String(10), nullable=False, server_default="person"),
        sa.Column("subject_id", sa.String(100), nullable=False, index=True),
        sa.Column("added_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )


    op.create_table(
        "segments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("level", sa.String(10), nullable=False, server_default="person"),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("condition", sa.JSON, nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("segments")
    op.drop_table("manual_tags")
    op.drop_table("tag_rules")
