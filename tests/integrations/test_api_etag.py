"""Cheap answers: ETag and Last-Modified, 304 when nothing changed, and catalog bodies served
from the cache until the data changes."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from inventory.models import ProductVariant
from inventory.services import category_save, product_save, stock_receive, variant_save
from sales.services import order_mark_paid
from tests.factories import CategoryFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import (
    SYSTEM,
    admin_form_data,
    get,
    issue_key,
)

# Fixtures shared by the API tests (autouse: fresh_cache).
clock = api_helpers.clock
fresh_cache = api_helpers.fresh_cache
other_channel = api_helpers.other_channel

CATALOG = ["/categories", "/products", "/products/{handle}", "/variants/TEE-M"]
STOCK = ["/stock", "/stock/TEE-M"]
ORDERS = ["/orders", "/orders/{number}"]


@pytest.fixture
def key(shop):
    return issue_key(shop.channel)


@pytest.fixture
def order(shop):
    return shop.placed((shop.mug, 2))


def path_of(template: str, shop, order) -> str:
    return template.format(handle=shop.tee.product.handle, number=order.number)


@pytest.mark.parametrize("template", CATALOG + STOCK + ORDERS)
def test_an_unchanged_resource_answers_304_to_its_etag(client, shop, order, key, template):
    path = path_of(template, shop, order)
    first = get(client, path, key)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = get(client, path, key, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    listed = get(client, path, key, **{"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    stale = get(client, path, key, **{"If-None-Match": '"something-else"'})
    assert (stale.status_code, stale.content) == (200, first.content)


@pytest.mark.parametrize("template", CATALOG + STOCK + ORDERS)
def test_an_unchanged_resource_answers_304_to_its_last_modified(
    client, shop, order, key, clock, template
):
    path = path_of(template, shop, order)
    get(client, path, key)
    clock.advance(2)  # validators by date are given for a second that is over
    first = get(client, path, key)
    modified = first["Last-Modified"]
    again = get(client, path, key, **{"If-Modified-Since": modified})
    assert (again.status_code, again.content, again["Last-Modified"]) == (304, b"", modified)
    earlier = http_date(clock.now.timestamp() - 3600)
    assert get(client, path, key, **{"If-Modified-Since": earlier}).status_code == 200


def test_a_change_in_the_same_second_is_not_hidden_by_if_modified_since(client, shop, key, clock):
    first = get(client, "/variants/MUG", key)
    seen_at = http_date(clock.now.timestamp())
    shop.mug.price = Decimal("13.00")
    variant_save(variant=shop.mug, actor=SYSTEM)  # the same second as the read
    again = get(client, "/variants/MUG", key, **{"If-Modified-Since": seen_at})
    assert again.status_code == 200
    assert again.json()["price"] == "13.00"
    assert again["ETag"] != first["ETag"]
    clock.advance(2)
    settled = get(client, "/variants/MUG", key)
    modified = settled["Last-Modified"]
    assert get(client, "/variants/MUG", key, **{"If-Modified-Since": modified}).status_code == 304
    shop.mug.price = Decimal("13.50")
    variant_save(variant=shop.mug, actor=SYSTEM)
    changed = get(client, "/variants/MUG", key, **{"If-Modified-Since": modified})
    assert (changed.status_code, changed.json()["price"]) == (200, "13.50")


def test_a_product_edited_in_the_admin_gets_a_new_etag(client, shop, key, merchant):
    path = f"/products/{shop.tee.product.handle}"
    api = type(client)()  # the storefront, apart from the merchant's session
    first = get(api, path, key)
    etag = first["ETag"]
    assert get(api, path, key, **{"If-None-Match": etag}).status_code == 304

    client.force_login(merchant)
    url = f"/admin/inventory/product/{shop.tee.product_id}/change/"
    data = admin_form_data(client.get(url))
    data["title"] = "Linen tee, relaxed fit"
    (price_field,) = [name for name, value in data.items() if name.endswith("-price")][:1]
    data[price_field] = "24.00"
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.context and saved.context["adminform"].form.errors

    changed = get(api, path, key, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    product = changed.json()
    assert (product["title"], product["variants"][0]["price"]) == (
        "Linen tee, relaxed fit",
        "24.00",
    )
    listed = get(api, "/products", key).json()["items"]
    assert "Linen tee, relaxed fit" in [p["title"] for p in listed]


def test_a_status_change_in_the_admin_moves_the_list_etag(client, shop, key, merchant):
    first = get(client, "/products", key)
    client.force_login(merchant)
    client.post(
        "/admin/inventory/product/",
        {"action": "archive", "_selected_action": [shop.mug.product_id]},
    )
    client.logout()
    changed = get(client, "/products", key, **{"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert [p["title"] for p in changed.json()["items"]] == ["Linen tee"]


def catalog_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "inventory_" in q["sql"]]


@pytest.mark.parametrize("template", CATALOG + STOCK)
def test_the_cache_serves_the_rendered_body_until_the_catalog_changes(
    client, shop, order, key, template
):
    path = path_of(template, shop, order)
    with CaptureQueriesContext(connection) as rendered:
        first = get(client, path, key)
    assert catalog_queries(rendered) != []
    with CaptureQueriesContext(connection) as cached:
        second = get(client, path, key)
    assert catalog_queries(cached) == []
    assert (second.content, second["ETag"]) == (first.content, first["ETag"])

    stock_receive(variant=shop.tee, warehouse=shop.main, quantity=1, actor=SYSTEM)
    category_save(category=CategoryFactory.build(name="Gifts", slug="gifts"), actor=SYSTEM)
    with CaptureQueriesContext(connection) as again:
        third = get(client, path, key)
    assert catalog_queries(again) != []
    assert third["ETag"] != first["ETag"]


def test_a_stock_move_changes_what_the_cache_serves(client, shop, key):
    assert get(client, "/stock/TEE-M", key).json()["available"] == 8
    stock_receive(variant=shop.tee, warehouse=shop.east, quantity=4, actor=SYSTEM)
    assert get(client, "/stock/TEE-M", key).json()["available"] == 12
    product = get(client, f"/products/{shop.tee.product_id}", key).json()
    assert product["variants"][0]["available"] == 12


def test_an_order_change_moves_the_order_etags(client, shop, order, key):
    first = get(client, f"/orders/{order.number}", key)
    listed = get(client, "/orders", key)
    order_mark_paid(order=order, actor=SYSTEM)
    changed = get(client, f"/orders/{order.number}", key, **{"If-None-Match": first["ETag"]})
    assert (changed.status_code, changed.json()["payment_status"]) == (200, "paid")
    relisted = get(client, "/orders", key, **{"If-None-Match": listed["ETag"]})
    assert relisted.status_code == 200


def test_another_channels_key_never_shares_an_etag_or_body(client, shop, order, other_channel):
    mine = get(client, "/orders", issue_key(shop.channel))
    theirs = get(client, "/orders", issue_key(other_channel, name="pos"))
    assert mine["ETag"] != theirs["ETag"]
    assert theirs.json() == {"items": [], "next": None}
    revalidated = get(
        client, "/orders", issue_key(other_channel, name="pos2"), **{"If-None-Match": mine["ETag"]}
    )
    assert revalidated.status_code == 200


def test_a_product_page_and_the_list_do_not_share_a_cached_body(client, shop, key):
    listed = get(client, "/products", key).json()
    one = get(client, f"/products/{shop.mug.product_id}", key).json()
    assert one == next(p for p in listed["items"] if p["id"] == shop.mug.product_id)


def test_editing_the_product_moves_the_variant_etag(client, shop, key):
    first = get(client, "/variants/MUG", key)
    product = shop.mug.product
    product.status = "draft"
    product_save(product=product, actor=SYSTEM)
    gone = get(client, "/variants/MUG", key, **{"If-None-Match": first["ETag"]})
    assert gone.status_code == 404
    assert ProductVariant.objects.filter(sku="MUG").exists()
