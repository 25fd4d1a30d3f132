"""Form webhooks: one submission -> one lead (contract `leads`) + one `form_submit` touchpoint.

A form tool posts its fields as JSON or form-encoded. Nested JSON is flattened to dotted names
(`{"entry": {"field_1": "x"}}` -> `entry.field_1`), so tools that wrap their fields still map.
A field goes to the column the source's mapping names (`revlens sources create NAME --kind form
--mapping FILE`); fields the mapping does not name match lead columns by their canonical name
or the contract's header aliases (`email`, `手机`, `公司`, ...); the rest are kept in `extra`.

Besides the lead columns a mapping may name the touchpoint's own fields (`anonymous_id`,
`wechat_openid`, `utm_*`, `url`, `referrer`, `content_id`) and `submission_id`, the form tool's
id of the submission. The lead id is the mapped `lead_id`, else `form-` + a hash of the source
and the submission (its id, else all its fields), so a webhook delivered twice is one lead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from revlens.config import Settings
from revlens.contract.channels import derive_channel
from revlens.contract.entities import entity, header_aliases
from revlens.ingest.headers import HeaderMap, normalise_header
from revlens.ingest.readers import RawTable
from revlens.ingest.validate import validate
from revlens.tracking.segment import Receipt, Refused, iso_utc

FORM_ONLY = ("anonymous_id", "wechat_openid", "utm_source", "utm_medium", "utm_campaign",
             "utm_term", "utm_content", "url", "referrer", "content_id", "submission_id")
TOUCH_FROM_LEAD = ("email", "phone", "wechat_unionid", "campaign_id", "account_id",
                   "contact_id")
MAX_FIELDS = 500


def mapping_targets() -> list[str]:
    """What a form field may be mapped to: lead columns and the touchpoint's own fields."""
    return [*entity("leads").column_names, *FORM_ONLY]


def flatten(data: Any, prefix: str = "") -> dict[str, str]:
    """Form fields as text: nested objects as dotted names, lists joined with ', '."""
    if not isinstance(data, dict):
        raise Refused("a form submission must be a JSON object or form-encoded fields")
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list):
            parts = [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                     for v in value if v is not None]
            out[name] = ", ".join(parts)
        elif value is not None:
            out[name] = value if isinstance(value, str) else json.dumps(value)
    if len(out) > MAX_FIELDS:
        raise Refused(f"a form submission has at most {MAX_FIELDS} fields, not {len(out):,}")
    return out


@dataclass
class FormRows:
    message_id: str
    lead: dict[str, str]
    touchpoint: dict[str, str]


def _lookup(mapping: dict[str, str]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column, aliases in header_aliases(entity("leads")).items():
        for name in (column, *aliases):
            lookup.setdefault(normalise_header(name), column)
    for name in FORM_ONLY:
        lookup.setdefault(normalise_header(name), name)
    for field, column in mapping.items():
        lookup[normalise_header(field)] = column
    return lookup


def map_submission(fields: dict[str, str], source: str, mapping: dict[str, str] | None,
                   receipt: Receipt) -> FormRows:
    lookup = _lookup(mapping or {})
    given = {normalise_header(k): k for k in (mapping or {})}
    mapped: dict[str, str] = {}
    extra: dict[str, str] = {}
    for name, value in fields.items():
        key = normalise_header(name)
        column = lookup.get(key) or (
            None if key in given else lookup.get(normalise_header(name.rsplit(".", 1)[-1])))
        value = value.strip()
        if column and column not in mapped and value:
            mapped[column] = value
        elif value:
            extra[name] = value
    submission = mapped.pop("submission_id", None) or json.dumps(
        fields, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{source}\n{submission}".encode()).hexdigest()[:20]
    lead_columns = set(entity("leads").column_names)
    lead = {k: v for k, v in mapped.items() if k in lead_columns}
    lead.setdefault("lead_id", f"form-{digest}")
    lead.setdefault("created_at", iso_utc(receipt.received_at))
    lead.setdefault("status", "new")
    touch = {k: v for k, v in mapped.items() if k in FORM_ONLY}
    touch.update({k: lead[k] for k in TOUCH_FROM_LEAD if k in lead})
    if "source_channel" not in lead and any(k in touch for k in ("utm_medium", "utm_source")):
        columns = {k: pa.array([touch.get(k)], pa.string())
                   for k in ("utm_source", "utm_medium", "utm_campaign", "referrer")}
        lead["source_channel"] = derive_channel(columns, 1)[0].as_py()
    touch.update(touchpoint_id=f"form-{digest}", occurred_at=lead["created_at"],
                 type="form_submit", lead_id=lead["lead_id"],
                 properties=json.dumps(fields, ensure_ascii=False))
    if extra:
        lead["extra"] = json.dumps(extra, ensure_ascii=False)
    touch["extra"] = json.dumps({"source": source, "call": "form"}, ensure_ascii=False)
    return FormRows(f"form-{digest}", lead, touch)


def check_form(rows: FormRows, settings: Settings) -> list[str]:
    """The contract's errors for the lead and its touchpoint ('column: reason'); warnings
    (a phone that is not one) empty that value in both rows."""
    errors = []
    for name, row in (("leads", rows.lead), ("touchpoints", rows.touchpoint)):
        ent = entity(name)
        columns = [c for c in ent.column_names if c in row]
        raw = RawTable(pa.table({c: pa.array([row[c]], pa.string()) for c in columns}),
                       pa.array([1], pa.int64()), "json")
        checked = validate(raw, HeaderMap({c: c for c in columns}), ent, settings)
        for issue in checked.issues.to_pylist():
            reason = f"{issue['column']}: {issue['reason']}"
            if issue["severity"] == "error":
                errors.append(reason)
            else:
                rows.lead.pop(issue["column"], None)
                rows.touchpoint.pop(issue["column"], None)
    return list(dict.fromkeys(errors))
