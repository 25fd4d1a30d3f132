"""A small CRM on the real PostgreSQL and MariaDB servers of the machine, one throw-away
database per test, and a sources file that reads it.

The CRM (its own names, as a CRM has them): `crm_account(id, company, sector, created,
modified)` and `crm_person(id, account, full_name, mail, mobile, created, modified)`, with
`modified` the last-change time, written without an offset (the CRM's local time,
Asia/Shanghai). The queries rename the columns to the contract's names.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"
URL_ENV = "CRM_TEST_URL"

SCHEMA = [
    """CREATE TABLE crm_account (id VARCHAR(20) PRIMARY KEY, company VARCHAR(200) NOT NULL,
       sector VARCHAR(50), created TIMESTAMP NOT NULL, modified TIMESTAMP NOT NULL)""",
    """CREATE TABLE crm_person (id VARCHAR(20) PRIMARY KEY, account VARCHAR(20),
       full_name VARCHAR(100), mail VARCHAR(200), mobile VARCHAR(40), created TIMESTAMP NOT NULL,
       modified TIMESTAMP NOT NULL)""",
]
ACCOUNTS = [
    ("A1", "星辰科技有限公司", "制造业", "2026-01-05 09:00:00", "2026-03-01 10:00:00"),
    ("A2", "Acme Robotics", "Manufacturing", "2026-01-06 09:00:00", "2026-03-01 10:00:00"),
    ("A3", "云杉软件", "软件", "2026-02-01 14:30:00", "2026-03-02 08:15:00"),
]
PEOPLE = [
    ("P1", "A1", "王芳", "Wang.Fang@Example.cn", "139 1234 5678", "2026-01-10 10:00:00",
     "2026-03-01 11:00:00"),
    ("P2", "A2", "John Smith", "john@acme.example", "+1 415 555 0100", "2026-01-11 10:00:00",
     "2026-03-01 11:00:00"),
    ("P3", "A3", "李雷", "not-an-email", "13800001111", "2026-02-02 10:00:00",
     "2026-03-02 09:00:00"),
]
SOURCES = f"""
[sources.crm]
url_env = "{URL_ENV}"
schedule = "*/15 * * * *"
updated_at = "modified"

[sources.crm.entities.accounts]
query = "SELECT id AS account_id, company AS name, sector AS industry, created AS created_at, modified FROM crm_account"

[sources.crm.entities.contacts]
query = \"\"\"
SELECT id AS contact_id, account AS account_id, full_name AS name, mail AS email,
       mobile AS phone, created AS created_at, modified
FROM crm_person
\"\"\"
"""  # noqa: E501


@dataclass
class Crm:
    kind: str          # postgresql or mariadb
    url: str           # the SQLAlchemy URL of its database
    engine: sa.Engine

    def execute(self, statement: str, **params: object) -> None:
        with self.engine.begin() as con:
            con.execute(sa.text(statement), params)

    def add_account(self, row: tuple) -> None:
        self.execute("INSERT INTO crm_account VALUES (:id, :company, :sector, :created, "
                     ":modified)", **dict(zip(("id", "company", "sector", "created",
                                               "modified"), row, strict=True)))

    def add_person(self, row: tuple) -> None:
        self.execute("INSERT INTO crm_person VALUES (:id, :account, :full_name, :mail, :mobile, "
                     ":created, :modified)",
                     **dict(zip(("id", "account", "full_name", "mail", "mobile", "created",
                                 "modified"), row, strict=True)))


def _database(kind: str) -> Iterator[str]:
    name = f"revlens_crm_{secrets.token_hex(4)}"
    admin_url = PG_ADMIN if kind == "postgresql" else MARIADB_ADMIN
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as con:
            con.execute(sa.text(f"CREATE DATABASE {name}"))  # a generated name, not input
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"{kind} is required in CI: {exc}")
        pytest.skip(f"{kind} is not reachable: {exc}")
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as con:
            force = " WITH (FORCE)" if kind == "postgresql" else ""
            con.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


@pytest.fixture(params=["postgresql", "mariadb"])
def crm(request, monkeypatch) -> Iterator[Crm]:
    """The CRM with ACCOUNTS and PEOPLE, and CRM_TEST_URL naming it."""
    for url in _database(request.param):
        engine = sa.create_engine(url)
        crm = Crm(request.param, url, engine)
        for statement in SCHEMA:
            crm.execute(statement)
        for row in ACCOUNTS:
            crm.add_account(row)
        for row in PEOPLE:
            crm.add_person(row)
        scheme = "postgresql" if request.param == "postgresql" else "mysql"
        monkeypatch.setenv(URL_ENV, scheme + "://" + url.split("://", 1)[1])
        yield crm
        engine.dispose()


@pytest.fixture
def app_db_url():
    """Sync reads a CRM; the app database stays on the workspace's own SQLite."""
    return None


@pytest.fixture
def sources_file(workspace_dir) -> Path:
    path = Path(workspace_dir) / "sources.toml"
    path.write_text(SOURCES, encoding="utf-8")
    return path
