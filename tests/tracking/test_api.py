"""The Segment-compatible API, over HTTP, against a real `revlens serve`."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.tracking.conftest import rows

pytestmark = pytest.mark.slow


def _mid() -> str:
    return f"test-{uuid.uuid4().hex}"


def _touch(running, message_id: str) -> dict:
    found = rows(running.workspace, "touchpoints",
                 lambda rs: any(r["touchpoint_id"] == message_id for r in rs))
    matches = [r for r in found if r["touchpoint_id"] == message_id]
    assert len(matches) == 1, f"{message_id} not (once) in the warehouse"
    return matches[0]


def _links(running, message_id: str) -> list[tuple[str, str, str, str]]:
    found = rows(running.workspace, "identity_links",
                 lambda rs: any(r["message_id"] == message_id for r in rs))
    return sorted((r["from_kind"], r["from_value"], r["to_kind"], r["to_value"])
                  for r in found if r["message_id"] == message_id)


def test_track_lands_as_a_typed_touchpoint_with_utm_and_identifiers(running):
    mid = _mid()
    answer = running.post("/v1/track", {
        "event": "Demo Requested", "anonymousId": "anon-1", "messageId": mid,
        "properties": {"plan": "pro", "campaign_id": "C-7"},
        "context": {"campaign": {"name": "spring-launch", "source": "baidu", "medium": "cpc",
                                 "term": "crm 软件", "content": "ad-3"},
                    "traits": {"email": " Ana@Example.COM ", "phone": "138 1234 5678",
                               "wechat_unionid": "union-1"}}})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"success": True, "accepted": 1, "duplicates": 0, "warnings": []}
    touch = _touch(running, mid)
    assert (touch["type"], touch["anonymous_id"], touch["email"], touch["phone"],
            touch["wechat_unionid"], touch["campaign_id"]) == (
        "demo_request", "anon-1", "ana@example.com", "+8613812345678", "union-1", "C-7")
    assert (touch["utm_campaign"], touch["utm_source"], touch["utm_medium"], touch["utm_term"],
            touch["utm_content"]) == ("spring-launch", "baidu", "cpc", "crm 软件", "ad-3")
    assert touch["channel"] == "paid_search"  # the contract's rule: utm_medium cpc
    assert json.loads(touch["properties"]) == {"plan": "pro", "campaign_id": "C-7"}
    assert json.loads(touch["extra"])["event"] == "Demo Requested"


def test_page_properties_fill_url_and_referrer(running):
    mid = _mid()
    answer = running.post("/v1/page", {
        "anonymousId": "anon-2", "messageId": mid, "name": "Pricing",
        "properties": {"url": "https://example.cn/pricing?utm_source=zhihu&utm_medium=social",
                       "referrer": "https://www.baidu.com/s?wd=crm", "path": "/pricing",
                       "title": "价格"}})
    assert answer.status_code == 200, answer.text
    touch = _touch(running, mid)
    assert (touch["type"], touch["url"], touch["referrer"]) == (
        "page_view", "https://example.cn/pricing?utm_source=zhihu&utm_medium=social",
        "https://www.baidu.com/s?wd=crm")
    assert (touch["utm_source"], touch["utm_medium"], touch["channel"]) == (
        "zhihu", "social", "social")
    props = json.loads(touch["properties"])
    assert (props["path"], props["title"]) == ("/pricing", "价格")


def test_identify_records_identifier_links(running):
    mid = _mid()
    answer = running.post("/v1/identify", {
        "userId": "C-100", "anonymousId": "anon-3", "messageId": mid,
        "traits": {"email": "Bo@Example.com", "phone": "+86 139-0000-1111",
                   "wechat": {"openid": "open-9", "unionid": "union-9"}, "name": "Bo"}})
    assert answer.status_code == 200, answer.text
    assert _links(running, mid) == [
        ("anonymous_id", "anon-3", "email", "bo@example.com"),
        ("anonymous_id", "anon-3", "phone", "+8613900001111"),
        ("anonymous_id", "anon-3", "user_id", "C-100"),
        ("anonymous_id", "anon-3", "wechat_openid", "open-9"),
        ("anonymous_id", "anon-3", "wechat_unionid", "union-9"),
    ]


def test_group_links_the_user_to_the_group(running):
    mid = _mid()
    answer = running.post("/v1/group", {"userId": "C-100", "groupId": "ACME",
                                        "messageId": mid, "traits": {"name": "Acme"}})
    assert answer.status_code == 200, answer.text
    assert _links(running, mid) == [("user_id", "C-100", "group_id", "ACME")]


def test_user_id_is_stored_as_the_contact_id(running):
    mid = _mid()
    assert running.post("/v1/track", {"userId": "C-100", "event": "Whitepaper Downloaded",
                                      "messageId": mid}).status_code == 200
    touch = _touch(running, mid)
    assert (touch["contact_id"], touch["type"], touch["anonymous_id"]) == (
        "C-100", "content_download", None)


def test_clock_skew_is_corrected_by_sent_at(running):
    """The client's clock runs 1 hour fast: it stamps the event 10:00:00 and sends it 5 s later
    at 10:00:05 by its clock. The event happened 5 s before we received it."""
    mid = _mid()
    before = datetime.now(UTC)
    answer = running.post("/v1/batch", {"sentAt": "2026-01-05T10:00:05.000Z", "batch": [
        {"type": "track", "event": "Signed Up", "anonymousId": "anon-4", "messageId": mid,
         "timestamp": "2026-01-05T10:00:00.000Z"}]})
    after = datetime.now(UTC)
    assert answer.status_code == 200, answer.text
    touch = _touch(running, mid)
    received = datetime.fromisoformat(json.loads(touch["extra"])["received_at"])
    assert before <= received <= after
    assert touch["occurred_at"] == received - timedelta(seconds=5)
    assert touch["type"] == "trial_signup"


def test_without_sent_at_the_timestamp_is_kept(running):
    mid = _mid()
    running.post("/v1/track", {"event": "Chat Started", "anonymousId": "a", "messageId": mid,
                               "timestamp": "2026-01-05T18:00:00+08:00"})
    touch = _touch(running, mid)
    assert touch["occurred_at"] == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert touch["type"] == "chat"


def test_a_message_sent_twice_is_one_touchpoint(running):
    mid = _mid()
    body = {"batch": [{"type": "track", "event": "Ad Clicked", "anonymousId": "a",
                       "messageId": mid}]}
    first, second = running.post("/v1/batch", body), running.post("/v1/batch", body)
    assert (first.json()["duplicates"], second.json()["duplicates"]) == (0, 1)
    _touch(running, mid)  # asserts exactly one row


def test_gzip_bodies_are_accepted(running):
    mid = _mid()
    body = gzip.compress(json.dumps({"batch": [
        {"type": "track", "event": "Email Opened", "anonymousId": "a", "messageId": mid}]}
    ).encode())
    answer = httpx.post(f"{running.url}/v1/batch", content=body, auth=(running.keys["web"], ""),
                        headers={"Content-Encoding": "gzip",
                                 "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    assert _touch(running, mid)["type"] == "email_open"


def test_broken_gzip_is_a_400(running):
    answer = httpx.post(f"{running.url}/v1/batch", content=b"not gzip at all",
                        auth=(running.keys["web"], ""), headers={"Content-Encoding": "gzip"})
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_gzip"


def test_write_key_in_the_body_as_analytics_js_sends_it(running):
    mid = _mid()
    answer = running.post("/v1/batch", {"writeKey": running.keys["web"], "batch": [
        {"type": "page", "anonymousId": "a", "messageId": mid}]}, key=None,
        headers={"Content-Type": "text/plain"})
    assert answer.status_code == 200, answer.text
    assert _touch(running, mid)["type"] == "page_view"


@pytest.mark.parametrize("auth, code", [(None, "no_key"), (("rlk_not-a-real-key", ""), "bad_key"),
                                        (("garbage", ""), "bad_key")])
def test_missing_or_wrong_keys_get_401(running, auth, code):
    answer = httpx.post(f"{running.url}/v1/track", auth=auth,
                        json={"event": "x", "anonymousId": "a"})
    assert answer.status_code == 401
    assert answer.json()["code"] == code
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="RevLens"'


def test_a_form_key_is_not_a_tracking_key(running):
    answer = running.post("/v1/track", {"event": "x", "anonymousId": "a"}, key="signup")
    assert (answer.status_code, answer.json()["code"]) == (401, "wrong_kind")


def test_malformed_json_is_a_400_with_the_position(running):
    answer = httpx.post(f"{running.url}/v1/batch", content=b'{"batch": [', timeout=10,
                        auth=(running.keys["web"], ""))
    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed_json"
    assert "line 1 column 12" in answer.json()["message"]


def test_a_batch_reports_each_refused_message_and_keeps_the_others(running):
    good = [_mid(), _mid()]
    answer = running.post("/v1/batch", {"batch": [
        {"type": "track", "event": "Form Submitted", "anonymousId": "a", "messageId": good[0]},
        {"type": "track", "anonymousId": "a", "messageId": "no-event"},
        {"type": "track", "event": "x", "messageId": "nobody"},
        {"type": "launch", "anonymousId": "a", "messageId": "bad-type"},
        {"type": "track", "event": "x", "anonymousId": "a", "messageId": "bad-email",
         "context": {"traits": {"email": "not-an-email"}}},
        {"type": "track", "event": "x", "anonymousId": "a", "messageId": "bad-time",
         "timestamp": "yesterday"},
        "just a string",
        {"type": "page", "anonymousId": "a", "messageId": good[1]},
    ]})
    assert answer.status_code == 400
    body = answer.json()
    assert (body["accepted"], body["code"]) == (2, "invalid_messages")
    assert [(e["index"], e["messageId"], e["reason"]) for e in body["errors"]] == [
        (1, "no-event", "a track call needs an event name (`event`)"),
        (2, "nobody", "a message needs a userId or an anonymousId"),
        (3, "bad-type", "type must be one of track, identify, page, screen, group, alias, "
                        'not "launch"'),
        (4, "bad-email", "email: 'not-an-email' is not an email address"),
        (5, "bad-time", 'timestamp "yesterday" is not an ISO 8601 date/time '
                        "(e.g. 2026-01-05T10:00:00.000Z)"),
        (6, None, 'a message must be a JSON object, not "just a string"'),
    ]
    assert _touch(running, good[0])["type"] == "form_submit"
    assert _touch(running, good[1])["type"] == "page_view"


def test_an_unparseable_phone_is_a_warning_and_the_event_is_kept(running):
    mid = _mid()
    answer = running.post("/v1/track", {"event": "x", "anonymousId": "a", "messageId": mid,
                                        "context": {"traits": {"phone": "12"}}})
    assert answer.status_code == 200
    assert answer.json()["warnings"] == [{
        "index": 0, "messageId": mid,
        "warning": "phone: '12' is not a phone number that can be normalised to E.164 "
                   "(e.g. +8613812345678); the column was left empty"}]
    touch = _touch(running, mid)
    assert (touch["phone"], touch["type"]) == (None, "other")


def test_oversize_bodies_get_413(running):
    big = "x" * (33 * 1024)
    single = running.post("/v1/track", {"event": "x", "anonymousId": "a",
                                        "properties": {"blob": big}})
    assert (single.status_code, single.json()["code"]) == (413, "too_large")
    batch = running.post("/v1/batch", {"batch": [
        {"type": "track", "event": "x", "anonymousId": "a", "properties": {"blob": big[:30000]}}
        for _ in range(18)]})  # 18 x 30 KB > 500 KB
    assert batch.status_code == 413
    one_big = running.post("/v1/batch", {"batch": [
        {"type": "track", "event": "x", "anonymousId": "a", "properties": {"blob": big}}]})
    assert one_big.status_code == 413
    assert one_big.json()["errors"][0]["reason"].startswith("the message is 33,")


def test_gzip_cannot_smuggle_an_oversize_body(running):
    huge = gzip.compress(json.dumps({"batch": [], "pad": "x" * 600_000}).encode())
    assert len(huge) < 10_000
    answer = httpx.post(f"{running.url}/v1/batch", content=huge, auth=(running.keys["web"], ""),
                        headers={"Content-Encoding": "gzip"})
    assert answer.status_code == 413


def test_rate_limit_answers_429_with_retry_after(running):
    """slow: 10 events/s, burst 20. 20 events empty the bucket; 5 more need 0.5 s of refill,
    so Retry-After is 1 (whole seconds); after 0.6 s they pass."""
    def batch(n: int) -> dict:
        return {"batch": [{"type": "track", "event": "x", "anonymousId": "a"}
                          for _ in range(n)]}

    assert running.post("/v1/batch", batch(20), key="slow").status_code == 200
    refused = running.post("/v1/batch", batch(5), key="slow")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["code"] == "rate_limited"
    import time

    time.sleep(0.6)
    assert running.post("/v1/batch", batch(5), key="slow").status_code == 200


def test_cors_preflight_and_headers(running):
    answer = httpx.options(f"{running.url}/v1/batch",
                           headers={"Origin": "https://example.cn",
                                    "Access-Control-Request-Method": "POST"})
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    refused = httpx.post(f"{running.url}/v1/batch", json={})
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


def test_tracker_files_are_served_under_t(running):
    missing = httpx.get(f"{running.url}/t/no-such-file.js")
    assert missing.status_code == 404
    assert httpx.get(f"{running.url}/healthz").status_code == 200
