"""The API's HTTP plumbing: opaque cursors, ETag and Last-Modified with 304 answers, JSON
rendered with orjson, and a response cache keyed by the data's change watermark.

A response's ETag names the version of the data it shows (`integrations.changes.watermark`,
over `Change` rows written in the same transaction as the data): anything that changes the
data moves the watermark, so a stale ETag or cache entry can never be served, and "nothing
changed" costs one indexed query — no rendering.
"""

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from ninja.errors import HttpError
from ninja.renderers import BaseRenderer

from integrations.changes import watermark

CACHE_SECONDS = 300
SEEN_SECONDS = 7 * 24 * 3600  # how long the first sight of a version dates it
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
        return tuple(_cursor_value(v, kind) for v, kind in zip(values, types, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError) as error:
        raise HttpError(422, f"The cursor {cursor!r} is not one this API gave out.") from error


LARGEST_ID = 2**63 - 1  # a bigint column's


def _cursor_value(value, kind):
    """One value of a cursor, as the database can compare it (else ValueError)."""
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(value)
        return moment.astimezone(UTC)
    number = kind(value)
    if kind is int and not 0 <= number <= LARGEST_ID:
        raise ValueError(value)
    return number


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


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: int | None  # a whole second, or None while that second is not over


def validators(request, scope: str, version: str) -> Validators:
    """The ETag of what this request shows at `version` of the data behind `scope`, and its
    Last-Modified: the first time this version was seen, stored in the cache.

    The version, not a row's timestamp, dates the data: on PostgreSQL a change committed late
    carries an older timestamp than changes already served. A date is handed out only once
    its second is over, so a client's If-Modified-Since can never cover a change made later
    in the same second; a version seen again after its cache entry expired gets a later date,
    which only costs that client one full answer.
    """
    digest = hashlib.sha256(f"{request.get_full_path()}|{scope}|{version}".encode())
    # Without the cache (Redis unreachable) a version is "first seen" now: no Last-Modified
    # until it is back, the ETag still answers If-None-Match.
    seen = cache.get_or_set(f"api:seen:{scope}:{version}", timezone.now, SEEN_SECONDS)
    seen = seen or timezone.now()
    second = int(seen.timestamp())
    over = second < int(timezone.now().timestamp())
    return Validators(f'"{digest.hexdigest()[:32]}"', second if over else None)


def not_modified(request, tags: Validators) -> HttpResponse | None:
    """A 304 when the client's copy is current (If-None-Match first, as RFC 9110 says)."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        sent = {tag.strip() for tag in match.split(",")}
        if tags.etag in sent or f"W/{tags.etag}" in sent or "*" in sent:
            return _with_validators(HttpResponseNotModified(), tags)
        return None
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is not None and tags.last_modified is not None and tags.last_modified <= since:
        return _with_validators(HttpResponseNotModified(), tags)
    return None


def _with_validators(response: HttpResponse, tags: Validators) -> HttpResponse:
    response["ETag"] = tags.etag
    if tags.last_modified is not None:
        response["Last-Modified"] = http_date(tags.last_modified)
    response["Cache-Control"] = "private, no-cache"
    return response


def conditional_json(
    request, kinds: Sequence[str], build: Callable, *, cached: bool, channel_id: int | None = None
):
    """Answer with 304, a cached body, or `build()` rendered (and cached when `cached`), for
    data made of the change `kinds` (of one channel's orders, with `channel_id`)."""
    scope = ",".join(sorted(kinds)) + ("" if channel_id is None else f"@{channel_id}")
    tags = validators(request, scope, watermark(kinds, channel_id))
    unchanged = not_modified(request, tags)
    if unchanged is not None:
        return unchanged
    key = f"api:body:{tags.etag}"
    body = cache.get(key) if cached else None
    if body is None:
        body = to_json(build().model_dump())  # as Ninja renders: same dates, same numbers
        if cached:
            cache.set(key, body, CACHE_SECONDS)
    return _with_validators(HttpResponse(body, content_type=JSON), tags)
