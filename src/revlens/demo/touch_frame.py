"""Touchpoints in compact integer form, and their rendering to ``touchpoints.csv``.

Blocks of touchpoints are built as dicts of numpy arrays holding *codes* (row indexes into
people, leads, campaigns, ...), never strings: ten million rows take about 450 MB. Strings are
made only while writing, one chunk at a time, with Arrow ``take`` on small lookup tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revlens.demo import identities as ident
from revlens.demo import touch_vocab as tv
from revlens.demo.schema import CHANNELS, TOUCH_TYPES
from revlens.demo.timeline import END_TS, START_TS
from revlens.demo.writer import CsvSink, format_ids, lookup

Block = dict[str, np.ndarray]

FIELDS: dict[str, tuple[type, int | None]] = {
    "ts": (np.int64, None), "type": (np.int8, None), "visitor": (np.int32, -1),
    "person": (np.int32, -1), "ids": (np.uint8, 0), "lead": (np.int32, -1),
    "account": (np.int32, -1), "campaign": (np.int32, -1), "content": (np.int32, -1),
    "channel": (np.int8, -1), "utm": (np.bool_, 0), "creative": (np.int32, -1),
    "url": (np.int32, -1), "referrer": (np.int8, -1), "prop": (np.int8, -1),
    "prop_val": (np.int32, 0),
}
VISITOR_SALT = 0x5EED


def block(n: int, **cols: object) -> Block:
    """A block of ``n`` touchpoints; scalars broadcast, missing fields take their default."""
    out: Block = {}
    for name, (dtype, default) in FIELDS.items():
        value = cols.pop(name, default)
        if value is None:
            raise KeyError(f"touch block needs {name!r}")
        arr = np.asarray(value)
        out[name] = np.full(n, arr, dtype=dtype) if arr.ndim == 0 else arr.astype(dtype)
    if cols:
        raise KeyError(f"unknown touch fields {sorted(cols)}")
    return out


def concat(blocks: list[Block]) -> Block:
    """One block of all rows inside the window, sorted by time (stable)."""
    frame = {name: np.concatenate([b[name] for b in blocks]) for name in FIELDS}
    inside = (frame["ts"] >= START_TS) & (frame["ts"] <= END_TS)
    order = np.flatnonzero(inside)
    order = order[np.argsort(frame["ts"][order], kind="stable")]
    return {name: values[order] for name, values in frame.items()}


@dataclass
class TouchTables:
    """Lookup tables the codes point into."""

    email: pa.Array
    phone: pa.Array
    unionid: pa.Array
    openid: pa.Array
    contact_id: pa.Array
    lead_id: pa.Array
    account_id: pa.Array
    campaign_id: pa.Array
    utm_source: pa.Array
    utm_medium: pa.Array
    utm_campaign: pa.Array
    content_id: pa.Array
    keyword: pa.Array
    ad_group: pa.Array
    url: pa.Array

    def has(self, name: str) -> np.ndarray:
        return getattr(self, name).is_valid().to_numpy(zero_copy_only=False)


def ensure_identifier(frame: Block, tables: TouchTables) -> None:
    """Give rows whose flags point at missing identifiers the person's e-mail and phone."""
    person = frame["person"]
    p = np.maximum(person, 0)
    flags = frame["ids"]
    known = frame["visitor"] >= 0
    known |= (frame["lead"] >= 0) & (flags & tv.LEAD > 0)
    for flag, name in ((tv.EMAIL, "email"), (tv.PHONE, "phone"), (tv.UNIONID, "unionid"),
                       (tv.OPENID, "openid"), (tv.CONTACT, "contact_id")):
        known |= (person >= 0) & (flags & flag > 0) & tables.has(name)[p]
    fix = ~known
    if (fix & (person < 0)).any():
        raise AssertionError("touchpoint without any identifier and without a person")
    frame["ids"][fix] |= tv.EMAIL | tv.PHONE


def _flagged(codes: np.ndarray, flags: np.ndarray, flag: int) -> np.ndarray:
    return np.where(flags & flag > 0, codes, -1)


def _properties(prop: np.ndarray, value: np.ndarray) -> pa.Array:
    pre = [t.split("%d")[0] if "%d" in t else t for t in tv.PROPS]
    post = [t.split("%d")[1] if "%d" in t else "" for t in tv.PROPS]
    with_value = np.array(["%d" in t for t in tv.PROPS])
    number = pc.cast(pa.array(value), pa.string())
    shown = pc.if_else(pa.array(with_value[np.maximum(prop, 0)]), number, "")
    return ident.cat(lookup(pre, prop), shown, lookup(post, prop))


def _url(frame: Block, s: slice, tables: TouchTables) -> pa.Array:
    url = lookup(tables.url, frame["url"][s])
    tagged = frame["utm"][s] & (frame["type"][s] == TOUCH_TYPES.index("ad_click"))
    camp = np.where(tagged, frame["campaign"][s], -1)
    query = ident.cat("?utm_source=", lookup(tables.utm_source, camp), "&utm_medium=",
                      lookup(tables.utm_medium, camp), "&utm_campaign=",
                      lookup(tables.utm_campaign, camp))
    return pc.coalesce(ident.cat(url, query), url)


def chunk_table(frame: Block, s: slice, first_id: int, tables: TouchTables) -> dict[str, object]:
    f = {name: values[s] for name, values in frame.items()}
    n = len(f["ts"])
    flags, person = f["ids"], f["person"]
    visitor = f["visitor"]
    anon = ident.uuid_strings(np.maximum(visitor, 0), VISITOR_SALT)
    camp = np.where(f["utm"], f["campaign"], -1)
    return {
        "touchpoint_id": format_ids("TP", np.arange(first_id, first_id + n), 9),
        "occurred_at": f["ts"], "type": lookup(list(TOUCH_TYPES), f["type"]),
        "anonymous_id": pc.if_else(pa.array(visitor >= 0), anon, pa.scalar(None, pa.string())),
        "email": lookup(tables.email, _flagged(person, flags, tv.EMAIL)),
        "phone": lookup(tables.phone, _flagged(person, flags, tv.PHONE)),
        "wechat_openid": lookup(tables.openid, _flagged(person, flags, tv.OPENID)),
        "wechat_unionid": lookup(tables.unionid, _flagged(person, flags, tv.UNIONID)),
        "contact_id": lookup(tables.contact_id, _flagged(person, flags, tv.CONTACT)),
        "lead_id": lookup(tables.lead_id, _flagged(f["lead"], flags, tv.LEAD)),
        "account_id": lookup(tables.account_id, f["account"]),
        "campaign_id": lookup(tables.campaign_id, f["campaign"]),
        "content_id": lookup(tables.content_id, f["content"]),
        "channel": lookup(list(CHANNELS), f["channel"]),
        "utm_source": lookup(tables.utm_source, camp),
        "utm_medium": lookup(tables.utm_medium, camp),
        "utm_campaign": lookup(tables.utm_campaign, camp),
        "utm_term": lookup(tables.keyword, f["creative"]),
        "utm_content": lookup(tables.ad_group, f["creative"]),
        "url": _url(frame, s, tables),
        "referrer": lookup(tv.REFERRERS, f["referrer"]),
        "properties": _properties(f["prop"], f["prop_val"]),
    }


def write_touchpoints(path: Path, frame: Block, tables: TouchTables,
                      chunk: int = 1_000_000) -> int:
    n = len(frame["ts"])
    with CsvSink(path, "touchpoints") as sink:
        for start in range(0, n, chunk):
            s = slice(start, min(start + chunk, n))
            sink.write(chunk_table(frame, s, start + 1, tables))
        return sink.rows
