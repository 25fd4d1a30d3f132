"""Matching leads that name no account to accounts: normalised Chinese and English company
names, company e-mail domains, regions, and review decisions that persist."""

from __future__ import annotations

import math

import pytest

from revlens.identity.accounts import person_accounts
from revlens.identity.companies import (
    company_region,
    decide,
    email_domain,
    match_accounts,
    normalise_company,
    website_domain,
)
from revlens.identity.company_linkage import PRIOR, name_variants, phone_prefix
from revlens.refresh import refresh
from tests.ingest.support import load


@pytest.mark.parametrize(("name", "key"), [
    ("北京星辰科技有限公司", "星辰科技"),
    ("星辰科技股份有限公司", "星辰科技"),
    ("星辰科技（北京）有限公司", "星辰科技"),
    ("深圳市腾讯计算机系统有限公司", "腾讯计算机系统"),
    ("海尔集团", "海尔"),
    ("ＡＢＣ科技有限公司", "abc科技"),
    ("Terrascale Biotech Pte. Ltd.", "terrascalebiotech"),
    ("Skywood Retail Co., Ltd.", "skywoodretail"),
    ("Apple Inc.", "apple"),
    ("Acorp", "acorp"),               # "corp" inside a word is not a legal form
    ("北京", "北京"),                  # a bare region stays
    ("", None),
])
def test_company_names_are_normalised(name, key):
    assert normalise_company(name) == key


def test_domains_and_regions():
    assert email_domain("zhang@XingChen.cn") == "xingchen.cn"
    assert email_domain("zhang@qq.com") is None and email_domain("no-at-sign") is None
    assert website_domain("https://www.xingchen.cn/about") == "xingchen.cn"
    assert company_region("上海华润网络科技有限公司") == "上海"
    assert company_region("华润网络科技") is None


ACCOUNTS = """
account_id,name,domain,province,city,created_at
A1,北京星辰科技有限公司,xingchen.cn,北京,北京,2026-01-01
A2,上海星辰科技有限公司,shxingchen.cn,上海,上海,2026-01-01
A3,深圳海川信息有限公司,haichuan.cn,广东,深圳,2026-01-01
"""
LEADS = """
lead_id,created_at,email,company,province
L1,2026-03-01 10:00,a@xingchen.cn,星辰科技,
L2,2026-03-01 10:00,b@qq.com,星辰科技,
L3,2026-03-01 10:00,c@qq.com,上海星辰科技有限公司,
L4,2026-03-01 10:00,d@haichuan.cn,,
L5,2026-03-01 10:00,e@163.com,海川信息,北京
L6,2026-03-01 10:00,f@unknown.cn,无名公司,
"""


def _load_all(workspace, folder, files: dict[str, str]) -> None:
    for entity, text in files.items():
        path = folder / f"{entity}.csv"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        assert load(workspace, entity, path).rejected == 0


def test_leads_are_matched_and_uncertain_ones_reviewed(workspace, tmp_path):
    _load_all(workspace, tmp_path, {"accounts": ACCOUNTS, "leads": LEADS})
    wh = workspace.warehouse

    def matches():
        found = match_accounts(wh, workspace.appdb)
        return {(r.lead_id, r.account_id): (r.method, r.status)
                for r in found.itertuples(index=False)}

    got = matches()
    # L1: name fits A1 and A2, the e-mail domain only A1's site, A2's site is another
    assert got[("L1", "A1")] == ("email_domain+name", "certain") and ("L1", "A2") not in got
    # L2: a free-mail address and a brand two companies share: both kept for review
    assert got[("L2", "A1")][1] == got[("L2", "A2")][1] == "uncertain"
    assert got[("L3", "A2")] == ("name", "certain")           # 上海 in the name decides
    assert got[("L4", "A3")] == ("email_domain", "certain")
    assert got[("L5", "A3")] == ("name", "uncertain")         # 北京 lead, 深圳 account
    assert not any(lead == "L6" for lead, _ in got)
    decide(workspace.appdb, "L2", "A2", "rejected")
    decide(workspace.appdb, "L5", "A3", "confirmed")
    got = matches()
    # one candidate left, but still only a bare brand that two cities share: Splink weighs
    # it at 11.55 - 13.29 = -1.74 (p 0.23), under the threshold: it stays for review
    assert got[("L2", "A1")][1] == "uncertain" and ("L2", "A2") not in got
    assert got[("L5", "A3")][1] == "confirmed"
    decide(workspace.appdb, "L2", "A1", "confirmed")
    refresh(workspace)                                        # decisions persist in the run
    accounts = {r["account_id"] for r in wh.to_arrow(person_accounts(wh)).to_pylist()}
    assert accounts == {"A1", "A2", "A3"}


def test_review_command(workspace_dir, workspace, tmp_path, cli, ws_env):
    _load_all(workspace, tmp_path, {"accounts": ACCOUNTS, "leads": LEADS})
    workspace.close()
    listed = cli("identity", "review", env=ws_env)
    assert listed.exit_code == 0, listed.stderr
    assert "L2" in listed.stdout and "L5" in listed.stdout and "L1" not in listed.stdout
    # each with Splink's weight: L2's bare brand shared by two cities 11.55 - 13.29 = -1.74
    # (p 0.231), L5's brand seen in 北京 and 深圳 and the provinces differing, -6.64 (p 0.010)
    assert "-1.74" in listed.stdout and "0.231" in listed.stdout
    assert "-6.64" in listed.stdout and "0.010" in listed.stdout
    done = cli("identity", "review", "--confirm", "L5", "A3", env=ws_env)
    assert "confirmed L5 → A3" in done.stdout
    again = cli("identity", "review", env=ws_env)
    assert "L5" not in again.stdout


