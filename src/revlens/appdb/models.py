"""App database models: users and their sessions, log-in attempts and the audit log; import
batches, sources and the definitions later features add."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person who logs in. Passwords are stored as argon2 hashes only."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(40), default="analyst")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the staff record this user is (warehouse users.user_id): whose records are "own"
    staff_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # own | team | all; empty = the role's default (revlens.metrics.scope.DEFAULT_LEVEL)
    scope: Mapped[str | None] = mapped_column(String(10), nullable=True)
    # may see phones, e-mail addresses and WeChat ids unmasked
    pii: Mapped[bool] = mapped_column(Boolean, default=False)
    # the UI language the user chose (zh-CN | en); empty = the workspace's default
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                                 nullable=True)


class WebSession(Base):
    """A log-in to the web app. The browser holds a random token in the `revlens_session`
    cookie; only its SHA-256 is stored. A session ends when it is revoked (log-out, password
    change, deactivation), when it has been idle too long (`last_seen_at`) or at `expires_at`
    (its absolute lifetime), whichever comes first."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginAttempt(Base):
    """One log-in attempt, successful or not: what the lock-out counts."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    ip: Mapped[str] = mapped_column(String(64), default="")
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEntry(Base):
    """Who did what to whom, when and from where: log-ins, log-outs, user and permission
    changes (with the values before and after), password changes and exports."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100), default="", index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


# The counts every import batch records; rows_read == inserted + updated + unchanged + rejected.
COUNT_FIELDS = ("rows_read", "inserted", "updated", "unchanged", "rejected", "warnings")


class ImportBatch(Base):
    """One run of an import: its source, its counts, and how it ended.

    status: running -> completed | failed | interrupted (the process died before committing;
    nothing was written).
    """

    __tablename__ = "import_batches"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    entity: Mapped[str] = mapped_column(String(60), index=True)
    source_name: Mapped[str] = mapped_column(String(500))
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    source_format: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    options: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    user: Mapped[str] = mapped_column(String(100), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Source(Base):
    """A tracking or form source: where events come from, and the write key they carry.

    Only the key's SHA-256 (for lookup) and its first characters (to tell keys apart) are
    stored; the key itself is shown once, when the source is created. A revoked source keeps
    its row (its events keep their provenance) but its key is refused.
    """

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="tracking")  # tracking | form
    key_prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mapping: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # form field -> column
    options: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    rate_limit: Mapped[int] = mapped_column(Integer, default=10_000)  # events per second
    burst: Mapped[int] = mapped_column(Integer, default=20_000)       # events at once
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConditionDefinition:
    """A named condition (`revlens.cdp.conditions.Condition` as JSON) on people or accounts:
    the columns tag rules and segments share."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    level: Mapped[str] = mapped_column(String(10), default="person")   # person | account
    description: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TagRule(ConditionDefinition, Base):
    """A rule-defined tag: the people or accounts satisfying it carry the tag after each
    refresh."""

    __tablename__ = "tag_rules"

    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ManualTag(Base):
    """A tag a person put on one person or account by hand."""

    __tablename__ = "manual_tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), index=True)
    level: Mapped[str] = mapped_column(String(10), default="person")
    subject_id: Mapped[str] = mapped_column(String(100), index=True)
    added_by: Mapped[str] = mapped_column(String(100), default="")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Segment(ConditionDefinition, Base):
    """A saved segment: the people or accounts satisfying its condition; its members are
    written by refresh."""

    __tablename__ = "segments"

    shared: Mapped[bool] = mapped_column(Boolean, default=True)


class Consent(Base):
    """A person's consent, or its withdrawal, for one channel of contact (PIPL, GDPR)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(20))     # email | sms | phone | wechat | all
    status: Mapped[str] = mapped_column(String(20))      # granted | withdrawn | unsubscribed
    source: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PrivacyRequest(Base):
    """A carried-out privacy request. The person is kept only as a SHA-256 of their person id,
    with what was removed."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))         # erase
    subject_hash: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchDecision(Base):
    """A person's decision on one lead → account match: confirmed or rejected."""

    __tablename__ = "match_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(100), index=True)
    account_id: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(20))        # confirmed | rejected
    decided_by: Mapped[str] = mapped_column(String(100), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DashboardRecord(Base):
    """A dashboard a user saved from the report designer: its spec
    (`revlens.dashboards.spec.Dashboard` as JSON), its owner and whether others see it."""

    __tablename__ = "dashboards"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    owner: Mapped[str] = mapped_column(String(100), index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    spec: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
