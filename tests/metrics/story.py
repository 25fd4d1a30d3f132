# ruff: noqa: E501  (the story's CSV lines are kept whole)
"""A small company whose numbers are worked out by hand in the tests (times are Asia/Shanghai).

Staff: reps U1 and U2 in 华东销售 (manager M1), rep U3 in 华北销售 (manager M2), marketer MK.
March: leads L1-L4 (L5 is February); ads on Baidu campaign C1 (4,000 impressions, 200 clicks,
¥2,000) and event C2 (¥3,000 booked on the campaign). Opportunities O1 (U1, won ¥100,000 after
30 days), O2 (U3, lost after 20 days), O3 (U2, open), and in April O4 (U1, upsell won ¥40,000
after 10 days). April orders SO1 ¥100,000 and SO2 ¥40,000 (A1), SO3 ¥20,000 (A2).
"""

from __future__ import annotations

from pathlib import Path

from revlens.workspace import Workspace
from tests.ingest.support import load

PASSWORD = "story-password-1"
TABLES = {
    "users": """
user_id,name,team,role,manager_id
U1,张三,华东销售,sales_rep,M1
U2,李四,华东销售,sales_rep,M1
U3,王五,华北销售,sales_rep,M2
M1,赵经理,华东销售,sales_manager,
M2,钱经理,华北销售,sales_manager,
MK,孙市场,市场部,marketing,
""",
    "accounts": """
account_id,name,industry,province,employee_count,is_specialized,owner_id,created_at
A1,星辰制造有限公司,制造,上海,1200,true,U1,2026-01-01
A2,海川信息有限公司,IT,北京,150,false,U3,2026-01-01
A3,前海数据有限公司,制造,上海,50,false,U2,2026-01-01
""",
    "campaigns": """
campaign_id,name,channel,type,platform,start_date,cost,owner_id
C1,百度品牌词,paid_search,ad,baidu,2026-03-01,,MK
C2,上海客户大会,event,event,,2026-03-05,3000,MK
""",
    "ad_spend": """
date,platform,campaign_name,campaign_id,impressions,clicks,cost
2026-03-01,baidu,百度品牌词,C1,1000,50,500
2026-03-02,baidu,百度品牌词,C1,3000,150,1500
""",
    "leads": """
lead_id,created_at,name,email,source_channel,campaign_id,status,owner_id,mql_at,sql_at,converted_at,opportunity_id,account_id
L1,2026-03-02 10:00,甲,l1@example.cn,paid_search,C1,converted,U1,2026-03-03 10:00,2026-03-05 10:00,2026-03-06 10:00,O1,A1
L2,2026-03-03 10:00,乙,l2@example.cn,paid_search,C1,mql,U2,2026-03-10 10:00,,,,
L3,2026-03-04 10:00,丙,l3@example.cn,event,C2,converted,U3,2026-03-06 10:00,2026-03-08 10:00,2026-03-09 10:00,O2,A2
L4,2026-03-20 10:00,丁,l4@example.cn,event,C2,new,U1,,,,,
L5,2026-02-10 10:00,戊,l5@example.cn,paid_search,C1,disqualified,U3,,,,,
""",
    "activities": """
activity_id,occurred_at,user_id,type,lead_id
F1,2026-03-02 10:30,U1,call,L1
F2,2026-03-04 15:00,U1,call,L1
F3,2026-03-03 12:00,U2,call,L2
F4,2026-03-04 11:00,U3,visit,L3
F5,2026-02-10 10:10,U3,call,L5
""",
    "opportunities": """
opportunity_id,account_id,name,owner_id,created_at,stage,amount,closed_at,is_won,type,lead_id,expected_close_date
O1,A1,星辰-新签,U1,2026-03-06 10:00,won,100000,2026-04-05 10:00,true,new_business,L1,2026-04-10
O2,A2,海川-新签,U3,2026-03-09 10:00,lost,50000,2026-03-29 10:00,false,new_business,L3,2026-03-31
O3,A3,前海-新签,U2,2026-03-15 10:00,solution,80000,,,new_business,,2026-05-20
O4,A1,星辰-增购,U1,2026-04-10 10:00,won,40000,2026-04-20 10:00,true,upsell,,2026-04-25
""",
    "orders": """
order_id,account_id,opportunity_id,signed_at,amount,cost,type,start_date,end_date
SO1,A1,O1,2026-04-05 10:00,100000,30000,new,2026-04-05,2027-04-04
SO2,A1,O4,2026-04-20 10:00,40000,10000,upsell,,
SO3,A2,,2026-04-25 10:00,20000,,new,,
""",
    "payments": """
payment_id,order_id,paid_at,amount
P1,SO1,2026-04-10 10:00,60000
P2,SO1,2026-05-05 10:00,40000
P3,SO2,2026-04-25 10:00,40000
P4,SO3,2026-04-28 10:00,5000
""",
    "targets": """
period,metric,user_id,team,value
2026-04,bookings,U1,,120000
2026-04,bookings,U3,,40000
2026-Q2,bookings,U2,,90000
2026-04,bookings,,华东销售,500000
""",
    "touchpoints": """
touchpoint_id,occurred_at,type,anonymous_id,email,lead_id,channel,campaign_id
T1,2026-03-01 09:00,page_view,a1,,,paid_search,C1
T2,2026-03-01 15:00,page_view,a1,,,paid_search,C1
T3,2026-03-01 09:00,page_view,a2,,,organic_search,
T4,2026-03-02 09:00,page_view,a1,,,paid_search,C1
T5,2026-03-02 09:05,form_submit,a1,l1@example.cn,L1,paid_search,C1
T6,2026-03-05 09:00,event_registration,,l3@example.cn,,event,C2
T7,2026-03-05 09:30,event_registration,,l4@example.cn,,event,C2
T8,2026-03-06 09:00,event_checkin,,l3@example.cn,,event,C2
""",
    "tickets": """
ticket_id,created_at,account_id,csat
K1,2026-04-11 10:00,A1,5
K2,2026-04-12 10:00,A2,3
K3,2026-04-13 10:00,A1,
""",
    "nps_responses": """
response_id,responded_at,score,account_id
N1,2026-04-11 10:00,10,A1
N2,2026-04-12 10:00,9,A1
N3,2026-04-13 10:00,5,A2
N4,2026-04-14 10:00,7,A2
""",
}