def test_phone_prefixes_and_name_variants():
    assert phone_prefix("+86 138 1234 5678") == phone_prefix("13812345678") == ("138", "mobile")
    assert phone_prefix("010-62345678") == phone_prefix("+86 10 6234 5678") == ("010", "area")
    assert phone_prefix("0755-86001234") == ("0755", "area")
    assert phone_prefix("+852 6958 8881") == ("+852", "country")
    assert phone_prefix("12345") == (None, None)
    # one changed character leaves a shared form; a two-character name has no variants
    assert set(name_variants("星帆科技")) & set(name_variants("星帆科枝")) == {"星帆科"}
    assert name_variants("海尔") == ["海尔"]


SPLINK_ACCOUNTS = """
account_id,name,domain,province,city,created_at
B1,北京星帆科技有限公司,bjxingfan.cn,北京,北京,2026-01-01
B2,杭州云舟软件有限公司,hzyunzhou.cn,浙江,杭州,2026-01-01
"""
SPLINK_CONTACTS = """
contact_id,account_id,name,phone,created_at
C1,B1,王芳,010-62345678,2026-01-02
C2,B2,李雷,13912345678,2026-01-02
"""
SPLINK_LEADS = """
lead_id,created_at,email,phone,company,province,city
M1,2026-03-01 10:00,m1@qq.com,010-87654321,星帆科枝,北京,北京
M2,2026-03-01 10:00,m2@qq.com,13856781234,星帆科枝,北京,北京
M3,2026-03-01 10:00,m3@qq.com,,星帆科技,上海,上海
M4,2026-03-01 10:00,m4@163.com,,云舟软件,,
"""
PRIOR_WEIGHT = math.log2(PRIOR / (1 - PRIOR))                   # -13.29
TYPO, SAME_CITY, AREA_CODE = math.log2(0.02 / 0.00002), math.log2(0.8 / 0.02), math.log2(15)
OTHER_MOBILE, OTHER_PROVINCE = math.log2(0.62 / 0.92), math.log2(0.03 / 0.9)
NAME_ONE_PLACE, NAME_PLACES = math.log2(0.8 / 0.000005), math.log2(0.15 / 0.00005)


def _probability(weight: float) -> float:
    return 2 ** weight / (1 + 2 ** weight)


def test_splink_scores_the_leads_the_rules_leave_open(workspace, tmp_path):
    _load_all(workspace, tmp_path, {"accounts": SPLINK_ACCOUNTS, "contacts": SPLINK_CONTACTS,
                                    "leads": SPLINK_LEADS})
    wh = workspace.warehouse

    def matches():
        found = match_accounts(wh, workspace.appdb)
        return {(r.lead_id, r.account_id): (r.method, r.status, r.match_weight)
                for r in found.itertuples(index=False)}

    got = matches()
    # M1: a typo (科枝) in the account's city with its area code 010: 9.97 + 5.32 + 3.91 -
    # 13.29 = +5.91, p 0.98: a match, though no rule found it
    method, status, weight = got[("M1", "B1")]
    assert (method, status) == ("splink", "certain")
    assert weight == pytest.approx(TYPO + SAME_CITY + AREA_CODE + PRIOR_WEIGHT, abs=1e-4)
    assert _probability(weight) == pytest.approx(0.9836, abs=1e-4)
    # M2: the same typo and city, but a mobile (138) where the account's people have 010:
    # +1.43, p 0.73: below 0.9, listed for review with its weight
    method, status, weight = got[("M2", "B1")]
    assert (method, status) == ("splink", "uncertain")
    assert weight == pytest.approx(TYPO + SAME_CITY + OTHER_MOBILE + PRIOR_WEIGHT, abs=1e-4)
    # M3: the same brand in another city (上海): the name is now seen at two places, and the
    # province differs: 11.55 - 4.91 - 13.29 = -6.64, p 0.01: never a match
    method, status, weight = got[("M3", "B1")]
    assert (method, status) == ("name", "uncertain")
    assert weight == pytest.approx(NAME_PLACES + OTHER_PROVINCE + PRIOR_WEIGHT, abs=1e-4)
    # M4: a bare brand (free mail, no place) known only in 杭州: 17.29 - 13.29 = +4.00, p 0.94
    method, status, weight = got[("M4", "B2")]
    assert (method, status) == ("name+splink", "certain")
    assert weight == pytest.approx(NAME_ONE_PLACE + PRIOR_WEIGHT, abs=1e-4)
    assert len(got) == 4
    assert match_accounts(wh, workspace.appdb).equals(match_accounts(wh, workspace.appdb))

    # a person's decisions win over the weights, both ways
    decide(workspace.appdb, "M1", "B1", "rejected")
    decide(workspace.appdb, "M2", "B1", "confirmed")
    got = matches()
    assert not any(lead == "M1" for lead, _ in got)
    assert got[("M2", "B1")][1] == "confirmed"
    # a stricter threshold leaves M4 for review; the weight is the same
    strict = match_accounts(wh, workspace.appdb, threshold=0.95)
    assert strict.set_index("lead_id").loc["M4", "status"] == "uncertain"
    refresh(workspace)
    stored = {r["lead_id"]: r for r in wh.to_arrow(wh.table("account_matches")).to_pylist()}
    assert stored["M4"]["match_probability"] == pytest.approx(16 / 17, abs=1e-4)
    assert stored["M2"]["status"] == "confirmed"
