"""Sources and their write keys, in the app database.

A write key is `rlk_` + 32 random URL-safe characters (192 bits). Only its SHA-256 is stored
(a key of that entropy needs no slow hash: nobody can guess one from its digest) together with
its first 12 characters, which `revlens sources list` shows to tell keys apart.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from revlens.appdb import AppDB
from revlens.appdb.models import Source
from revlens.errors import RevLensError
from revlens.tracking.exceptions import BadMapping, SourceExists, UnknownSource

KINDS = ("tracking", "form")
KEY_PREFIX = "rlk_"
SHOWN_PREFIX = 12
DEFAULT_RATE_LIMIT = 10_000  # events per second per key
DEFAULT_BURST = 20_000       # events a key may send at once after being idle


@dataclass(frozen=True)
class SourceInfo:
    """A source as the request path and the CLI see it (never the key)."""

    id: int
    name: str
    kind: str
    key_prefix: str
    mapping: dict[str, str] | None
    options: dict
    rate_limit: int
    burst: int
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def of(cls, row: Source) -> SourceInfo:
        return cls(row.id, row.name, row.kind, row.key_prefix, row.mapping, row.options or {},
                   row.rate_limit, row.burst, row.created_at, row.revoked_at)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def create_source(db: AppDB, name: str, kind: str = "tracking",
                  mapping: dict[str, str] | None = None, rate_limit: int = DEFAULT_RATE_LIMIT,
                  burst: int = DEFAULT_BURST, user_id_as: str = "contact_id",
                  created_by: str = "") -> tuple[SourceInfo, str]:
    """A new source and its write key (returned once, never stored)."""
    name = name.strip()
    if not name or len(name) > 100 or "/" in name:
        raise RevLensError(f"a source name needs 1-100 characters and no '/': {name!r}")
    if kind not in KINDS:
        raise RevLensError(f"unknown source kind {kind!r}; choose one of: {', '.join(KINDS)}")
    if mapping is not None and kind != "form":
        raise RevLensError("--mapping is for form sources (--kind form)")
    if rate_limit < 1 or burst < 1:
        raise RevLensError("--rate-limit and --burst must be at least 1")
    if user_id_as not in USER_ID_COLUMNS:
        raise RevLensError(f"--user-id-as must be one of: {', '.join(USER_ID_COLUMNS)}")
    if mapping is not None:
        check_mapping(name, mapping)
    key = new_key()
    with db.session() as s:
        if s.scalar(select(Source).where(Source.name == name)):
            raise SourceExists(name)
        row = Source(name=name, kind=kind, key_prefix=key[:SHOWN_PREFIX],
                     key_hash=key_digest(key), mapping=mapping,
                     options={"user_id_as": user_id_as}, rate_limit=rate_limit, burst=burst,
                     created_by=created_by)
        s.add(row)
        s.flush()
        info = SourceInfo.of(row)
    return info, key


# The touchpoint column a Segment userId is stored in (it is your own id of a known person).
USER_ID_COLUMNS = ("contact_id", "lead_id")


def sources(db: AppDB) -> list[SourceInfo]:
    with db.session() as s:
        return [SourceInfo.of(r) for r in s.scalars(select(Source).order_by(Source.id))]


def source_by_name(db: AppDB, name: str) -> SourceInfo:
    with db.session() as s:
        row = s.scalar(select(Source).where(Source.name == name))
        if row is None:
            raise UnknownSource(name, list(s.scalars(select(Source.name).order_by(Source.id))))
        return SourceInfo.of(row)


def source_by_key(db: AppDB, key: str) -> SourceInfo | None:
    """The active source whose write key this is, else None (unknown or revoked)."""
    if not key.startswith(KEY_PREFIX):
        return None
    with db.session() as s:
        row = s.scalar(select(Source).where(Source.key_hash == key_digest(key)))
        if row is None or row.revoked_at is not None:
            return None
        return SourceInfo.of(row)


def revoke_source(db: AppDB, name: str) -> SourceInfo:
    """Refuse the source's key from now on (idempotent: revoking twice keeps the first time)."""
    source_by_name(db, name)  # UnknownSource with the list of names
    with db.session() as s:
        row = s.scalar(select(Source).where(Source.name == name))
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        s.flush()
        return SourceInfo.of(row)


def load_mapping_file(path: Path) -> dict[str, str]:
    """A form field mapping: TOML or JSON, `form field = "contract column"` (leads columns)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadMapping(str(path), f"cannot read the mapping file: {exc.strerror}") from None
    try:
        data = json.loads(text) if Path(path).suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise BadMapping(str(path), f"not valid {'JSON' if str(path).endswith('.json') else 'TOML'}"
                                    f": {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise BadMapping(str(path), 'a mapping holds lines `form field = "lead column"`, e.g. '
                                    '`"your-email" = "email"`')
    check_mapping(str(path), data)
    return data


def check_mapping(where: str, mapping: dict[str, str]) -> None:
    from revlens.tracking.forms import mapping_targets

    columns = mapping_targets()
    wrong = sorted({v for v in mapping.values() if v not in columns})
    if wrong:
        raise BadMapping(where, f"{', '.join(map(repr, wrong))} is not a lead column or a form "
                                f"field RevLens knows; use one of: {', '.join(columns)}")
