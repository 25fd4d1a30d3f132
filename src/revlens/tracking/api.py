"""The HTTP routes: Segment's tracking API under /v1, form webhooks, the tracker script at /t/.

    POST /v1/batch                     {"batch": [message, ...], "sentAt": ...}
    POST /v1/track|identify|page|screen|group|alias     one message
    POST /v1/forms/{source}            a form tool's webhook (JSON or form-encoded)

Auth: HTTP Basic with the write key as user name and an empty password, or `writeKey` in the
body (as analytics.js sends it); form webhooks also take `?key=`. Statuses: 200 all accepted;
400 malformed JSON, or some messages refused (each with its index and reason; the others are
accepted); 401 unknown or revoked key; 413 body over 500 KB (or a message over 32 KB); 429 over
the source's rate (Retry-After says when to retry). Nothing is acknowledged before it is in the
durable spool. The routers hold no mapping or storage logic: `TrackingService` does.
"""

from __future__ import annotations

import base64
import binascii
import json
import queue
import threading
import zlib
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from revlens.appdb import AppDB
from revlens.config import Settings
from revlens.tracking.flush import FORM, Flusher
from revlens.tracking.forms import check_form, flatten, map_submission
from revlens.tracking.ratelimit import RateLimiter
from revlens.tracking.segment import Problem, Receipt, Refused, Row, map_requests
from revlens.tracking.sources import SourceInfo, source_by_key
from revlens.tracking.spool import Spool, spool_path

STATIC_DIR = Path(__file__).parent / "static"
MAX_BATCH_BYTES = 500 * 1024
MAX_MESSAGE_BYTES = 32 * 1024
SINGLE = ("track", "identify", "page", "screen", "group", "alias")
CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Headers": "Authorization, Content-Type, Content-Encoding",
        "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Max-Age": "86400"}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] | None = None

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status,
                            headers={**CORS, **(self.headers or {})})


def _error(status: int, code: str, message: str, **more: Any) -> Answer:
    headers = {"WWW-Authenticate": 'Basic realm="RevLens"'} if status == 401 else None
    return Answer(status, {"success": False, "code": code, "message": message, **more}, headers)


