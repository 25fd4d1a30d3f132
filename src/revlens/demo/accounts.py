"""Companies: the CRM's accounts and the prospect companies that only appear on leads.

Chinese names are built as city + two-character brand + industry word + legal form
(``北京星帆科技有限公司``); English ones as brand + industry word + local suffix
(``Northwind Analytics Pte. Ltd.``). Every company gets a distinct domain, so e-mail domains
identify companies unambiguously.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from revlens.demo import identities as ident
from revlens.demo import vocab_business as vb
from revlens.demo.org import Org
from revlens.demo.timeline import DAY, START_DAY, sample_times

INTL_SHARE_ACCOUNTS = 0.12
INTL_SHARE_PROSPECTS = 0.08


def _pick_unique(rng: np.random.Generator, groups: np.ndarray, space: int) -> np.ndarray:
    """For each row, a code in [0, space) unique within its group."""
    out = np.empty(len(groups), dtype=np.int64)
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        if len(rows) > space:
            raise ValueError(f"company name space exhausted ({len(rows)} > {space})")
        out[rows] = rng.choice(space, size=len(rows), replace=False)
    return out


def _chinese_companies(rng: np.random.Generator, n: int) -> pd.DataFrame:
    city = ident.pick(rng, n, [c[4] for c in vb.CN_CITIES])
    n1, n2, nw = len(vb.BRAND_FIRST), len(vb.BRAND_SECOND), len(vb.CN_INDUSTRY_WORDS)
    code = _pick_unique(rng, city, n1 * n2 * nw)
    b1, rest = code // (n2 * nw), code % (n2 * nw)
    b2, word = rest // nw, rest % nw
    form = ident.pick(rng, n, [w for _, w in vb.CN_LEGAL_FORMS])
    tld = ident.pick(rng, n, [w for _, w in vb.CN_TLDS])
    brand = ident.cat(ident.take([c for c, _ in vb.BRAND_FIRST], b1),
                      ident.take([c for c, _ in vb.BRAND_SECOND], b2))
    brand_py = ident.cat(ident.take([p for _, p in vb.BRAND_FIRST], b1),
                         ident.take([p for _, p in vb.BRAND_SECOND], b2))
    short = ident.cat(brand, ident.take([w for w, _, _ in vb.CN_INDUSTRY_WORDS], word))
    cities = ident.take([c[0] for c in vb.CN_CITIES], city)
    domain = ident.cat(ident.take([c[2] for c in vb.CN_CITIES], city), brand_py,
                       ident.take([c for _, c, _ in vb.CN_INDUSTRY_WORDS], word), ".",
                       ident.take([t for t, _ in vb.CN_TLDS], tld))
    columns = {
        "name": ident.cat(cities, short, ident.take([f for f, _ in vb.CN_LEGAL_FORMS], form)),
        "short_name": short, "domain": domain,
        "industry": ident.take([i for _, _, i in vb.CN_INDUSTRY_WORDS], word),
        "province": ident.take([c[1] for c in vb.CN_CITIES], city), "city": cities,
        "region": ident.take([c[3] for c in vb.CN_CITIES], city),
    }
    df = pd.DataFrame({k: ident.obj(v) for k, v in columns.items()})
    df["is_intl"] = False
    df["legal_form"] = form
    return df


def _english_companies(rng: np.random.Generator, n: int) -> pd.DataFrame:
    n1, n2, nw = len(vb.EN_BRAND_FIRST), len(vb.EN_BRAND_SECOND), len(vb.EN_INDUSTRY_WORDS)
    code = _pick_unique(rng, np.zeros(n, dtype=np.int64), n1 * n2 * nw)
    b1, rest = code // (n2 * nw), code % (n2 * nw)
    b2, word = rest // nw, rest % nw
    city = ident.pick(rng, n, [c[3] for c in vb.INTL_CITIES])
    tld = ident.pick(rng, n, [w for _, w in vb.EN_TLDS])
    brand = ident.cat(ident.take(vb.EN_BRAND_FIRST, b1), ident.take(vb.EN_BRAND_SECOND, b2))
    words = ident.take([w for w, _ in vb.EN_INDUSTRY_WORDS], word)
    short = ident.cat(brand, " ", words)
    domain = ident.cat(pa.compute.utf8_lower(brand), pa.compute.utf8_lower(words), ".",
                       ident.take([t for t, _ in vb.EN_TLDS], tld))
    columns = {
        "name": ident.cat(short, " ", ident.take([c[2] for c in vb.INTL_CITIES], city)),
        "short_name": short, "domain": domain,
        "industry": ident.take([i for _, i in vb.EN_INDUSTRY_WORDS], word),
        "city": ident.take([c[0] for c in vb.INTL_CITIES], city),
    }
    df = pd.DataFrame({k: ident.obj(v) for k, v in columns.items()})
    df["province"] = None
    df["region"] = "海外"
    df["is_intl"] = True
    df["legal_form"] = -1
    return df


def company_pool(rng: np.random.Generator, n_accounts: int, n_prospects: int) -> pd.DataFrame:
    """Distinct companies: the first ``n_accounts`` rows are CRM accounts, the rest prospects."""
    n_en_acc = round(n_accounts * INTL_SHARE_ACCOUNTS)
    n_en_pro = round(n_prospects * INTL_SHARE_PROSPECTS)
    cn = _chinese_companies(rng, n_accounts + n_prospects - n_en_acc - n_en_pro)
    en = _english_companies(rng, n_en_acc + n_en_pro)
    n_cn_acc = n_accounts - n_en_acc
    accounts = pd.concat([cn.iloc[:n_cn_acc], en.iloc[:n_en_acc]], ignore_index=True)
    accounts = accounts.sample(frac=1.0, random_state=rng.integers(2**31)).reset_index(drop=True)
    prospects = pd.concat([cn.iloc[n_cn_acc:], en.iloc[n_en_acc:]], ignore_index=True)
    prospects["is_account"] = False
    accounts["is_account"] = True
    return pd.concat([accounts, prospects], ignore_index=True)


def _firmographics(rng: np.random.Generator, acc: pd.DataFrame) -> None:
    n = len(acc)
    emp = np.clip(np.round(np.exp(rng.normal(np.log(320), 1.25, n))), 8, 180_000)
    acc["employee_count"] = emp
    revenue = emp * 9.0e7 * np.exp(rng.normal(0, 0.55, n))  # cents, ~0.9M CNY per employee
    acc["annual_revenue"] = np.where(rng.random(n) < 0.12, np.nan, np.round(revenue, -6))
    p_listed = np.clip(0.02 + 0.38 * (np.log10(emp) - 2) / 2.7, 0.01, 0.6)
    acc["is_listed"] = rng.random(n) < p_listed
    cn = ~acc["is_intl"].to_numpy()
    fit = acc["industry"].isin(vb.SPECIALISED_INDUSTRIES).to_numpy() & (emp >= 50) & (emp <= 4000)
    acc["is_specialized"] = cn & (rng.random(n) < np.where(fit, 0.36, 0.03))
    acc["is_target"] = rng.random(n) < np.clip(0.18 + 0.08 * np.log10(emp), 0.2, 0.6)
    # Listed Chinese companies are joint-stock (股份有限公司).
    listed_cn = cn & acc["is_listed"].to_numpy()
    acc.loc[listed_cn, "name"] = acc.loc[listed_cn, "name"].str.replace(
        r"(集团)?有限公司$", "股份有限公司", regex=True).str.replace("股份股份", "股份")


def build_accounts(rng: np.random.Generator, pool: pd.DataFrame, org: Org) -> pd.DataFrame:
    """Accounts with firmographics, owner and creation time (a legacy import at the start)."""
    acc = pool[pool["is_account"]].reset_index(drop=True).copy()
    n = len(acc)
    acc["account_id"] = [f"A{i:07d}" for i in range(1, n + 1)]
    _firmographics(rng, acc)
    owners = np.empty(n, dtype=object)
    for region, reps in org.reps_by_region.items():
        rows = np.flatnonzero(acc["region"].to_numpy() == region)
        owners[rows] = rng.choice(reps, size=len(rows))
    owners[rng.random(n) < 0.03] = None
    acc["owner_id"] = owners
    legacy = rng.random(n) < 0.3
    created = sample_times(rng, n, "office")
    legacy_ts = (START_DAY + rng.integers(0, 5, n)) * DAY + rng.integers(9 * 3600, 18 * 3600, n)
    acc["created_at"] = np.where(legacy, legacy_ts, created)
    alphabet = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
    body = ident.bytes_to_str(alphabet[rng.integers(0, len(alphabet), size=(n, 16))])
    acc["unified_social_credit_code"] = pa.compute.if_else(
        pa.array(acc["is_intl"].to_numpy()), pa.scalar(None, pa.string()),
        ident.cat("91", body)).to_numpy(zero_copy_only=False)
    return acc


def accounts_columns(acc: pd.DataFrame) -> dict[str, object]:
    cols = ["account_id", "name", "domain", "industry", "employee_count", "annual_revenue",
            "province", "city", "is_listed", "is_specialized", "is_target", "owner_id",
            "created_at", "unified_social_credit_code"]
    return {c: acc[c] for c in cols}
