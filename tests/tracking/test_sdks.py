"""The official Segment and RudderStack Python SDKs, pointed at RevLens on loopback."""

from __future__ import annotations

import pytest
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client as SegmentClient

from tests.tracking.conftest import add_source, rows

pytestmark = pytest.mark.slow


def _send(client, prefix: str) -> None:
    client.track("C-1", "Demo Requested", {"plan": "pro"}, anonymous_id=f"{prefix}-anon",
                 message_id=f"{prefix}-track",
                 context={"campaign": {"name": "q1", "source": "google", "medium": "cpc"}})
    client.identify("C-1", {"email": f"{prefix}@Example.com", "phone": "13812345678"},
                    anonymous_id=f"{prefix}-anon", message_id=f"{prefix}-identify")
    client.page("C-1", "Docs", "Pricing", {"url": "https://example.cn/pricing",
                                           "referrer": "https://www.google.com/"},
                anonymous_id=f"{prefix}-anon", message_id=f"{prefix}-page")
    client.group("C-1", "ACME", {"name": "Acme"}, anonymous_id=f"{prefix}-anon",
                 message_id=f"{prefix}-group")
    client.flush()


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
def test_sdk_calls_land_in_the_warehouse(running, sdk):
    key = add_source(running.workspace, f"sdk-{sdk}")
    errors = []
    if sdk == "segment":
        client = SegmentClient(key, host=running.url, on_error=lambda e, b: errors.append(e),
                               gzip=True, max_retries=1)
    else:
        client = RudderClient(key, running.url, on_error=lambda e, b: errors.append(e),
                              gzip=True, max_retries=1)
    _send(client, sdk)
    client.shutdown() if hasattr(client, "shutdown") else client.join()
    assert errors == []
    touches = {r["touchpoint_id"]: r for r in rows(
        running.workspace, "touchpoints",
        lambda rs: {f"{sdk}-track", f"{sdk}-page"} <= {r["touchpoint_id"] for r in rs})}
    track, page = touches[f"{sdk}-track"], touches[f"{sdk}-page"]
    assert (track["type"], track["contact_id"], track["anonymous_id"], track["utm_campaign"],
            track["channel"]) == ("demo_request", "C-1", f"{sdk}-anon", "q1", "paid_search")
    assert (page["type"], page["url"], page["channel"]) == (
        "page_view", "https://example.cn/pricing", "organic_search")
    links = rows(running.workspace, "identity_links",
                 lambda rs: {f"{sdk}-identify", f"{sdk}-group"} <= {r["message_id"] for r in rs})
    mine = sorted((r["to_kind"], r["to_value"]) for r in links
                  if r["message_id"] in (f"{sdk}-identify", f"{sdk}-group"))
    # the group call's anonymous_id -> user_id edge was already known from the identify call
    assert mine == [("email", f"{sdk}@example.com"), ("group_id", "ACME"),
                    ("phone", "+8613812345678"), ("user_id", "C-1")]