class BodyError(Exception):
    def __init__(self, answer: Answer):
        self.answer = answer


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped when sent gzip; BodyError(413) past `limit` bytes."""
    too_big = _error(413, "too_large", f"the body is larger than {limit // 1024} KB; send "
                                       "smaller batches")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyError(too_big)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(too_big)
        chunks.append(chunk)
    body = b"".join(chunks)
    if request.headers.get("content-encoding", "").lower() in ("gzip", "x-gzip"):
        inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            body = inflate.decompress(body, limit + 1)
        except zlib.error as exc:
            raise BodyError(_error(400, "bad_gzip", f"the body is not valid gzip: {exc}")
                            ) from None
        if len(body) > limit or inflate.unconsumed_tail:
            raise BodyError(too_big)
    return body


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except UnicodeDecodeError:
        raise BodyError(_error(400, "malformed_json", "the body is not UTF-8 JSON")) from None
    except json.JSONDecodeError as exc:
        raise BodyError(_error(400, "malformed_json", f"malformed JSON: {exc.msg} at line "
                                                      f"{exc.lineno} column {exc.colno}")
                        ) from None


def basic_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0] or None


class Ingestor:
    """The one thread that maps and spools tracking requests, as many at a time as are
    waiting: one validation and one spool transaction (one fsync) cover them all.

    Request threads only authenticate and wait; on two cores that is what keeps a burst of
    concurrent batches from queueing behind each other's validation and commit (group commit).
    A request's 200 still comes only after its own events are in the durable spool.
    """

    def __init__(self, settings: Settings, spool: Spool, max_events: int = 5_000):
        self.settings, self.spool, self.max_events = settings, spool, max_events
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="revlens-tracking-ingest",
                                        daemon=True)
        self._thread.start()

    def ingest(self, messages: list[Any], receipt: Receipt, call: str | None
               ) -> tuple[list[Row], list[Problem], list[bool]]:
        """The request's accepted rows, its refused messages, and per row whether it was new;
        returns once the rows are in the spool."""
        job = _Job(messages, receipt, call, Future())
        self._jobs.put(job)
        return job.done.result()

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            jobs, events = [job], len(job.messages)
            while events < self.max_events:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # stop after this round
                    break
                jobs.append(more)
                events += len(more.messages)
            self._run(jobs)

    def _run(self, jobs: list[_Job]) -> None:
        try:
            mapped = map_requests([(j.messages, j.receipt, j.call) for j in jobs], self.settings)
            fresh = self.spool.append_many([
                (j.receipt.source, [(r.message_id, r.kind, r.data) for r in rows],
                 j.receipt.received_at) for j, (rows, _) in zip(jobs, mapped, strict=True)])
        except BaseException as exc:  # the requests answer 500; the thread goes on
            for j in jobs:
                j.done.set_exception(exc)
            return
        for j, (rows, problems), new in zip(jobs, mapped, fresh, strict=True):
            j.done.set_result((rows, problems, new))


@dataclass
class _Job:
    messages: list[Any]
    receipt: Receipt
    call: str | None
    done: Future


class TrackingService:
    """What the routes call: auth, rate, mapping, the spool, and the flusher thread."""

    def __init__(self, settings: Settings, flush_interval: float | None = None):
        self.settings = settings
        self.appdb = AppDB(settings.app_db_url)
        self.spool = Spool(spool_path(settings.workspace), checkpoints=False)
        self.limiter = RateLimiter()
        self.flusher = Flusher(settings, self.spool,
                               interval=flush_interval or settings.tracking_flush_seconds)
        self.ingestor = Ingestor(settings, self.spool)

    def start(self) -> None:
        self.flusher.start()

    def stop(self) -> None:
        self.ingestor.stop()
        self.flusher.stop()
        self.spool.close()
        self.appdb.close()

    # -- auth and rate -------------------------------------------------------------------
    def authenticate(self, key: str | None, kind: str) -> SourceInfo | Answer:
        if not key:
            return _error(401, "no_key", "no write key: send it as the Basic auth user name "
                                         "(empty password) or as writeKey in the body")
        source = source_by_key(self.appdb, key)
        if source is None:
            return _error(401, "bad_key", "unknown or revoked write key; create one with "
                                          "`revlens sources create NAME`")
        if source.kind != kind:
            return _error(401, "wrong_kind", f"the key belongs to the {source.kind} source "
                                             f"{source.name!r}, not to a {kind} source")
        return source

    def throttle(self, source: SourceInfo, events: int) -> Answer | None:
        wait = self.limiter.take(source.id, max(events, 1), source.rate_limit, source.burst)
        if not wait:
            return None
        return Answer(429, {"success": False, "code": "rate_limited",
                            "message": f"source {source.name!r} is limited to "
                                       f"{source.rate_limit:,} events/s (burst "
                                       f"{source.burst:,}); retry after {wait} s"},
                      {"Retry-After": str(wait)})

    # -- tracking ------------------------------------------------------------------------
    def track(self, header_key: str | None, payload: Any, call: str | None,
              received_at: datetime) -> Answer:
        if not isinstance(payload, dict):
            return _error(400, "malformed_json", "the body must be a JSON object")
        source = self.authenticate(header_key or _body_key(payload), "tracking")
        if isinstance(source, Answer):
            return source
        if call is None:
            messages = payload.get("batch")
            if not isinstance(messages, list):
                return _error(400, "no_batch", "a /v1/batch body needs a `batch` list of "
                                               "messages")
            shared = payload.get("context")
            if isinstance(shared, dict):
                messages = [{**m, "context": {**shared, **(m.get("context") or {})}}
                            if isinstance(m, dict) else m for m in messages]
        else:
            messages = [payload]
        limited = self.throttle(source, len(messages))
        if limited:
            return limited
        sent_at = payload.get("sentAt") if isinstance(payload.get("sentAt"), str) else None
        receipt = Receipt(source.name, source.options.get("user_id_as", "contact_id"),
                          received_at, sent_at)
        rows, problems, fresh = self.ingestor.ingest(messages, receipt, call)
        warnings = [{"index": r.index, "messageId": r.message_id, "warning": w}
                    for r in rows for w in r.warnings]
        counts = {"accepted": len(rows), "duplicates": fresh.count(False)}
        if not problems:
            return Answer(200, {"success": True, **counts, "warnings": warnings})
        status = 413 if all(p.too_large for p in problems) else 400
        first = problems[0]
        return _error(status, "invalid_messages",
                      f"{len(problems)} of {len(messages)} messages refused (the others were "
                      f"accepted); first: message {first.index}: {first.reason}",
                      **counts, errors=[p.as_json() for p in problems], warnings=warnings)

    # -- forms ---------------------------------------------------------------------------
    def form(self, name: str, key: str | None, fields: Any, received_at: datetime) -> Answer:
        source = self.authenticate(key, "form")
        if isinstance(source, Answer):
            return source
        if source.name != name:
            return _error(401, "wrong_source", f"the key belongs to the form source "
                                               f"{source.name!r}, not {name!r}")
        limited = self.throttle(source, 1)
        if limited:
            return limited
        try:
            rows = map_submission(flatten(fields), source.name, source.mapping,
                                  Receipt(source.name, "contact_id", received_at))
        except Refused as exc:
            return _error(400, "invalid_form", exc.reason)
        errors = check_form(rows, self.settings)
        if errors:
            return _error(400, "invalid_form", "; ".join(errors), errors=errors)
        payload = {"lead": rows.lead, "touchpoint": rows.touchpoint}
        fresh = self.spool.append(source.name, [(rows.message_id, FORM, payload)], received_at)
        return Answer(200, {"success": True, "lead_id": rows.lead["lead_id"],
                            "duplicate": not fresh[0]})


def _body_key(payload: dict) -> str | None:
    key = payload.get("writeKey")
    return key if isinstance(key, str) and key else None


async def _form_fields(request: Request, body: bytes) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise BodyError(_error(400, "bad_form", "the form body is not UTF-8")) from None
        return _group(pairs)
    if kind == "multipart/form-data":
        form = await request.form()
        return _group([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    return _parse_json(body)


def _group(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in pairs:
        if key in fields:
            fields[key] = [*(fields[key] if isinstance(fields[key], list) else [fields[key]]),
                           value]
        else:
            fields[key] = value
    return fields


def tracking_router(service: TrackingService) -> APIRouter:
    router = APIRouter(tags=["tracking"])

    async def handle(request: Request, call: str | None) -> Response:
        received_at = datetime.now(UTC)
        limit = MAX_BATCH_BYTES if call is None else MAX_MESSAGE_BYTES
        try:
            payload = _parse_json(await read_body(request, limit))
        except BodyError as exc:
            return exc.answer.response()
        answer = await run_in_threadpool(service.track, basic_key(request), payload, call,
                                         received_at)
        return answer.response()

    @router.post("/v1/batch", summary="Segment batch: many messages")
    async def batch(request: Request) -> Response:
        return await handle(request, None)

    for call in SINGLE:
        async def single(request: Request, call: str = call) -> Response:
            return await handle(request, call)

        router.add_api_route(f"/v1/{call}", single, methods=["POST"],
                             summary=f"Segment {call}: one message",
                             name=f"tracking_{call}")

    @router.post("/v1/forms/{source}", summary="Form webhook: one submission")
    async def form(source: str, request: Request, key: str | None = None) -> Response:
        received_at = datetime.now(UTC)
        try:
            fields = await _form_fields(request, await read_body(request, MAX_BATCH_BYTES))
        except BodyError as exc:
            return exc.answer.response()
        answer = await run_in_threadpool(service.form, source, basic_key(request) or key,
                                         fields, received_at)
        return answer.response()

    @router.options("/v1/{path:path}", include_in_schema=False)
    async def preflight(path: str) -> Response:
        return Response(status_code=204, headers=CORS)

    return router


def mount_tracking(app: FastAPI, settings: Settings) -> TrackingService:
    """Serve the tracking API and /t/ on `app`; the flusher runs while the app runs."""
    service = TrackingService(settings)
    app.include_router(tracking_router(service))
    from starlette.staticfiles import StaticFiles

    app.mount("/t", StaticFiles(directory=STATIC_DIR, check_dir=False), name="tracker")
    if hasattr(app, "on_startup"):  # NiceGUI's app runs its own lifespan
        app.on_startup(service.start)
        app.on_shutdown(service.stop)
    else:
        app.add_event_handler("startup", service.start)
        app.add_event_handler("shutdown", service.stop)
    return service
