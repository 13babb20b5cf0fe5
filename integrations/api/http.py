"""The API's HTTP plumbing: opaque cursors, ETag and Last-Modified with 304 answers, JSON
rendered with orjson, and a response cache keyed by the data's change watermark.

A response's ETag names the newest change of the data it shows (`Change` rows, written in
the same transaction as the data): anything that changes the data moves the watermark, so
a stale ETag or cache entry can never be served, and "nothing changed" costs one indexed
query — no rendering.
"""

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import orjson
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe
from ninja.errors import HttpError
from ninja.renderers import BaseRenderer

from integrations.models import Change

CACHE_SECONDS = 300
JSON = "application/json"


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data) -> bytes:
    return orjson.dumps(data, default=_default)


class OrjsonRenderer(BaseRenderer):
    media_type = JSON

    def render(self, request, data, *, response_status):
        return to_json(data)


# --- cursors ----------------------------------------------------------------------------------


def cursor_encode(*values) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *types) -> tuple:
    """The values a cursor carries, or a 422 saying it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError(cursor)
        return tuple(
            datetime.fromisoformat(v) if kind is datetime else kind(v)
            for v, kind in zip(values, types, strict=True)
        )
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise HttpError(422, f"The cursor {cursor!r} is not one this API gave out.") from error


def keyset_page(queryset, cursor: str | None, limit: int):
    """One page of a queryset ordered by (updated_at, id), after `cursor`: (rows, next).
    A row changed while a client pages moves to the end, where the client meets it again."""
    if cursor:
        updated_at, pk = cursor_decode(cursor, datetime, int)
        queryset = queryset.filter(updated_at__gte=updated_at).exclude(
            updated_at=updated_at, pk__lte=pk
        )
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor_encode(rows[-1].updated_at, rows[-1].pk)


def id_page(queryset, cursor: str | None, limit: int):
    """One page of a queryset ordered by id, after `cursor`: (rows, next)."""
    if cursor:
        (after,) = cursor_decode(cursor, int)
        queryset = queryset.filter(pk__gt=after)
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor_encode(rows[-1].pk)


# --- conditional answers and the cache --------------------------------------------------------


def etag_of(request, change: Change | None, scope: str = "") -> str:
    """The ETag of what this request shows while `change` is the newest change behind it
    (`scope`: whose view it is, e.g. a channel's orders)."""
    mark = change.pk if change else 0
    query = request.get_full_path()
    digest = hashlib.sha256(f"{query}|{scope}|{mark}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(request, etag: str, change: Change | None) -> HttpResponse | None:
    """A 304 when the client's copy is current (If-None-Match first, as RFC 9110 says)."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        tags = {tag.strip() for tag in match.split(",")}
        if etag in tags or f"W/{etag}" in tags or "*" in tags:
            return _with_validators(HttpResponseNotModified(), etag, change)
        return None
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is not None and change is not None and int(change.created_at.timestamp()) <= since:
        return _with_validators(HttpResponseNotModified(), etag, change)
    return None


def _with_validators(response: HttpResponse, etag: str, change: Change | None) -> HttpResponse:
    response["ETag"] = etag
    if change is not None:
        response["Last-Modified"] = http_date(change.created_at.timestamp())
    response["Cache-Control"] = "private, no-cache"
    return response


def conditional_json(
    request, change: Change | None, build: Callable, *, cached: bool, scope: str = ""
):
    """Answer with 304, a cached body, or `build()` rendered (and cached when `cached`)."""
    etag = etag_of(request, change, scope)
    unchanged = not_modified(request, etag, change)
    if unchanged is not None:
        return unchanged
    key = f"api:{etag}"
    body = cache.get(key) if cached else None
    if body is None:
        body = to_json(build().model_dump())  # as Ninja renders: same dates, same numbers
        if cached:
            cache.set(key, body, CACHE_SECONDS)
    return _with_validators(HttpResponse(body, content_type=JSON), etag, change)
