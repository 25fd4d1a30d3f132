"""Form webhooks: JSON and form-encoded submissions become a lead and a form_submit touch."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.tracking.conftest import rows

pytestmark = pytest.mark.slow


def _lead(running, lead_id: str) -> dict:
    found = rows(running.workspace, "leads", lambda rs: any(r["lead_id"] == lead_id for r in rs))
    (lead,) = [r for r in found if r["lead_id"] == lead_id]
    return lead


def test_json_submission_maps_fields_by_mapping_and_aliases(running):
    answer = running.post("/v1/forms/signup", {
        "your-name": "王芳", "邮箱": "Wang.Fang@Example.cn", "手机": "139 1234 5678",
        "公司": "星辰科技", "utm": "baidu", "message": "请联系我"}, key="signup")
    assert answer.status_code == 200, answer.text
    lead_id = answer.json()["lead_id"]
    assert lead_id.startswith("form-")
    lead = _lead(running, lead_id)
    assert (lead["name"], lead["email"], lead["phone"], lead["company"], lead["status"]) == (
        "王芳", "wang.fang@example.cn", "+8613912345678", "星辰科技", "new")
    assert json.loads(lead["extra"]) == {"message": "请联系我"}
    touches = rows(running.workspace, "touchpoints",
                   lambda rs: any(r["lead_id"] == lead_id for r in rs))
    (touch,) = [t for t in touches if t["lead_id"] == lead_id]
    assert (touch["type"], touch["email"], touch["utm_source"], touch["channel"]) == (
        "form_submit", "wang.fang@example.cn", "baidu", "other")
    assert touch["occurred_at"] == lead["created_at"]


def test_form_encoded_submission_with_the_key_in_the_query(running):
    answer = httpx.post(f"{running.url}/v1/forms/signup?key={running.keys['signup']}",
                        data={"your-name": "Li Lei", "email": "li@example.com",
                              "submission_id": "sub-42"})
    assert answer.status_code == 200, answer.text
    lead = _lead(running, answer.json()["lead_id"])
    assert (lead["name"], lead["email"]) == ("Li Lei", "li@example.com")
    again = httpx.post(f"{running.url}/v1/forms/signup?key={running.keys['signup']}",
                       data={"your-name": "Li Lei", "email": "li@example.com",
                             "submission_id": "sub-42"})
    assert again.json() == {"success": True, "lead_id": lead["lead_id"], "duplicate": True}


def test_nested_json_is_flattened(running):
    answer = running.post("/v1/forms/signup", {"form": "f1", "entry": {
        "name": "Nested", "email": "nested@example.com"}}, key="signup")
    assert answer.status_code == 200, answer.text
    assert _lead(running, answer.json()["lead_id"])["email"] == "nested@example.com"


def test_invalid_values_are_a_400_naming_the_field(running):
    answer = running.post("/v1/forms/signup", {"email": "nope"}, key="signup")
    assert answer.status_code == 400
    assert answer.json()["errors"] == ["email: 'nope' is not an email address"]


def test_form_auth(running):
    url = f"{running.url}/v1/forms/signup"
    assert httpx.post(url, json={"email": "a@b.cn"}).status_code == 401
    wrong_kind = httpx.post(url, json={"email": "a@b.cn"}, auth=(running.keys["web"], ""))
    assert wrong_kind.json()["code"] == "wrong_kind"
    other = httpx.post(f"{running.url}/v1/forms/other", json={"email": "a@b.cn"},
                       auth=(running.keys["signup"], ""))
    assert (other.status_code, other.json()["code"]) == (401, "wrong_source")
