"""Masking of personal data for users without the PII permission: phones keep their first three
and last four digits (138****5678), e-mail addresses their first character and domain
(z***@example.com)."""

from __future__ import annotations

PII_FIELDS = ("email", "phone", "wechat_openid", "wechat_unionid")


def mask_phone(value: str) -> str:
    digits = value[3:] if value.startswith("+86") else value.lstrip("+")
    if len(digits) < 8:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(value: str) -> str:
    name, at, domain = value.partition("@")
    if not at:
        return "***"
    return f"{name[:1]}***@{domain}"


def mask(field: str, value: object) -> object:
    """`value` of `field` as a user without the PII permission sees it."""
    if value is None or not isinstance(value, str) or not value:
        return value
    if field == "phone":
        return mask_phone(value)
    if field == "email":
        return mask_email(value)
    if field in ("wechat_openid", "wechat_unionid"):
        return value[:4] + "****"
    return value


def masked_record(record: dict, pii: bool) -> dict:
    return record if pii else {k: mask(k, v) for k, v in record.items()}
