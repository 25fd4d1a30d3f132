"""Segment-spec messages -> contract rows: touchpoints, and identity links for OneID.

What maps where (docs/tracking.md has the table for users):
- `track`, `page`, `screen` -> one `touchpoints` row; `touchpoint_id` is the `messageId`, so a
  message sent twice is one touchpoint. `identify`, `group`, `alias` -> `identity_links` rows
  (anonymous_id <-> user_id, email, phone, WeChat ids, group_id).
- occurred_at = timestamp + (receivedAt - sentAt): the client's clock is corrected by the skew
  between its `sentAt` and our `receivedAt`; without `sentAt` the timestamp is taken as given,
  without `timestamp` it is `receivedAt`.
- traits (context.traits, or the identify call's traits) give email (lower-cased), phone
  (E.164 by the contract's phone rules), wechat_openid and wechat_unionid; context.campaign
  gives utm_* (name -> utm_campaign); page properties give url and referrer (path and title
  stay in `properties`).
Every row goes through the contract's own validation (`ingest.validate`), so a value the import
would reject is refused here, with its reason, before it is acknowledged.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pyarrow.compute as pc

from revlens.config import Settings
from revlens.contract.entities import entity
from revlens.contract.values import ValueContext, clean_text, kind
from revlens.ingest.headers import HeaderMap
from revlens.ingest.readers import RawTable
from revlens.ingest.validate import validate
from revlens.tracking.events import touch_type

MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
MAX_EVENT_BYTES = 32 * 1024
MAX_ID_CHARS = 200
TOUCHPOINT, LINKS = "touchpoint", "links"
UTM = {"name": "utm_campaign", "source": "utm_source", "medium": "utm_medium",
       "term": "utm_term", "content": "utm_content"}
TRAIT_IDENTIFIERS = {  # identifier -> trait names that carry it, first present wins
    "email": ("email",),
    "phone": ("phone", "mobile"),
    "wechat_openid": ("wechat_openid", "openid"),
    "wechat_unionid": ("wechat_unionid", "unionid"),
}
PROPERTY_IDS = ("campaign_id", "content_id", "account_id", "lead_id", "contact_id")
TOUCH_COLUMNS = entity("touchpoints").column_names


@dataclass
class Row:
    """One accepted message: what the spool stores for it."""

    index: int
    message_id: str
    kind: str                              # TOUCHPOINT or LINKS
    data: dict[str, Any]                   # touchpoint columns (text), or {"links": [...]}
    warnings: list[str] = field(default_factory=list)


@dataclass
class Problem:
    index: int
    message_id: str | None
    reason: str
    too_large: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, "messageId": self.message_id, "reason": self.reason}


class Refused(Exception):
    """A message that cannot be accepted; `reason` says why, for the client."""

    def __init__(self, reason: str, too_large: bool = False):
        super().__init__(reason)
        self.reason, self.too_large = reason, too_large


@dataclass(frozen=True)
class Receipt:
    """Where and when a request arrived: what every message of it shares."""

    source: str
    user_id_as: str            # the touchpoint column a userId is stored in
    received_at: datetime
    sent_at: str | None = None  # the batch's sentAt, used when a message has none


def parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise Refused(f"{name} must be an ISO 8601 date/time string, not {_shown(value)}")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        raise Refused(f"{name} {_shown(value)} is not an ISO 8601 date/time "
                      "(e.g. 2026-01-05T10:00:00.000Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def occurred_at(message: dict, receipt: Receipt) -> tuple[datetime, dict[str, str]]:
    """timestamp + (receivedAt - sentAt), and the times it came from (kept in `extra`)."""
    given = message.get("timestamp") or message.get("originalTimestamp")
    sent = message.get("sentAt") or receipt.sent_at
    times = {"received_at": iso_utc(receipt.received_at)}
    if not given:
        return receipt.received_at, times
    stamp = parse_time(given, "timestamp")
    times["timestamp"] = str(given)
    if not sent:
        return stamp.astimezone(UTC), times
    sent_at = parse_time(sent, "sentAt")
    times["sent_at"] = str(sent)
    return (stamp + (receipt.received_at - sent_at)).astimezone(UTC), times


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _shown(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _id(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Refused(f"{name} must be a string, not {_shown(value)}")
    text = str(value).strip()
    if len(text) > MAX_ID_CHARS:
        raise Refused(f"{name} is longer than {MAX_ID_CHARS} characters")
    return text or None


def _object(message: dict, name: str) -> dict:
    value = message.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Refused(f"{name} must be a JSON object, not {_shown(value)}")
    return value


def message_id(message: dict) -> str:
    """The messageId, or (when the client sent none) a hash of the message, so that a retry
    of the same message is still recognised."""
    given = _id(message.get("messageId"), "messageId")
    if given:
        return given
    canonical = json.dumps(message, sort_keys=True, ensure_ascii=False, default=str)
    return "auto-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text or None


def _traits_ids(traits: dict) -> dict[str, str]:
    found = {}
    for column, names in TRAIT_IDENTIFIERS.items():
        for name in names:
            value = _text(traits.get(name))
            if value:
                found[column] = value
                break
    wechat = traits.get("wechat")
    if isinstance(wechat, dict):
        for short in ("openid", "unionid"):
            value = _text(wechat.get(short))
            if value:
                found.setdefault(f"wechat_{short}", value)
    return found


def _utm_from_url(url: str | None) -> dict[str, str]:
    if not url:
        return {}
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    found = {}
    for short, column in UTM.items():
        key = "utm_campaign" if short == "name" else column
        if query.get(key):
            found[column] = query[key][0]
    return found


def _touchpoint(message: dict, msg_type: str, receipt: Receipt) -> dict[str, Any]:
    properties = _object(message, "properties")
    context = _object(message, "context")
    page = context.get("page") if isinstance(context.get("page"), dict) else {}
    campaign = context.get("campaign") if isinstance(context.get("campaign"), dict) else {}
    traits = context.get("traits") if isinstance(context.get("traits"), dict) else {}
    when, times = occurred_at(message, receipt)
    row: dict[str, Any] = {"occurred_at": iso_utc(when)}
    if msg_type == "track":
        event = _id(message.get("event"), "event")
        if not event:
            raise Refused("a track call needs an event name (`event`)")
        row["type"] = touch_type(event)
    else:
        row["type"] = "page_view"
    row["anonymous_id"] = _id(message.get("anonymousId"), "anonymousId")
    user_id = _id(message.get("userId"), "userId")
    if user_id:
        row[receipt.user_id_as] = user_id
    row.update(_traits_ids({**traits, **{k: v for k, v in properties.items()
                                         if k in ("email", "phone")}}))
    for name in PROPERTY_IDS:
        value = _text(properties.get(name))
        if value:
            row.setdefault(name, value)
    group = _id(context.get("groupId"), "context.groupId")
    if group:
        row.setdefault("account_id", group)
    row["url"] = _text(properties.get("url")) or _text(page.get("url"))
    row["referrer"] = _text(properties.get("referrer")) or _text(page.get("referrer"))
    utm = {column: _text(campaign.get(short)) for short, column in UTM.items()}
    for column, value in _utm_from_url(row["url"]).items():
        utm[column] = utm.get(column) or value
    row.update({k: v for k, v in utm.items() if v})
    if msg_type in ("page", "screen"):
        properties = {**properties}
        for name in ("path", "title"):
            value = _text(page.get(name))
            if value and name not in properties:
                properties[name] = value
    if properties:
        row["properties"] = json.dumps(properties, ensure_ascii=False, default=str)
    extra = {"source": receipt.source, "call": msg_type, **times}
    for name, value in (("event", message.get("event")), ("name", message.get("name")),
                        ("category", message.get("category")), ("user_id", user_id),
                        ("ip", context.get("ip")), ("user_agent", context.get("userAgent"))):
        if value:
            extra[name] = value
    library = context.get("library")
    if isinstance(library, dict) and library.get("name"):
        extra["library"] = f"{library.get('name')}/{library.get('version', '')}".rstrip("/")
    row["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
    return {k: v for k, v in row.items() if v is not None}


def _links(message: dict, msg_type: str, receipt: Receipt) -> dict[str, Any]:
    """Edges from the message's anchor (anonymous_id, else user_id) to every other identifier
    it carries."""
    when, _ = occurred_at(message, receipt)
    anonymous = _id(message.get("anonymousId"), "anonymousId")
    user = _id(message.get("userId"), "userId")
    ids: list[tuple[str, str]] = []
    if anonymous:
        ids.append(("anonymous_id", anonymous))
    if user:
        ids.append(("user_id", user))
    if msg_type == "alias":
        previous = _id(message.get("previousId"), "previousId")
        if not previous or not user:
            raise Refused("an alias call needs previousId and userId")
        ids.insert(0, ("previous_id", previous))
    traits = _object(message, "traits") or (_object(message, "context").get("traits") or {})
    if msg_type == "identify":
        ids += sorted(_traits_ids(traits).items())
    if msg_type == "group":
        group = _id(message.get("groupId"), "groupId")
        if not group:
            raise Refused("a group call needs a groupId")
        ids.append(("group_id", group))
    anchor, others = ids[0], ids[1:]
    links = [{"from_kind": anchor[0], "from_value": anchor[1], "to_kind": k, "to_value": v}
             for k, v in others]
    return {"observed_at": iso_utc(when), "links": links,
            "traits": json.dumps(traits, ensure_ascii=False, default=str) if traits else None}


def _map_one(message: Any, index: int, default_type: str | None, receipt: Receipt) -> Row:
    if not isinstance(message, dict):
        raise Refused(f"a message must be a JSON object, not {_shown(message)}")
    size = len(json.dumps(message, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_EVENT_BYTES:
        raise Refused(f"the message is {size:,} bytes; the limit is 32 KB per message",
                      too_large=True)
    msg_type = default_type or message.get("type")
    if msg_type not in MESSAGE_TYPES:
        raise Refused(f"type must be one of {', '.join(MESSAGE_TYPES)}, not "
                      f"{_shown(message.get('type'))}")
    for name in ("properties", "traits", "context"):
        _object(message, name)
    if not (_id(message.get("userId"), "userId") or _id(message.get("anonymousId"),
                                                          "anonymousId")):
        raise Refused("a message needs a userId or an anonymousId")
    mid = message_id(message)
    if msg_type in ("track", "page", "screen"):
        row = _touchpoint(message, msg_type, receipt)
        row["touchpoint_id"] = mid
        return Row(index, mid, TOUCHPOINT, row)
    return Row(index, mid, LINKS, _links(message, msg_type, receipt))


def map_messages(messages: list[Any], receipt: Receipt, settings: Settings,
                 default_type: str | None = None) -> tuple[list[Row], list[Problem]]:
    """Accepted rows and refused messages (with their index in `messages`)."""
    return map_requests([(messages, receipt, default_type)], settings)[0]


def map_requests(requests: list[tuple[list[Any], Receipt, str | None]], settings: Settings
                 ) -> list[tuple[list[Row], list[Problem]]]:
    """`map_messages` for several requests at once: one validation of all their touchpoints
    and links (its cost is mostly per call, not per row). Each request gets its own rows and
    problems, indexed within it."""
    rows: list[Row] = []
    problems: list[Problem] = []
    starts: list[int] = []  # the first global index of each request's messages
    offset = 0
    for messages, receipt, default_type in requests:
        starts.append(offset)
        for index, message in enumerate(messages, offset):
            try:
                rows.append(_map_one(message, index, default_type, receipt))
            except Refused as exc:
                mid = message.get("messageId") if isinstance(message, dict) else None
                problems.append(Problem(index, mid if isinstance(mid, str) else None,
                                        exc.reason, exc.too_large))
        offset += len(messages)
    rows, refused = check_touchpoints(rows, settings)
    refused += check_links(rows, settings)
    problems += refused
    bad = {p.index for p in problems}
    out: list[tuple[list[Row], list[Problem]]] = [([], []) for _ in requests]
    for row in rows:
        if row.index not in bad:
            k = bisect.bisect_right(starts, row.index) - 1
            row.index -= starts[k]
            out[k][0].append(row)
    for problem in sorted(problems, key=lambda p: p.index):
        k = bisect.bisect_right(starts, problem.index) - 1
        problem.index -= starts[k]
        out[k][1].append(problem)
    return out


def touchpoint_table(rows: list[dict[str, Any]], numbers: list[int]) -> RawTable:
    """Touchpoint rows (text values) as the RawTable the import path validates."""
    names = [c for c in TOUCH_COLUMNS if any(c in r for r in rows)]
    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in names})
    return RawTable(table, pa.array(numbers, pa.int64()), "json")


def check_touchpoints(rows: list[Row], settings: Settings) -> tuple[list[Row], list[Problem]]:
    """The contract's validation of the touchpoint rows: errors refuse a message (with the
    column and the reason), warnings (a phone that is not one) empty that value only."""
    touches = [r for r in rows if r.kind == TOUCHPOINT]
    if not touches:
        return rows, []
    raw = touchpoint_table([r.data for r in touches], [r.index for r in touches])
    names = raw.table.column_names
    checked = validate(raw, HeaderMap({c: c for c in names}, []), entity("touchpoints"),
                       settings)
    by_index = {r.index: r for r in touches}
    problems: list[Problem] = []
    for issue in checked.issues.to_pylist():
        row = by_index[issue["row_number"]]
        reason = f"{issue['column']}: {issue['reason']}" if issue["column"] else issue["reason"]
        if issue["severity"] == "error":
            problems.append(Problem(row.index, row.message_id, reason))
        else:
            row.warnings.append(reason)
            row.data.pop(issue["column"], None)
    return rows, problems


_EMAIL, _PHONE = kind("email"), kind("phone")


def check_links(rows: list[Row], settings: Settings) -> list[Problem]:
    """Emails and phones of identity links, normalised by the contract's rules (in place)."""
    ctx = ValueContext(settings.timezone, settings.currency)
    problems = []
    for parser, column in ((_EMAIL, "email"), (_PHONE, "phone")):
        edges = [(r, e) for r in rows if r.kind == LINKS for e in r.data["links"]
                 if e["to_kind"] == column]
        if not edges:
            continue
        parsed = parser.parse(clean_text(pa.array([e["to_value"] for _, e in edges])), ctx)
        for (row, edge), value, bad in zip(edges, parsed.values.to_pylist(),
                                           pc.fill_null(parsed.invalid, False).to_pylist(),
                                           strict=True):
            reason = parsed.reason.format(value=edge["to_value"])
            if not bad:
                edge["to_value"] = value
            elif parser.invalid_is_warning:
                row.warnings.append(f"traits.{column}: {reason}")
                row.data["links"].remove(edge)
            else:
                problems.append(Problem(row.index, row.message_id, f"traits.{column}: {reason}"))
    return problems
