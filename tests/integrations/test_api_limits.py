"""The API's limits hold under concurrency and behind a proxy: per key, requests are counted
atomically (32 threads against a real server get exactly the limit through); per client
address, failed authentications are limited, so keys cannot be guessed at speed; the address
is the one the trusted proxy saw, never one the client wrote; and when the cache is gone, the
limits fail open or closed as configured."""

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from backoffice.settings import redis_caches
from integrations.api import limits
from integrations.models import ApiClient
from tests.factories import ChannelFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import API, get, issue_key, order_body, post_order, state

fresh_cache = api_helpers.fresh_cache

BAD_KEY = "bo_nosuchkey_0000000000000000000000000000"


def test_concurrent_counting_lets_exactly_the_limit_through():
    rate = limits.Rate(600, 86_400)  # a day's window: the test never straddles two
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(lambda _: limits.count("key", "race", rate), range(700)))
    assert sum(answer is None for answer in answers) == 600


def test_concurrent_requests_get_exactly_the_limit_through(committed_db, live_server, settings):
    """Through a real threaded server, committed data (the server's threads read it)."""
    settings.API_RATE_LIMIT = "50/d"
    key = issue_key(ChannelFactory(code="web"))
    base = live_server.url

    def call(_):
        return requests.get(
            f"{base}{API}/stock", headers={"Authorization": f"Bearer {key}"}, timeout=30
        ).status_code

    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = list(pool.map(call, range(128)))
    assert answers.count(200) == 50
    assert answers.count(429) == 78


def test_failed_authentications_are_limited_per_address(client, shop, settings):
    settings.API_AUTH_FAILURE_LIMIT = "3/h"
    key = issue_key(shop.channel)
    here, elsewhere = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "203.0.113.5"}
    answers = [
        client.get(f"{API}/stock", **here, headers={"Authorization": f"Bearer {BAD_KEY}"})
        for _ in range(3)
    ]
    assert [answer.status_code for answer in answers] == [401, 401, 401]
    refused = client.get(f"{API}/stock", **here, headers={"Authorization": f"Bearer {BAD_KEY}"})
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many failed authentications from this address.")
    assert 1 <= int(refused["Retry-After"]) <= 3600
    # Even a good key is refused from there until the window ends, and nothing is written.
    before = state()
    good_here = client.post(
        f"{API}/orders",
        data=order_body(("MUG", 1)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "o-1"},
        **here,
    )
    assert good_here.status_code == 429
    assert state() == before
    assert ApiClient.objects.get().last_used_at is None
    # Another address is not punished for it.
    assert (
        client.get(
            f"{API}/stock", **elsewhere, headers={"Authorization": f"Bearer {key}"}
        ).status_code
        == 200
    )


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, shop, settings):
    settings.API_AUTH_FAILURE_LIMIT = "2/h"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def attempt(forwarded):
        return client.get(
            f"{API}/stock",
            headers={"Authorization": f"Bearer {BAD_KEY}", "X-Forwarded-For": forwarded},
            **proxy,
        ).status_code

    # The attacker writes a new address each time; the proxy appends the real one.
    assert attempt("1.1.1.1, 198.51.100.7") == 401
    assert attempt("2.2.2.2, 198.51.100.7") == 401
    assert attempt("3.3.3.3, 198.51.100.7") == 429
    # Another client behind the same proxy is not locked out with it.
    assert attempt("198.51.100.8") == 401


def test_without_a_proxy_a_forwarded_address_is_ignored(client, shop, settings):
    settings.API_AUTH_FAILURE_LIMIT = "2/h"
    settings.TRUSTED_PROXY_COUNT = 0
    codes = [
        client.get(
            f"{API}/stock",
            headers={"Authorization": f"Bearer {BAD_KEY}", "X-Forwarded-For": f"1.1.1.{n}"},
            REMOTE_ADDR="198.51.100.7",
        ).status_code
        for n in range(3)
    ]
    assert codes == [401, 401, 429]


@pytest.fixture
def cache_gone(settings):
    """The caches are on a Redis nobody answers at, configured as in production."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{port}/1")


def test_without_the_cache_limits_fail_open_by_default(client, shop, settings, cache_gone):
    key = issue_key(shop.channel)
    assert settings.API_LIMITS_FAIL_OPEN is True
    assert get(client, "/stock", key).status_code == 200
    assert (
        client.get(f"{API}/stock", headers={"Authorization": f"Bearer {BAD_KEY}"}).status_code
        == 401
    )


def test_without_the_cache_limits_can_fail_closed(client, shop, settings, cache_gone):
    settings.API_LIMITS_FAIL_OPEN = False
    key = issue_key(shop.channel)
    before = state()
    refused = post_order(client, key, order_body(("MUG", 1)))
    assert refused.status_code == 503
    assert refused.json() == {"detail": "The API is briefly unavailable; try again in a minute."}
    assert state() == before


def test_a_rate_must_be_well_formed():
    assert limits.Rate.parse("600/m") == limits.Rate(600, 60)
    with pytest.raises(ValueError, match="not a rate such as 600/m"):
        limits.Rate.parse("600 per minute")
