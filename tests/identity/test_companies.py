"""Matching leads that name no account to accounts: normalised Chinese and English company
names, company e-mail domains, regions, and review decisions that persist."""

from __future__ import annotations

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


def test_leads_are_matched_and_uncertain_ones_reviewed(workspace, tmp_path):
    for entity, text in (("accounts", ACCOUNTS), ("leads", LEADS)):
        path = tmp_path / f"{entity}.csv"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        assert load(workspace, entity, path).rejected == 0
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
    assert got[("L2", "A1")][1] == "certain" and ("L2", "A2") not in got
    assert got[("L5", "A3")][1] == "confirmed"
    refresh(workspace)                                        # decisions persist in the run
    accounts = {r["account_id"] for r in wh.to_arrow(person_accounts(wh)).to_pylist()}
    assert accounts == {"A1", "A2", "A3"}


def test_review_command(workspace_dir, workspace, tmp_path, cli, ws_env):
    for entity, text in (("accounts", ACCOUNTS), ("leads", LEADS)):
        path = tmp_path / f"{entity}.csv"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        load(workspace, entity, path)
    workspace.close()
    listed = cli("identity", "review", env=ws_env)
    assert listed.exit_code == 0, listed.stderr
    assert "L2" in listed.stdout and "L5" in listed.stdout and "L1" not in listed.stdout
    done = cli("identity", "review", "--confirm", "L5", "A3", env=ws_env)
    assert "confirmed L5 → A3" in done.stdout
    again = cli("identity", "review", env=ws_env)
    assert "L5" not in again.stdout
