"""Hand-made journeys, loaded through the real import path.

`lead_story` — five leads, all created 2026-03-31 10:00, whose touches sit exactly 7, 14, 21,
... days before, so time-decay weights are powers of 1/2:

    L1: T11 paid_search (7d)                                      1 touch
    L2: T21 organic_search (14d), T22 direct (7d)                 2 touches (linked by e-mail)
    L3: T31 paid_search (21d), T32 email (14d), T33 webinar (7d)  3 touches (linked by phone)
        + T34 at the conversion instant and T35 after it (both excluded)
    L4: T41 paid_social (35d), T42 content (28d), T43 direct (21d), T44 email (14d),
        T45 direct (7d)                                           5 touches
        + T40 400 days before (outside the 365-day window)
    L5: T51 direct (14d), T52 direct (7d)                         only direct touches

`account_story` — B2B: account A1 with contact C1 and lead LA, opportunity O1 (created
2026-03-01 10:00, amount 100,000; won 2026-04-01 10:00 with order ORD1 of 120,000):

    TA1 2026-01-05 paid_search CMP_S  e-mail of contact C1        first touch
    TA2 2026-02-10 09:00 webinar CMP_W  lead_id LA                lead-creation touch
    TA3 2026-02-20 email  account_id A1
    TA4 2026-03-01 09:00 event  phone of lead LA                  opportunity-creation touch
    TA5 2026-03-15 content  contact_id C1
    TA6 2026-03-25 paid_search CMP_S keyword crm系统  account A1 and lead LA (one touch)
    TA7 2026-04-05 paid_search  account A1                        after the close: excluded

account A2, lead LB (created 2026-02-01 10:00), opportunity O2 (created 2026-02-20 10:00,
amount 50,000, open): TB1 2026-02-01 09:00 paid_social (first + lead-creation touch),
TB2 2026-02-10 webinar CMP_W, TB3 2026-02-20 09:00 email (opportunity-creation touch).
account A3, lead LC (source event, campaign CMP_E), opportunity O3 (amount 30,000, won
2026-03-20 with no order; no touches: sourced to its lead source).
Account A4 has touches but no opportunity (a non-converting journey for opportunity_created).
Spend: ad_spend for CMP_S (baidu, 3,000 + 2,000, keyword crm系统 on one day) and campaigns.cost
8,000 for CMP_W.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from revlens.workspace import Workspace
from tests.ingest.support import load


@pytest.fixture
def app_db_url():
    """Attribution stories need only the warehouse: the workspace's own SQLite app database."""
    return None


def write_csv(ws: Workspace, folder: Path, entity: str, text: str) -> None:
    path = folder / f"{entity}.csv"
    path.write_text(text.strip() + "\n", encoding="utf-8")
    result = load(ws, entity, path)
    assert result.rejected == 0, result


LEADS = """
lead_id,created_at,email,phone,source_channel,campaign_id
L1,2026-03-31 10:00,,,paid_search,
L2,2026-03-31 10:00,li.lei@example.com,,organic_search,
L3,2026-03-31 10:00,,13812345678,paid_search,
L4,2026-03-31 10:00,,,paid_social,
L5,2026-03-31 10:00,,,direct,
"""
LEAD_TOUCHES = """
touchpoint_id,occurred_at,type,lead_id,email,phone,channel,anonymous_id
T11,2026-03-24 10:00,page_view,L1,,,paid_search,
T21,2026-03-17 10:00,page_view,,LI.LEI@example.com,,organic_search,
T22,2026-03-24 10:00,page_view,,li.lei@example.com,,direct,
T31,2026-03-10 10:00,ad_click,,,138 1234 5678,paid_search,
T32,2026-03-17 10:00,email_click,,,+86 138-1234-5678,email,
T33,2026-03-24 10:00,webinar_attend,,,13812345678,webinar,
T34,2026-03-31 10:00,page_view,,,13812345678,direct,
T35,2026-04-02 10:00,page_view,,,13812345678,paid_search,
T40,2025-02-24 10:00,page_view,L4,,,display,
T41,2026-02-24 10:00,ad_click,L4,,,paid_social,
T42,2026-03-03 10:00,content_view,L4,,,content,
T43,2026-03-10 10:00,page_view,L4,,,direct,
T44,2026-03-17 10:00,email_click,L4,,,email,
T45,2026-03-24 10:00,page_view,L4,,,direct,
T51,2026-03-17 10:00,page_view,L5,,,direct,
T52,2026-03-24 10:00,page_view,L5,,,direct,
T90,2026-03-20 10:00,page_view,,,,paid_search,anon_1
T91,2026-03-21 10:00,page_view,,,,email,anon_1
"""


