"""People: contacts at accounts and prospects who only ever appear as leads.

Each row is one real person (the hidden truth of identity resolution). A person's identifiers
(e-mail, phone, WeChat ids, cookie) are unique to them; the same person shows up under several
records (a contact, one or more leads, touchpoints), with phones written in differing formats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from revlens.demo import identities as ident
from revlens.demo import vocab_people as vp
from revlens.demo.timeline import DAY, END_TS


def _layout(rng: np.random.Generator, pool: pd.DataFrame, accounts: pd.DataFrame,
            n_prospects: int) -> pd.DataFrame:
    """One row per person: which company, contact or prospect, primary contact or not."""
    emp = accounts["employee_count"].to_numpy()
    per_account = 1 + rng.poisson(1.1 + 0.3 * np.log10(emp))
    acc_idx = np.repeat(np.arange(len(accounts)), per_account)
    first = np.r_[True, acc_idx[1:] != acc_idx[:-1]]
    prospect_rows = np.flatnonzero(~pool["is_account"].to_numpy())
    company = rng.choice(prospect_rows, size=n_prospects)
    pool_of_account = np.flatnonzero(pool["is_account"].to_numpy())
    people = pd.DataFrame({
        "account_idx": np.r_[acc_idx, np.full(n_prospects, -1)],
        "company_idx": np.r_[pool_of_account[acc_idx], company],
        "is_primary": np.r_[first, np.zeros(n_prospects, dtype=bool)],
    })
    people["is_contact"] = people["account_idx"] >= 0
    for col in ("name", "short_name", "domain", "industry", "province", "city", "is_intl"):
        people["company" if col == "name" else col] = pool[col].to_numpy()[people["company_idx"]]
    return people


def _names_and_emails(rng: np.random.Generator, people: pd.DataFrame) -> None:
    n = len(people)
    intl = people["is_intl"].to_numpy(dtype=bool)
    english = intl & (rng.random(n) < 0.85)
    zh = ident.chinese_names(rng, n)
    en = ident.english_names(rng, n)
    mask = pa.array(english)
    name, surname, given = (pc.if_else(mask, e, z) for e, z in zip(en, zh, strict=True))
    people["name"] = ident.obj(name)
    people["english"] = english
    contact = people["is_contact"].to_numpy()
    kind = np.where(contact, ident.pick(rng, n, [0.82, 0.13, 0.05]),
                    ident.pick(rng, n, [0.58, 0.34, 0.08]))  # 0 work, 1 free, 2 none
    kind[people["is_primary"].to_numpy()] = 0
    work = ident.work_local_parts(rng, surname, given, english)
    free_local, free_domain = ident.free_mail(rng, surname, given, english)
    is_free = pa.array(kind == 1)
    local = pc.if_else(is_free, free_local, work)
    domain = pc.if_else(is_free, free_domain, pa.array(people["domain"], pa.string()))
    email = ident.obj(ident.dedupe_local_parts(local, domain))
    email[kind == 2] = None
    people["email"] = email
    people["free_mail"] = kind == 1


def _phones(rng: np.random.Generator, people: pd.DataFrame) -> None:
    n = len(people)
    intl = people["is_intl"].to_numpy(dtype=bool)
    has = rng.random(n) < np.where(people["is_contact"], 0.78, 0.85)
    has |= people["is_primary"].to_numpy() | people["email"].isna().to_numpy()
    mobile = ident.cn_mobiles(rng, n)
    e164 = ident.obj(ident.cat("+86", pc.cast(pa.array(mobile), pa.string())))
    shown = ident.obj(ident.cn_phone_formats(mobile, rng.integers(0, 7, n)))
    rows = np.flatnonzero(intl)
    if len(rows):
        ie, ishown = ident.intl_phones(rng, len(rows))
        e164[rows] = ident.obj(ie)
        shown[rows] = ident.obj(ishown)
        mobile[rows] = 0
    e164[~has] = None
    shown[~has] = None
    people["phone_e164"] = e164
    people["phone"] = shown
    people["mobile"] = np.where(has, mobile, 0)


def _wechat(rng: np.random.Generator, people: pd.DataFrame) -> None:
    n = len(people)
    cn = ~people["english"].to_numpy(dtype=bool)
    has_union = cn & (rng.random(n) < 0.38)
    has_open = has_union | (cn & (rng.random(n) < 0.12))
    union = ident.obj(ident.wechat_ids(rng, n))
    openid = ident.obj(ident.wechat_ids(rng, n))
    union[~has_union] = None
    openid[~has_open] = None
    people["wechat_unionid"] = union
    people["wechat_openid"] = openid


def _roles(rng: np.random.Generator, people: pd.DataFrame) -> None:
    n = len(people)
    english = people["english"].to_numpy(dtype=bool)
    zh = rng.integers(0, len(vp.TITLES_ZH), n)
    en = rng.integers(0, len(vp.TITLES_EN), n)
    people["title"] = np.where(english, np.array([t for t, _, _ in vp.TITLES_EN])[en],
                               np.array([t for t, _, _ in vp.TITLES_ZH])[zh]).astype(object)
    people["department"] = np.where(english, np.array([d for _, d, _ in vp.TITLES_EN])[en],
                                    np.array([d for _, d, _ in vp.TITLES_ZH])[zh]).astype(object)
    people["is_decision_maker"] = np.where(english, np.array([m for *_, m in vp.TITLES_EN])[en],
                                           np.array([m for *_, m in vp.TITLES_ZH])[zh])


def build_people(rng: np.random.Generator, pool: pd.DataFrame, accounts: pd.DataFrame,
                 n_prospects: int) -> pd.DataFrame:
    """All persons; contacts first (grouped by account), then prospects."""
    people = _layout(rng, pool, accounts, n_prospects)
    _names_and_emails(rng, people)
    _phones(rng, people)
    _wechat(rng, people)
    _roles(rng, people)
    contact = people["is_contact"].to_numpy()
    n_contacts = int(contact.sum())
    ids = np.full(len(people), None, dtype=object)
    ids[:n_contacts] = [f"C{i:07d}" for i in range(1, n_contacts + 1)]
    people["contact_id"] = ids
    acc_created = accounts["created_at"].to_numpy()[np.maximum(people["account_idx"], 0)]
    lag = (rng.exponential(45, len(people)) * DAY).astype(np.int64)
    lag[people["is_primary"].to_numpy()] //= 10
    people["contact_created_at"] = np.where(contact, np.minimum(acc_created + lag, END_TS), -1)
    people["visitor_id"] = np.arange(len(people), dtype=np.int64)
    return people


def random_contact(rng: np.random.Generator, people: pd.DataFrame,
                    account_idx: np.ndarray, primary_share: float) -> np.ndarray:
    """A contact (person row) at each account; the primary one with ``primary_share``."""
    acc_of = people["account_idx"].to_numpy()
    n_contacts = int((acc_of >= 0).sum())
    first = np.searchsorted(acc_of[:n_contacts], account_idx, side="left")
    count = np.searchsorted(acc_of[:n_contacts], account_idx, side="right") - first
    pick = first + (rng.random(len(account_idx)) * count).astype(np.int64)
    return np.where(rng.random(len(account_idx)) < primary_share, first, pick)


def contacts_columns(people: pd.DataFrame, accounts: pd.DataFrame) -> dict[str, object]:
    c = people[people["is_contact"]]
    return {
        "contact_id": c["contact_id"], "account_id": accounts["account_id"].to_numpy()[
            c["account_idx"].to_numpy()],
        "name": c["name"], "email": c["email"], "phone": c["phone"],
        "wechat_unionid": c["wechat_unionid"], "title": c["title"],
        "department": c["department"], "created_at": c["contact_created_at"],
        "is_decision_maker": c["is_decision_maker"],
    }
