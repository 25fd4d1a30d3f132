"""Vectorised generation of personal identifiers: names, e-mail addresses, phones, WeChat ids.

Everything here works on whole columns (numpy / Arrow); nothing loops over rows. Identifiers
that must be unique (phones, e-mails, WeChat ids) are drawn so they are, because the planted
duplicate-person truths rely on *only* the planted duplicates sharing an identifier.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from revlens.demo import vocab_people as vp

_B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                     dtype=np.uint8)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def cat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of Arrow string arrays and scalars (null if any is null)."""
    return pc.binary_join_element_wise(*parts, "")


def obj(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Arrow strings -> numpy object array (missing -> None), for pandas columns."""
    return arr.to_numpy(zero_copy_only=False)


def pick(rng: np.random.Generator, n: int, weights: list[float] | np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=n, p=w / w.sum())


def take(values: list[str], codes: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct integers in [low, high), in random order (high - low >> n)."""
    if n > (high - low) // 2:
        raise ValueError(f"cannot draw {n:,} distinct values from a range of {high - low:,}")
    out = rng.integers(low, high, size=n)
    while True:
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            return out
        out[dup] = rng.integers(low, high, size=int(dup.sum()))


def bytes_to_str(codes: np.ndarray) -> pa.Array:
    """A (n, k) uint8 matrix of ASCII codes -> Arrow string array of n k-char strings."""
    n, k = codes.shape
    flat = np.ascontiguousarray(codes, dtype=np.uint8).view(f"S{k}").ravel()
    return pa.array(flat, pa.binary(k)).cast(pa.binary()).cast(pa.string()) if n else pa.array(
        [], pa.string())


def wechat_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """WeChat-style ids: ``o`` + 27 url-safe base64 characters (28 chars)."""
    body = _B64[rng.integers(0, 64, size=(n, 27))]
    return cat("o", bytes_to_str(body))


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def uuid_strings(ids: np.ndarray, salt: int) -> pa.Array:
    """Deterministic UUID-4-looking strings for integer ids (same id + salt -> same uuid)."""
    ids = np.asarray(ids, dtype=np.int64).astype(np.uint64)
    words = np.empty((len(ids), 2), dtype=np.uint64)
    words[:, 0] = _splitmix64(ids ^ np.uint64(salt))
    words[:, 1] = _splitmix64(ids + np.uint64(salt * 2 + 1))
    raw = words.view(np.uint8).reshape(len(ids), 16)
    hexes = np.empty((len(ids), 32), dtype=np.uint8)
    hexes[:, 0::2] = _HEX[raw >> 4]
    hexes[:, 1::2] = _HEX[raw & 15]
    hexes[:, 12] = ord("4")
    out = np.full((len(ids), 36), ord("-"), dtype=np.uint8)
    for dst, src, length in ((0, 0, 8), (9, 8, 4), (14, 12, 4), (19, 16, 4), (24, 20, 12)):
        out[:, dst:dst + length] = hexes[:, src:src + length]
    return bytes_to_str(out)


def chinese_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(name, surname pinyin, given-name pinyin) for ``n`` Chinese people."""
    sur = pick(rng, n, [w for _, _, w in vp.SURNAMES])
    g1 = rng.integers(0, len(vp.GIVEN_CHARS), size=n)
    g2 = np.where(rng.random(n) < 0.62, rng.integers(0, len(vp.GIVEN_CHARS), size=n), -1)
    chars = [c for c, _ in vp.GIVEN_CHARS] + [""]
    pins = [p for _, p in vp.GIVEN_CHARS] + [""]
    g2i = np.where(g2 < 0, len(vp.GIVEN_CHARS), g2)
    name = cat(take([s for s, _, _ in vp.SURNAMES], sur), take(chars, g1), take(chars, g2i))
    given_py = cat(take(pins, g1), take(pins, g2i))
    return name, take([p for _, p, _ in vp.SURNAMES], sur), given_py


def english_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(name, last name for e-mail, first name for e-mail) for ``n`` English-named people."""
    first = rng.integers(0, len(vp.FIRST_NAMES), size=n)
    last = rng.integers(0, len(vp.LAST_NAMES), size=n)
    name = cat(take(vp.FIRST_NAMES, first), " ", take(vp.LAST_NAMES, last))

    def slug(words: list[str]) -> list[str]:
        return [w.lower().replace("ü", "ue").replace(" ", "").replace("-", "") for w in words]

    return name, take(slug(vp.LAST_NAMES), last), take(slug(vp.FIRST_NAMES), first)


def work_local_parts(rng: np.random.Generator, surname: pa.Array, given: pa.Array,
                     english: np.ndarray) -> pa.Array:
    """Corporate e-mail local parts: ``jianguo.wang``, ``wangjianguo``, ``wang.jianguo``."""
    variants = [cat(given, ".", surname), cat(surname, given), cat(surname, ".", given),
                cat(pc.utf8_slice_codeunits(given, 0, 1), surname)]
    style = np.where(english, rng.choice([0, 3], size=len(english)), rng.integers(0, 3,
                                                                                 len(english)))
    return pc.choose(pa.array(style), *variants)


def free_mail(rng: np.random.Generator, surname: pa.Array, given: pa.Array,
              english: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """(local part, domain) at free-mail providers: numeric QQ ids, pinyin + digits, ..."""
    n = len(english)
    domain = pick(rng, n, vp.FREE_MAIL_WEIGHTS_ZH)
    domain = np.where(english, rng.choice([3, 4], size=n), domain)
    qq = pc.cast(pa.array(rng.integers(10_000_000, 3_000_000_000, size=n)), pa.string())
    digits = pc.cast(pa.array(rng.integers(1, 9999, size=n)), pa.string())
    named = cat(surname, given, digits)
    local = pc.if_else(pa.array((domain == 0) | (domain == 5)), qq, named)
    return local, take(vp.FREE_MAIL, domain)


def dedupe_local_parts(local: pa.Array, domain: pa.Array) -> pa.Array:
    """Append 2, 3, ... to local parts that repeat within a domain, so addresses are unique."""
    import pandas as pd

    key = pd.Series(cat(local, "@", domain).to_numpy(zero_copy_only=False))
    rank = key.groupby(key, sort=False).cumcount().to_numpy()
    suffix = pa.array(np.where(rank > 0, (rank + 1).astype(str), ""), pa.string())
    return cat(local, suffix, "@", domain)


def cn_mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct 11-digit Chinese mobile numbers as int64."""
    prefixes = np.array([int(p) for p in vp.MOBILE_PREFIXES], dtype=np.int64)
    draws = unique_ints(rng, n, 0, len(prefixes) * 100_000_000)
    return prefixes[draws // 100_000_000] * 100_000_000 + draws % 100_000_000


def cn_phone_formats(numbers: np.ndarray, style: np.ndarray) -> pa.Array:
    """Render mobiles in the mixed formats seen in real exports (style 0..6)."""
    d = pc.cast(pa.array(numbers), pa.string())
    a, b, c = (pc.utf8_slice_codeunits(d, lo, hi) for lo, hi in ((0, 3), (3, 7), (7, 11)))
    variants = [d, cat(a, " ", b, " ", c), cat(a, "-", b, "-", c), cat("+86 ", a, " ", b, " ", c),
                cat("+86-", d), cat("0086", d), cat("+86", d)]
    return pc.choose(pa.array(np.asarray(style, dtype=np.int8)), *variants)


def intl_phones(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    """(E.164, display form) for ``n`` non-Chinese numbers in fictitious ranges."""
    country = rng.integers(0, len(vp.INTL_PHONES), size=n)
    e164 = []
    shown = []
    for k, (code, length, lead) in enumerate(vp.INTL_PHONES):
        rows = np.flatnonzero(country == k)
        free = length - len(lead)
        tail = unique_ints(rng, len(rows), 0, 10**free)
        national = pc.cast(pa.array(int(lead) * 10**free + tail), pa.string())
        e164.append((rows, cat(code, national)))
        shown.append((rows, cat(code, " ", national)))
    return _scatter(n, e164), _scatter(n, shown)


def _scatter(n: int, parts: list[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    order = np.concatenate([rows for rows, _ in parts]) if parts else np.array([], np.int64)
    values = pa.concat_arrays([arr for _, arr in parts]) if parts else pa.array([], pa.string())
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return values.take(pa.array(inverse))
