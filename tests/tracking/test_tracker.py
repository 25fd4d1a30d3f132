"""The website tracker in a real Chromium: a customer's site (its own origin) with the snippet
of docs/tracker.md, a visitor landing from a Baidu ad, browsing, submitting the marked form;
then the warehouse holds the page views, the form submission and the identity link, under the
anonymous id of the first-party cookie. Do-Not-Track and consent are honoured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from tests.tracking.conftest import rows
from tests.tracking.tracker_site import Site, site_pages

pytestmark = pytest.mark.e2e
UTM = {"utm_source": "baidu", "utm_medium": "cpc", "utm_campaign": "brand-q4",
       "bd_vid": "bd-123"}
REFERRER = "https://www.baidu.com/s?wd=crm"
DNT = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'});"


@pytest.fixture(scope="module")
def site(running) -> Iterator[Site]:
    site = Site(site_pages(running.url, running.keys["web"])).start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def consent_site(running) -> Iterator[Site]:
    site = Site(site_pages(running.url, running.keys["web"], require_consent=True)).start()
    yield site
    site.stop()


class Sent:
    """What the pages of a context sent to the tracking API: each request's kind ("fetch", or
    "ping" for navigator.sendBeacon) and messages, read by a route (which sees beacon bodies)."""

    def __init__(self, page, api: str):
        self.page = page
        self.requests: list[dict] = []
        page.context.route(f"{api}/v1/**", self._seen)

    def _seen(self, route) -> None:
        request = route.request
        if request.method == "POST":
            body = json.loads(request.post_data_buffer or b"{}")
            self.requests.append({"type": request.resource_type, "body": body,
                                  "messages": body.get("batch", [])})
        route.continue_()

    @property
    def messages(self) -> list[dict]:
        return [m for r in self.requests for m in r["messages"]]

    def wait_for(self, check, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not check(self.messages):
            self.page.wait_for_timeout(100)  # Playwright delivers events while it waits
        assert check(self.messages), [(r["type"], [(m["type"], m.get("event"))
                                                   for m in r["messages"]])
                                      for r in self.requests]


def _cookie(context, name: str = "revlens_aid") -> str | None:
    found = [c["value"] for c in context.cookies() if c["name"] == name]
    return found[0] if found else None


def _of(touches: list[dict], anonymous_id: str) -> list[dict]:
    return [t for t in touches if t["anonymous_id"] == anonymous_id]


def test_a_visit_lands_as_touchpoints_and_an_identity_link(browser, running, site):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    sent = Sent(page, running.url)
    page.goto(f"{site.origin}/landing.html?{urlencode(UTM)}", referer=REFERRER)
    sent.wait_for(lambda ms: any(m["type"] == "page" for m in ms))
    anonymous_id = _cookie(context)
    assert anonymous_id and len(anonymous_id) == 36

    page.click("#to-pricing")
    page.wait_for_url("**/pricing.html")
    page.fill("input[name=email]", "Ana.Li@Example.cn")
    page.fill("input[name=name]", "李安娜")
    page.fill("input[name=company]", "星辰科技")
    page.fill("textarea[name=message]", "unmarked: never read")
    page.fill("input[name=password]", "hunter2-secret")
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks.html")
    page.evaluate("revlens.track('Demo Requested', {plan: 'pro'})")
    page.evaluate("revlens.identify('C-9', {phone: '13912345678'})")
    sent.wait_for(lambda ms: sum(m["type"] == "page" for m in ms) == 3
                  and any(m.get("event") == "Demo Requested" for m in ms)
                  and any(m.get("userId") == "C-9" for m in ms))
    context.close()

    # what left the browser: never the unmarked field nor the password; several messages per
    # request; the form's messages by beacon as the page was left
    everything = json.dumps([r["body"] for r in sent.requests], ensure_ascii=False)
    assert "hunter2" not in everything and "never read" not in everything
    assert any(len(r["messages"]) > 1 for r in sent.requests)
    assert len(sent.requests) < len(sent.messages)
    form_request = next(r for r in sent.requests
                        if any(m.get("event") == "Form Submitted" for m in r["messages"]))
    assert form_request["type"] == "ping"  # navigator.sendBeacon
    assert {m["anonymousId"] for m in sent.messages} == {anonymous_id}
    assert b"hunter2-secret" in b"".join(site.posted)  # the site's own form still got it all

    touches = _of(rows(running.workspace, "touchpoints",
                       lambda rs: len(_of(rs, anonymous_id)) >= 5), anonymous_id)
    by_type: dict[str, list[dict]] = {}
    for touch in sorted(touches, key=lambda t: t["occurred_at"]):
        by_type.setdefault(touch["type"], []).append(touch)
    landing = by_type["page_view"][0]
    assert landing["url"] == f"{site.origin}/landing.html?{urlencode(UTM)}"
    assert (landing["referrer"], landing["utm_source"], landing["utm_medium"],
            landing["utm_campaign"], landing["channel"]) == (
        REFERRER, "baidu", "cpc", "brand-q4", "paid_search")
    assert [p["url"].rsplit("/", 1)[1] for p in by_type["page_view"][1:]] == [
        "pricing.html", "thanks.html"]
    (form,) = by_type["form_submit"]
    assert form["email"] == "ana.li@example.cn"
    assert json.loads(form["properties"])["form"] == "trial-signup"
    (demo,) = by_type["demo_request"]
    assert json.loads(demo["properties"])["plan"] == "pro"

    links = {(r["to_kind"], r["to_value"]) for r in rows(
        running.workspace, "identity_links",
        lambda rs: sum(r["from_value"] == anonymous_id for r in rs) >= 3)
        if r["from_value"] == anonymous_id}
    assert {("email", "ana.li@example.cn"), ("user_id", "C-9"),
            ("phone", "+8613912345678")} <= links


def test_do_not_track_sends_and_stores_nothing(browser, running, site):
    context = browser.new_context()
    context.add_init_script(DNT)
    page = context.new_page()
    sent = Sent(page, running.url)
    page.goto(f"{site.origin}/landing.html?{urlencode(UTM)}")
    page.evaluate("revlens.track('Demo Requested'); revlens.consent(true); revlens.flush()")
    page.wait_for_timeout(2500)  # longer than the flush interval
    stored = page.evaluate("Object.keys(localStorage)")
    cookie = _cookie(context)
    context.close()
    assert sent.requests == []
    assert (cookie, stored) == (None, [])


def test_nothing_leaves_before_consent_and_the_landing_is_kept(browser, running,
                                                                consent_site):
    context = browser.new_context()
    page = context.new_page()
    sent = Sent(page, running.url)
    page.goto(f"{consent_site.origin}/landing.html?utm_source=wechat&utm_medium=social"
              "&utm_campaign=consent-test")
    page.wait_for_timeout(2500)
    assert sent.requests == [] and _cookie(context) is None
    assert page.evaluate("Object.keys(localStorage)") == []

    page.click("text=Accept 同意")
    sent.wait_for(lambda ms: any(m["type"] == "page" for m in ms))
    anonymous_id = _cookie(context)
    assert anonymous_id
    page.click("#to-pricing")  # consent is remembered: the next page sends at once
    page.wait_for_url("**/pricing.html")
    sent.wait_for(lambda ms: sum(m["type"] == "page" for m in ms) == 2)
    page.click("text=Decline 拒绝")  # withdrawn: the id is forgotten, nothing more is sent
    page.evaluate("revlens.track('Demo Requested'); revlens.flush()")
    page.wait_for_timeout(2500)
    assert _cookie(context) is None
    context.close()
    assert not any(m.get("event") == "Demo Requested" for m in sent.messages)

    touches = _of(rows(running.workspace, "touchpoints",
                       lambda rs: len(_of(rs, anonymous_id)) >= 2), anonymous_id)
    landing = min(touches, key=lambda t: t["occurred_at"])
    assert (landing["utm_campaign"], landing["channel"]) == ("consent-test", "social")
