"""Several requests mapped and spooled together (what the ingest thread does under load) give
each request exactly what it alone would have got: its own rows, its own refusals with its own
message indexes, and its own duplicate flags."""

from __future__ import annotations

from datetime import UTC, datetime

from revlens.config import load_settings
from revlens.tracking.segment import Receipt, map_messages, map_requests
from revlens.tracking.spool import Spool

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _page(mid: str, url: str = "https://www.example.cn/") -> dict:
    return {"type": "page", "messageId": mid, "anonymousId": "a1",
            "properties": {"url": url}}


def test_requests_mapped_together_keep_their_own_indexes(tmp_path):
    settings = load_settings(tmp_path / "ws")
    first = [_page("m1"), {"type": "track", "messageId": "m2"},  # no id: refused
             _page("m3")]
    second = [{"type": "identify", "messageId": "m4", "anonymousId": "a2",
               "traits": {"email": "nope"}},                    # refused by validation
              _page("m5"),
              {"type": "track", "event": "Demo Requested", "messageId": "m6",
               "anonymousId": "a2", "timestamp": "not a time"}]  # refused
    receipt = Receipt("web", "contact_id", NOW)
    together = map_requests([(first, receipt, None), (second, receipt, None)], settings)
    alone = [map_messages(first, receipt, settings), map_messages(second, receipt, settings)]
    for (rows, problems), (rows_alone, problems_alone) in zip(together, alone, strict=True):
        assert [(r.index, r.message_id) for r in rows] == [
            (r.index, r.message_id) for r in rows_alone]
        assert [(p.index, p.reason) for p in problems] == [
            (p.index, p.reason) for p in problems_alone]
    assert [(r.index, r.message_id) for r in together[0][0]] == [(0, "m1"), (2, "m3")]
    assert [p.index for p in together[0][1]] == [1]
    assert [(r.index, r.message_id) for r in together[1][0]] == [(1, "m5")]
    assert [(p.index, p.message_id) for p in together[1][1]] == [(0, "m4"), (2, "m6")]
    assert together[1][1][0].reason.startswith("traits.email:")


def test_one_spool_transaction_for_several_requests(tmp_path):
    with Spool(tmp_path / "spool.db") as spool:
        spool.append("web", [("m1", "touchpoint", {"a": 1})], NOW)
        fresh = spool.append_many([
            ("web", [("m1", "touchpoint", {"a": 1}), ("m2", "touchpoint", {"a": 2})], NOW),
            ("app", [("m3", "links", {"links": []}), ("m2", "touchpoint", {"a": 2})], NOW)])
        assert fresh == [[False, True], [True, False]]
        assert spool.received() == {"web": (2, NOW.isoformat()), "app": (1, NOW.isoformat())}
        assert spool.stats().pending == 3
