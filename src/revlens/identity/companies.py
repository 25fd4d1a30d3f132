"""Which account a lead belongs to when its CRM record names none.

Leads carry a free-text company name and an e-mail address; accounts a registered name and a
website domain. A lead without an `account_id` is matched to an account deterministically:

1. **name**: the lead's company and the account's name, normalised (`normalise_company`), are
   equal, and the lead's province is the account's (when both are known: the same brand in
   another province is another company);
2. **e-mail domain**: the domain of the lead's e-mail (free-mail domains such as qq.com,
   163.com or gmail.com excluded) is the account's website domain.

A match is *certain* when the methods that apply agree on exactly one account and nothing
speaks against it: the lead's region (province, city, or the region its company name starts
with) is the account's, its company e-mail domain is the account's website, its company name
is the account's. Otherwise — candidates of several accounts, or evidence against — the
candidates are kept as *uncertain* for review: `revlens identity review` lists them and a
person confirms or rejects one; decisions (app database `match_decisions`) persist across
runs — a rejected pair is never matched, a confirmed one always is. The refresh step writes
`account_matches(lead_id, account_id, method, status)`; OneID's person → account
(`person_accounts`) uses the certain and confirmed matches where the records name no
account.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import ibis
import pandas as pd
import pyarrow as pa
from sqlalchemy import select

from revlens.appdb import AppDB
from revlens.appdb.models import MatchDecision
from revlens.identity.company_linkage import (
    LEAD_COLUMNS,
    name_variants,
    phone_prefix,
    score_pairs,
)
from revlens.warehouse import Warehouse, refresh_step

MATCHES_TABLE = "account_matches"
FREE_MAIL = frozenset({
    "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn",
    "sohu.com", "139.com", "189.cn", "aliyun.com", "outlook.com", "hotmail.com", "live.com",
    "gmail.com", "yahoo.com", "icloud.com", "me.com", "msn.com", "protonmail.com",
})
_SUFFIXES = sorted([
    "集团股份有限公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "分公司",
    "集团", "公司", "co ltd", "co., ltd", "co.,ltd", "company limited", "limited", "ltd",
    "inc", "incorporated", "corporation", "corp", "llc", "gmbh", "pte", "pty", "plc", "co",
    "ag", "sa", "bv", "kk",
], key=len, reverse=True)
_REGIONS = sorted([
    "北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "西安", "厦门", "沈阳",
    "东莞", "无锡", "宁波", "青岛", "大连", "长沙", "郑州", "合肥", "济南", "福州", "昆明",
    "佛山", "珠海", "常州", "南通", "温州", "嘉兴", "绍兴", "烟台", "石家庄", "哈尔滨", "长春",
    "太原", "南昌", "南宁", "贵阳", "兰州", "海口", "呼和浩特", "乌鲁木齐", "中山", "惠州",
], key=len, reverse=True)
_BRACKETS = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_NOISE = re.compile(r"[\s.,，。·&'\"‘’“”\-_/]+")


def normalise_company(name: str | None) -> str | None:
    """A company name as it is compared: full-width characters folded, brackets (usually a
    region: (北京)) removed, legal forms (有限公司, 股份有限公司, 集团, Co., Ltd., Inc. ...) and a
    leading province or city (北京, 深圳市 ...) stripped, case and punctuation dropped.
    None when nothing distinctive is left."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", name).lower().strip()
    text = _BRACKETS.sub(" ", text)
    changed = True
    while changed:
        changed = False
        stripped = _NOISE.sub(" ", text).strip()
        for suffix in _SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                cut = stripped[: -len(suffix)].rstrip()
                if suffix.isascii() and cut and cut[-1].isalnum() and \
                        not stripped[-len(suffix) - 1:-len(suffix)].isspace():
                    continue            # "...corp" inside a word: not a legal form
                text, changed = cut, True
                break
        else:
            text = stripped
    for region in _REGIONS:
        for form in (region + "市", region + "省", region):
            if text.startswith(form) and len(text) - len(form) >= 2:
                text = text[len(form):]
                break
        else:
            continue
        break
    text = _NOISE.sub("", text)
    return text or None


def company_region(name: str | None) -> str | None:
    """The province or city a company name starts with (上海华润... -> 上海), if any."""
    if not name:
        return None
    text = unicodedata.normalize("NFKC", name).strip()
    return next((r for r in _REGIONS if text.startswith(r)), None)


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return None if domain in FREE_MAIL else domain or None


def website_domain(domain: str | None) -> str | None:
    if not domain:
        return None
    text = domain.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0]
    return text.removeprefix("www.") or None


