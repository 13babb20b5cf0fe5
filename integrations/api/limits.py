"""The storefront API's rate limits, counted atomically in the cache.

Each limit is a fixed window: one counter per identity and window, created with the window's
expiry (`add`: SET NX EX in Redis) and raised with `incr` (INCR), so concurrent
requests each get their own count and none slips past the limit, as they do past a
read-then-write counter. Two limits use it:

- per API key, `API_RATE_LIMIT` requests (600/m): beyond, 429 with Retry-After;
- per client address, `API_AUTH_FAILURE_LIMIT` failed authentications (20/m): beyond, every
  authentication from that address is refused with 429 until the window ends, so keys cannot
  be guessed at speed.

When the cache is unreachable, `API_LIMITS_FAIL_OPEN` decides: serve without limits (the
default: a storefront keeps selling while Redis is down) or answer 503.
"""

import logging
import math
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from ninja.errors import HttpError
from ninja.throttling import BaseThrottle

from backoffice.clients import client_address

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'600/m' → 600 per 60 seconds."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", text)
        if not match or match[2] not in PERIODS:
            raise ValueError(f"{text!r} is not a rate such as 600/m (number/s, /m, /h or /d).")
        return cls(int(match[1]), PERIODS[match[2]])


class TooManyFailures(Exception):
    """This address failed to authenticate too often: refused until `wait` seconds pass."""

    def __init__(self, wait: float):
        super().__init__("Too many failed authentications from this address.")
        self.wait = wait


def too_many_failures_response(api, request, error: TooManyFailures):
    detail = f"{error} Try again in {math.ceil(error.wait)} seconds."
    response = api.create_response(request, {"detail": detail}, status=429)
    response["Retry-After"] = str(math.ceil(error.wait))
    return response


class LimitsUnavailable(HttpError):
    def __init__(self):
        super().__init__(503, "The API is briefly unavailable; try again in a minute.")


def _window(scope: str, ident: str, rate: Rate) -> tuple[str, float]:
    """The counter's key for the current window, and the seconds left in it."""
    now = time.time()
    number = int(now // rate.seconds)
    return f"limit:{scope}:{ident}:{number}", (number + 1) * rate.seconds - now


def _unavailable(error: Exception) -> None:
    """The cache failed: serve without the limit, or refuse, as configured."""
    logger.warning("API limits cannot count (%s)", type(error).__name__)
    if not settings.API_LIMITS_FAIL_OPEN:
        raise LimitsUnavailable from error


def count(scope: str, ident: str, rate: Rate) -> float | None:
    """Count one event; None while within the limit, else the seconds until it resets."""
    key, left = _window(scope, ident, rate)
    cache = caches["limits"]
    try:
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between the two calls: this event starts a window
            cache.add(key, 1, timeout=rate.seconds + 1)
            used = 1
    except HttpError:
        raise
    except Exception as error:
        _unavailable(error)
        return None
    return None if used <= rate.count else left


def exceeded(scope: str, ident: str, rate: Rate) -> float | None:
    """Whether the limit is already used up (without counting): the seconds left, or None."""
    key, left = _window(scope, ident, rate)
    try:
        used = caches["limits"].get(key, 0)
    except Exception as error:
        _unavailable(error)
        return None
    return left if used >= rate.count else None


def authenticate_counting_failures(request, authenticate):
    """`authenticate()` unless the client's address has used up its failed authentications;
    a failure (None) is counted against the address."""
    address = client_address(request)
    rate = Rate.parse(settings.API_AUTH_FAILURE_LIMIT)
    wait = exceeded("auth-failures", address, rate)
    if wait is not None:
        raise TooManyFailures(wait)
    client = authenticate()
    if client is None:
        count("auth-failures", address, rate)
    return client


class PerKeyThrottle(BaseThrottle):
    """`API_RATE_LIMIT` requests per key; a request without a valid key never gets here
    (authentication refuses it first, and counts the failure per address)."""

    def __init__(self):
        self._waits = threading.local()  # one throttle serves every request thread

    def allow_request(self, request) -> bool:
        client = getattr(request, "auth", None)
        ident = getattr(client, "prefix", None) or "anonymous"
        self._waits.left = count("key", ident, Rate.parse(settings.API_RATE_LIMIT))
        return self._waits.left is None

    def wait(self) -> float | None:
        return getattr(self._waits, "left", None)
