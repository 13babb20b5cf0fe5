"""Who may call the storefront API: keys, scopes, the per-key rate limit, the page size cap and
browser origins per channel."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import ApiClient, Scope
from integrations.services import api_client_revoke
from sales.services import channel_save
from tests.integrations import api_helpers
from tests.integrations.api_helpers import (
    ALL_SCOPES,
    API,
    SYSTEM,
    auth,
    get,
    issue_key,
    order_body,
    post_order,
    state,
)

# Fixtures shared by the API tests (autouse: fresh_cache).
fresh_cache = api_helpers.fresh_cache
other_channel = api_helpers.other_channel

# Every endpoint, with the scope it needs ("feed": any of the read scopes).
ENDPOINTS = [
    ("GET", "/categories", Scope.CATALOG_READ),
    ("GET", "/products", Scope.CATALOG_READ),
    ("GET", "/products/{handle}", Scope.CATALOG_READ),
    ("GET", "/products/{product_id}", Scope.CATALOG_READ),
    ("GET", "/variants/TEE-M", Scope.CATALOG_READ),
    ("GET", "/stock", Scope.STOCK_READ),
    ("GET", "/stock/TEE-M", Scope.STOCK_READ),
    ("GET", "/orders", Scope.ORDERS_READ),
    ("GET", "/orders/{number}", Scope.ORDERS_READ),
    ("POST", "/orders", Scope.ORDERS_WRITE),
    ("GET", "/changes", "feed"),
]
FEED_SCOPES = {Scope.CATALOG_READ, Scope.STOCK_READ, Scope.ORDERS_READ}


@pytest.fixture
def placed(shop):
    return shop.placed((shop.mug, 1))


def call(client, shop, placed, method: str, path: str, key: str | None, **headers):
    path = path.format(
        handle=shop.tee.product.handle, product_id=shop.tee.product_id, number=placed.number
    )
    if method == "POST":
        body = order_body(("MUG", 1))
        return client.post(
            f"{API}{path}",
            data=body,
            content_type="application/json",
            headers={**auth(key), "Idempotency-Key": "k-1", **headers},
        )
    return get(client, path, key, **headers)


def _revoked(shop) -> str:
    key = issue_key(shop.channel)
    api_client_revoke(client=ApiClient.objects.get(), actor=SYSTEM)
    return key


def _wrong_secret(shop) -> str:
    key = issue_key(shop.channel)
    return key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")


BAD_CREDENTIALS = {
    "no header": lambda shop: None,
    "empty bearer": lambda shop: "",
    "not one of our keys": lambda shop: "sk_live_123",
    "no secret": lambda shop: "bo_0123456789ab",
    "unknown prefix": lambda shop: "bo_ffffffffffff_" + "x" * 43,
    "wrong secret": _wrong_secret,
    "revoked": _revoked,
}


@pytest.mark.parametrize(("method", "path", "_scope"), ENDPOINTS)
@pytest.mark.parametrize("credentials", BAD_CREDENTIALS)
def test_every_endpoint_answers_401_without_a_valid_key(
    client, shop, placed, method, path, _scope, credentials
):
    key = BAD_CREDENTIALS[credentials](shop)
    before = state()
    response = call(client, shop, placed, method, path, key)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}
    assert state() == before
    assert list(ApiClient.objects.values_list("last_used_at", flat=True)) in ([], [None])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_scheme_than_bearer_is_401(client, shop, placed, method):
    key = issue_key(shop.channel)
    before = state()
    response = call(client, shop, placed, method, "/orders", None, Authorization=f"Basic {key}")
    assert (response.status_code, state()) == (401, before)


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_every_endpoint_answers_403_without_its_scope(client, shop, placed, method, path, scope):
    needed = FEED_SCOPES if scope == "feed" else {scope}
    others = [s for s in ALL_SCOPES if s not in needed]
    key = issue_key(shop.channel, scopes=others)
    before = state()
    response = call(client, shop, placed, method, path, key)
    assert response.status_code == 403
    detail = response.json()["detail"]
    if scope == "feed":
        assert detail == "This key has no scope that the feed serves."
    else:
        assert detail == f"This key lacks the {scope} scope."
    assert state() == before


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_every_endpoint_answers_a_key_with_its_scope(client, shop, placed, method, path, scope):
    key = issue_key(shop.channel, scopes=list(FEED_SCOPES) if scope == "feed" else [scope])
    response = call(client, shop, placed, method, path, key)
    assert response.status_code == (201 if method == "POST" else 200), response.content


def test_a_read_only_key_cannot_submit_orders(client, shop):
    key = issue_key(shop.channel, scopes=[Scope.CATALOG_READ, Scope.ORDERS_READ])
    before = state()
    response = post_order(client, key, order_body(("MUG", 1)))
    assert response.status_code == 403
    assert response.json() == {"detail": "This key lacks the orders:write scope."}
    assert state() == before


def test_a_key_stops_working_the_moment_it_is_revoked(client, shop):
    key = issue_key(shop.channel)
    assert get(client, "/products", key).status_code == 200
    api_client_revoke(client=ApiClient.objects.get(), actor=SYSTEM)
    assert get(client, "/products", key).status_code == 401


def test_using_a_key_records_when_at_most_once_a_minute(client, shop):
    key = issue_key(shop.channel)
    assert ApiClient.objects.get().last_used_at is None
    get(client, "/products", key)
    first = ApiClient.objects.get().last_used_at
    assert timezone.now() - first < timedelta(seconds=5)
    get(client, "/products", key)
    assert ApiClient.objects.get().last_used_at == first
    history = ApiClient.objects.get().history.values_list("history_change_reason", flat=True)
    assert list(history) == ["Key issued (test (System))"]


# --- rate limit -------------------------------------------------------------------------------


def test_each_key_has_its_own_rate_limit_answered_with_429_and_retry_after(client, shop, settings):
    settings.API_RATE_LIMIT = "3/m"
    busy, calm = issue_key(shop.channel, name="busy"), issue_key(shop.channel, name="calm")
    answers = [get(client, "/stock", busy).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    refused = get(client, "/stock", busy)
    assert refused.status_code == 429
    assert refused.json() == {"detail": "Too many requests."}
    assert 1 <= int(refused["Retry-After"]) <= 60
    before = state()
    assert post_order(client, busy, order_body(("MUG", 1))).status_code == 429
    assert state() == before
    assert get(client, "/stock", calm).status_code == 200


# --- page size --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/products", "/stock", "/orders", "/changes"])
@pytest.mark.parametrize("limit", [0, -1, 201, 10_000])
def test_page_size_is_capped(client, shop, settings, path, limit):
    assert settings.API_MAX_PAGE_SIZE == 200
    response = get(client, f"{path}?limit={limit}", issue_key(shop.channel))
    assert response.status_code == 422
    assert "limit" in str(response.json()["detail"])


@pytest.mark.parametrize("path", ["/products", "/stock", "/orders", "/changes"])
def test_the_largest_page_size_is_served(client, shop, path):
    assert get(client, f"{path}?limit=200", issue_key(shop.channel)).status_code == 200


@pytest.mark.parametrize(
    ("path", "cursor"),
    [("/products", "cursor=bm9wZQ"), ("/orders", "cursor=%%%"), ("/changes", "since=WzFd")],
)
def test_a_cursor_the_api_did_not_give_is_422(client, shop, path, cursor):
    response = get(client, f"{path}?{cursor}", issue_key(shop.channel))
    assert response.status_code == 422
    assert "is not one this API gave out" in response.json()["detail"]


# --- browser origins --------------------------------------------------------------------------

SHOP_ORIGIN = "https://shop.example.com"


@pytest.fixture
def web_origin(shop):
    shop.channel.cors_origins = f"{SHOP_ORIGIN}/\nhttps://preview.example.com"
    channel_save(channel=shop.channel, actor=SYSTEM)
    return shop.channel


def test_a_channel_origin_may_read_with_its_key(client, web_origin):
    key = issue_key(web_origin)
    response = get(client, "/products", key, Origin=SHOP_ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "last-modified", "retry-after"} <= exposed


def test_an_unlisted_origin_gets_no_cors_headers(client, web_origin):
    response = get(client, "/products", issue_key(web_origin), Origin="https://evil.example.com")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_an_origin_of_another_channel_gets_no_cors_headers_with_this_key(
    client, web_origin, other_channel
):
    other_channel.cors_origins = "https://counter.example.com"
    channel_save(channel=other_channel, actor=SYSTEM)
    key = issue_key(web_origin)
    response = get(client, "/products", key, Origin="https://counter.example.com")
    assert "Access-Control-Allow-Origin" not in response


def test_an_inactive_channel_origin_is_not_allowed_a_preflight(client, web_origin):
    web_origin.active = False
    channel_save(channel=web_origin, actor=SYSTEM)
    response = preflight(client, SHOP_ORIGIN)
    assert "Access-Control-Allow-Origin" not in response


def preflight(client, origin: str):
    return client.options(
        f"{API}/orders",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
        },
    )


def test_a_preflight_from_a_listed_origin_is_answered(client, web_origin):
    response = preflight(client, SHOP_ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "idempotency-key", "if-none-match", "content-type"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_a_preflight_from_an_unlisted_origin_is_not_allowed(client, web_origin):
    response = preflight(client, "https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in response


def test_a_401_names_the_scheme_to_use(client, shop):
    response = get(client, "/products", None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="storefront API"'


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/products/1/extra", "/api/v2/products"])
def test_an_unknown_api_address_answers_json(client, shop, path):
    response = client.get(path, headers=auth(issue_key(shop.channel)))
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {
        "detail": f"No API operation at {path}: the list is at /api/v1/docs."
    }