def decisions(appdb: AppDB | None) -> dict[tuple[str, str], str]:
    if appdb is None:
        return {}
    with appdb.session() as s:
        return {(d.lead_id, d.account_id): d.decision
                for d in s.scalars(select(MatchDecision))}


def decide(appdb: AppDB, lead_id: str, account_id: str, decision: str, user: str = "") -> None:
    """Confirm or reject one lead → account match (kept across runs)."""
    with appdb.session() as s:
        row = s.scalar(select(MatchDecision).where(MatchDecision.lead_id == lead_id,
                                                   MatchDecision.account_id == account_id))
        if row is None:
            row = MatchDecision(lead_id=lead_id, account_id=account_id)
            s.add(row)
        row.decision, row.decided_by, row.decided_at = decision, user, datetime.now(UTC)


def match_inputs(wh: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every lead and account as the matching compares them: normalised name (`key`),
    company e-mail or website domain (`site`), place (`province`, `city`, filled in from the
    city or the region a company name starts with), phone prefix (an account's: the one its
    contacts' and own leads' phones share most), and `name_places`: at how many places the
    name is seen (accounts, leads, company names; a province counts only when none of the
    name's cities lies in it)."""
    leads, accounts, contacts = wh.table("leads"), wh.table("accounts"), wh.table("contacts")
    lead_rows = wh.execute(leads.select("lead_id", "company", "email", "phone", "account_id",
                                        lead_province="province", lead_city="city"))
    account_rows = wh.execute(accounts.select("account_id", "name", "domain", "province",
                                              "city"))
    phones = pd.concat([wh.execute(contacts.filter(contacts.account_id.notnull()).select(
        "account_id", "phone")), lead_rows.loc[lead_rows["account_id"].notna(),
                                               ["account_id", "phone"]]], ignore_index=True)
    account_rows["key"] = account_rows["name"].map(normalise_company)
    account_rows["site"] = account_rows["domain"].map(website_domain)
    lead_rows["key"] = lead_rows["company"].map(normalise_company)
    lead_rows["site"] = lead_rows["email"].map(email_domain)
    lead_rows["region"] = lead_rows["company"].map(company_region)
    province_of = _province_of_city(lead_rows, account_rows)
    city = lead_rows["lead_city"].where(lead_rows["lead_city"].notna(), lead_rows["region"].where(
        lead_rows["region"].isin(list(province_of))))
    lead_rows["city"] = city
    province = lead_rows["lead_province"]
    province = province.where(province.notna(), city.map(province_of))
    lead_rows["province"] = province.where(province.notna(), lead_rows["region"].where(
        lead_rows["region"].isin(set(province_of.values()))))
    lead_rows[["phone_prefix", "phone_kind"]] = _prefixes(lead_rows["phone"])
    phones[["phone_prefix", "phone_kind"]] = _prefixes(phones["phone"])
    common = phones.dropna(subset=["phone_prefix"]).groupby(
        ["account_id", "phone_prefix", "phone_kind"], as_index=False).size().sort_values(
        ["account_id", "size", "phone_prefix"], ascending=[True, False, True]).drop_duplicates(
        "account_id")
    account_rows = account_rows.merge(common.drop(columns="size"), on="account_id", how="left")
    places = _name_places(pd.concat([lead_rows[["key", "province", "city"]],
                                     account_rows[["key", "province", "city"]]]), province_of)
    for frame in (lead_rows, account_rows):
        frame["name_places"] = frame["key"].map(places).fillna(0).astype("int64")
    return lead_rows, account_rows


def _prefixes(phones: pd.Series) -> pd.DataFrame:
    unique = {p: phone_prefix(p) for p in phones.dropna().unique()}
    pairs = [unique.get(p, (None, None)) if isinstance(p, str) else (None, None) for p in phones]
    return pd.DataFrame(pairs, columns=["phone_prefix", "phone_kind"], index=phones.index,
                        dtype=object)


def _province_of_city(lead_rows: pd.DataFrame, account_rows: pd.DataFrame) -> dict[str, str]:
    """Each city's province, as the records most often give it."""
    pairs = pd.concat([
        account_rows[["province", "city"]],
        lead_rows[["lead_province", "lead_city"]].set_axis(["province", "city"], axis=1),
    ]).dropna()
    counted = pairs.groupby(["city", "province"], as_index=False).size().sort_values(
        ["city", "size", "province"], ascending=[True, False, True])
    return dict(counted.drop_duplicates("city")[["city", "province"]].itertuples(index=False))


def _name_places(mentions: pd.DataFrame, province_of: dict[str, str]) -> pd.Series:
    """Per normalised name: its distinct cities, plus its provinces that none of those
    cities lies in."""
    mentions = mentions.dropna(subset=["key"])
    cities = mentions.dropna(subset=["city"]).drop_duplicates(["key", "city"])
    covered = set(zip(cities["key"], cities["city"].map(province_of).fillna(
        cities["province"]), strict=True))
    provinces = mentions[mentions["city"].isna()].dropna(subset=["province"]).drop_duplicates(
        ["key", "province"])
    provinces = provinces[pd.Series([(k, p) not in covered for k, p in zip(
        provinces["key"], provinces["province"], strict=True)], index=provinces.index,
        dtype=bool)]
    return pd.concat([cities["key"], provinces["key"]]).value_counts()


def linkage_frame(rows: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Lead or account rows in the shape the Splink model reads (`company_linkage`)."""
    frame = rows.rename(columns={id_column: "unique_id", "key": "name_key"})
    frame["name_head"] = frame["name_key"].str[:2]
    frame["name_variants"] = frame["name_key"].map(name_variants)
    return frame[list(LEAD_COLUMNS)]


MATCH_COLUMNS = {"lead_id": "string", "account_id": "string", "method": "string",
                 "status": "string", "match_weight": "float64", "match_probability": "float64"}


def match_accounts(wh: Warehouse, appdb: AppDB | None = None,
                   threshold: float | None = None) -> pd.DataFrame:
    """(lead_id, account_id, method, status, match_weight, match_probability) for leads
    without an account: `certain`, `confirmed` or `uncertain` (one row per candidate).

    The rules settle what they can; the leads they leave open are scored by the Splink model
    (`revlens.identity.company_linkage`): a lead's best pair at or above `threshold` (default
    the workspace's `account_match_threshold`) is a match (`certain`, method ending in
    `splink`) when no other account of the lead reaches it too; the other pairs stay
    `uncertain` for review — the rules' candidates always, Splink's own ones from
    `account_review_threshold` up. Weights are empty for pairs the rules settled. A person's
    decision wins over both: a rejected pair is never a match, a confirmed one always."""
    threshold = wh.settings.account_match_threshold if threshold is None else threshold
    lead_rows, account_rows = match_inputs(wh)
    decided = decisions(appdb)
    found = _rule_candidates(lead_rows, account_rows, decided)
    settled = set(found.loc[found["status"].isin(["certain", "confirmed"]), "lead_id"])
    open_leads = lead_rows[lead_rows["account_id"].isna() & ~lead_rows["lead_id"].isin(settled)]
    scored = score_pairs(wh, linkage_frame(open_leads, "lead_id"),
                         linkage_frame(account_rows, "account_id"))
    scored = scored[pd.Series([decided.get(pair) != "rejected" for pair in zip(
        scored["lead_id"], scored["account_id"], strict=True)], index=scored.index, dtype=bool)]
    confirmed = pd.DataFrame([pair for pair, d in decided.items() if d == "confirmed"
                              and pair[0] in set(open_leads["lead_id"])],
                             columns=["lead_id", "account_id"], dtype=object)
    return _with_scores(found, scored, confirmed, threshold,
                        wh.settings.account_review_threshold)


def _rule_candidates(lead_rows: pd.DataFrame, account_rows: pd.DataFrame,
                     decided: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The rules' candidates with their status: `certain` needs one candidate, nothing
    against it, and something besides a bare name for it (a company e-mail domain, or the
    lead's region, which then agrees): a bare brand name is weighed by Splink instead."""
    lead_rows = lead_rows[lead_rows["account_id"].isna()]
    columns = ["account_id", "key", "site", "account_province", "account_city"]
    accounts = account_rows.rename(columns={"province": "account_province",
                                            "city": "account_city"})
    by_name = lead_rows.dropna(subset=["key"]).drop(columns="account_id").merge(
        accounts.dropna(subset=["key"])[columns], on="key", suffixes=("", "_account"))
    by_site = lead_rows.dropna(subset=["site"]).drop(columns="account_id").merge(
        accounts.dropna(subset=["site"])[columns], on="site", suffixes=("", "_account"))
    found = pd.concat([by_name.assign(method="name"), by_site.assign(method="email_domain")],
                      ignore_index=True)
    if found.empty:
        return pd.DataFrame({"lead_id": [], "account_id": [], "method": [], "status": [],
                             "conflict": []}, dtype=object)
    found["conflict"] = _conflicts(found)
    found["bare"] = found[["lead_province", "lead_city", "region", "site"]].isna().all(axis=1)
    found = found.groupby(["lead_id", "account_id"], as_index=False).agg(
        method=("method", lambda m: "+".join(sorted(set(m)))), conflict=("conflict", "any"),
        bare=("bare", "all"))
    found["decision"] = [decided.get((lead, account)) for lead, account
                         in zip(found["lead_id"], found["account_id"], strict=True)]
    found = found[found["decision"] != "rejected"]
    confirmed = set(found.loc[found["decision"] == "confirmed", "lead_id"])
    found = found[~found["lead_id"].isin(confirmed) | (found["decision"] == "confirmed")]
    # where some candidates have nothing against them, the others are dropped
    clean = (~found["conflict"]).groupby(found["lead_id"]).transform("sum")
    found = found[(clean == 0) | ~found["conflict"]]
    candidates = found.groupby("lead_id")["account_id"].transform("nunique")
    found["status"] = [
        "confirmed" if d == "confirmed" else
        "certain" if n == 1 and not c and not b else "uncertain"
        for d, n, c, b in zip(found["decision"], candidates, found["conflict"], found["bare"],
                              strict=True)]
    return found[["lead_id", "account_id", "method", "status", "conflict"]].reset_index(
        drop=True)


def _with_scores(found: pd.DataFrame, scored: pd.DataFrame, confirmed: pd.DataFrame,
                 threshold: float, review_from: float) -> pd.DataFrame:
    """The rules' rows joined with Splink's scores; an open lead's pair at or above the
    threshold, when it is the lead's only one there and the rules saw nothing against it (its
    region, e-mail domain or name not the account's), becomes its match, and its other rows
    go. Pairs with evidence against them wait for a person, whatever their weight."""
    rows = found.merge(scored, on=["lead_id", "account_id"], how="outer")
    rows = rows[rows["method"].notna() | (rows["match_probability"] >= review_from)]
    # a pair a person confirmed from Splink's candidates is the lead's account
    rows = rows.merge(confirmed.assign(by_person=True), on=["lead_id", "account_id"],
                      how="outer")
    rows["method"] = rows["method"].fillna("")
    chosen = rows["by_person"].eq(True)
    rows = rows[~rows["lead_id"].isin(set(rows.loc[chosen, "lead_id"])) | chosen].copy()
    rows.loc[chosen, "status"] = "confirmed"
    open_rows = ~rows["status"].isin(["certain", "confirmed"])
    above = open_rows & (rows["match_probability"] >= threshold) & ~rows["conflict"].eq(True)
    winners = above.groupby(rows["lead_id"]).transform("sum") == 1
    matched = above & winners
    rows.loc[matched, "status"] = "certain"
    rows.loc[rows["method"].eq("") | matched, "method"] = [
        "+".join(filter(None, (m, "splink"))) for m in rows.loc[
            rows["method"].eq("") | matched, "method"]]
    won = set(rows.loc[matched, "lead_id"])
    rows = rows[~(rows["lead_id"].isin(won) & ~matched)]
    rows["status"] = rows["status"].fillna("uncertain")
    rows = rows.sort_values(["lead_id", "match_weight", "account_id"],
                            ascending=[True, False, True], na_position="first")
    return rows[list(MATCH_COLUMNS)].reset_index(drop=True)


def _conflicts(found: pd.DataFrame) -> pd.Series:
    """Evidence against a candidate: the lead's region (its province, city or the region its
    company name starts with) is not the account's — the same brand in another city is
    another company —, its company e-mail domain is not the account's website, or its
    company name, where given, is not the account's (one containing the other is fine)."""
    def here(place: object, province: object, city: object) -> bool:
        if not isinstance(place, str) or not place:
            return True
        known = [p for p in (province, city) if isinstance(p, str) and p]
        return not known or any(p.startswith(place) or place.startswith(p) for p in known)

    elsewhere = pd.Series([
        not all(here(place, province, city) for place in places)
        for places, province, city in zip(
            found[["lead_province", "lead_city", "region"]].itertuples(index=False),
            found["account_province"], found["account_city"], strict=True)],
        index=found.index, dtype=bool)
    other_site = found["site"].notna() & found["site_account"].notna() & (
        found["site"] != found["site_account"])
    lead_key, account_key = found["key"].fillna(""), found["key_account"].fillna("")
    other_name = (lead_key != "") & (account_key != "") & ~pd.Series(
        [a in b or b in a for a, b in zip(lead_key, account_key, strict=True)],
        index=found.index)
    return elsewhere | other_site | other_name


@refresh_step(MATCHES_TABLE)
def refresh_account_matches(wh: Warehouse) -> None:
    appdb = AppDB(wh.settings.app_db_url)
    try:
        frame = match_accounts(wh, appdb)
    finally:
        appdb.close()
    table = pa.Table.from_pandas(frame, schema=ibis.schema(MATCH_COLUMNS).to_pyarrow(),
                                 preserve_index=False)
    wh.con.create_table(MATCHES_TABLE, ibis.memtable(table), overwrite=True)