@pytest.fixture
def lead_story(workspace, tmp_path) -> Workspace:
    write_csv(workspace, tmp_path, "leads", LEADS)
    write_csv(workspace, tmp_path, "touchpoints", LEAD_TOUCHES)
    return workspace


ACCOUNTS = """
account_id,name,created_at
A1,北京星辰科技有限公司,2025-12-01
A2,上海海川信息有限公司,2025-12-01
A3,深圳前海数据有限公司,2025-12-01
A4,杭州云栖软件有限公司,2025-12-01
"""
CONTACTS = """
contact_id,account_id,name,email,created_at
C1,A1,王芳,wang.fang@a1.example.com,2025-12-01
"""
ACCOUNT_LEADS = """
lead_id,created_at,account_id,phone,source_channel,campaign_id
LA,2026-02-10 10:00,A1,13900001111,paid_search,CMP_S
LB,2026-02-01 10:00,A2,,paid_social,
LC,2026-01-15 10:00,A3,,event,CMP_E
"""
OPPORTUNITIES = """
opportunity_id,account_id,owner_id,created_at,stage,amount,closed_at,lead_id,type
O1,A1,U1,2026-03-01 10:00,won,100000,2026-04-01 10:00,LA,new_business
O2,A2,U1,2026-02-20 10:00,solution,50000,,LB,new_business
O3,A3,U2,2026-02-01 10:00,won,30000,2026-03-20 10:00,LC,upsell
"""
ORDERS = """
order_id,account_id,opportunity_id,signed_at,amount
ORD1,A1,O1,2026-04-02 10:00,120000
"""
USERS = """
user_id,name,team
U1,张伟,华北团队
U2,李娜,华南团队
M1,赵敏,品牌市场部
M2,钱进,增长市场部
"""
CAMPAIGNS = """
campaign_id,name,channel,platform,start_date,cost,owner_id
CMP_S,Search Q1,paid_search,baidu,2026-01-01,,M2
CMP_W,RevOps webinar,webinar,,2026-02-01,8000,M1
CMP_E,Shanghai summit,event,,2026-01-10,,M1
"""
AD_SPEND = """
date,platform,campaign_name,campaign_id,ad_group,keyword,cost,clicks
2026-01-05,baidu,Search Q1,CMP_S,CRM,crm系统,3000,300
2026-03-25,baidu,Search Q1,CMP_S,CRM,营销自动化,2000,150
"""
ACCOUNT_TOUCHES = """
touchpoint_id,occurred_at,type,account_id,contact_id,lead_id,email,phone,channel,campaign_id,utm_term,anonymous_id
TA1,2026-01-05 10:00,ad_click,,,,wang.fang@a1.example.com,,paid_search,CMP_S,,v_ta1
TA2,2026-02-10 09:00,webinar_attend,,,LA,,,webinar,CMP_W,,v_ta2
TA3,2026-02-20 10:00,email_click,A1,,,,,email,,,v_ta3
TA4,2026-03-01 09:00,event_checkin,,,,,13900001111,event,,,v_ta4
TA5,2026-03-15 10:00,content_view,,C1,,,,content,,,v_ta5
TA6,2026-03-25 10:00,ad_click,A1,,LA,,,paid_search,CMP_S,crm系统,v_ta6
TA7,2026-04-05 10:00,ad_click,A1,,,,,paid_search,CMP_S,,v_ta7
TB1,2026-02-01 09:00,ad_click,,,LB,,,paid_social,,,v_tb1
TB2,2026-02-10 10:00,webinar_attend,A2,,,,,webinar,CMP_W,,v_tb2
TB3,2026-02-20 09:00,email_click,A2,,,,,email,,,v_tb3
TD1,2026-02-01 10:00,page_view,A4,,,,,paid_search,CMP_S,,v_td1
TD2,2026-02-02 10:00,page_view,A4,,,,,email,,,v_td2
"""


@pytest.fixture
def account_story(workspace, tmp_path) -> Workspace:
    for entity, text in (("users", USERS), ("accounts", ACCOUNTS), ("contacts", CONTACTS),
                         ("leads", ACCOUNT_LEADS), ("opportunities", OPPORTUNITIES),
                         ("orders", ORDERS), ("campaigns", CAMPAIGNS), ("ad_spend", AD_SPEND),
                         ("touchpoints", ACCOUNT_TOUCHES)):
        write_csv(workspace, tmp_path, entity, text)
    return workspace