def load_story(ws: Workspace, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for entity, text in TABLES.items():
        path = folder / f"{entity}.csv"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        result = load(ws, entity, path)
        assert result.rejected == 0, (entity, result)

# Stage history of the story's opportunities (default stages): O1 qualification 6 Mar,
# needs_analysis 10 Mar (4 days), solution 15 Mar (5 days), negotiation 25 Mar (10 days), won
# 5 Apr (11 days); O2 qualification 9 Mar, needs_analysis 19 Mar (10 days), lost 29 Mar
# (10 days); O3 qualification 15 Mar, needs_analysis 20 Mar (5 days), solution 22 Mar, still
# there; O4 qualification 10 Apr, negotiation 12 Apr (2 days), won 20 Apr (8 days).
STAGE_HISTORY = """
opportunity_id,stage,entered_at
O1,qualification,2026-03-06 10:00
O1,needs_analysis,2026-03-10 10:00
O1,solution,2026-03-15 10:00
O1,negotiation,2026-03-25 10:00
O1,won,2026-04-05 10:00
O2,qualification,2026-03-09 10:00
O2,needs_analysis,2026-03-19 10:00
O2,lost,2026-03-29 10:00
O3,qualification,2026-03-15 10:00
O3,needs_analysis,2026-03-20 10:00
O3,solution,2026-03-22 10:00
O4,qualification,2026-04-10 10:00
O4,negotiation,2026-04-12 10:00
O4,won,2026-04-20 10:00
"""
TABLES["opportunity_stage_history"] = STAGE_HISTORY
