"""A channel's orders through the API: read only by that channel's keys, and submitted once
per Idempotency-Key, all or nothing."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.api.schemas import OrderLineOut, OrderOut, ShipmentOut
from integrations.models import ApiOrderRequest
from inventory.services import stock_receive
from sales.models import Customer, Order, OrderStatus
from sales.services import (
    LineRequest,
    channel_save,
    order_create,
    order_fulfil,
    order_mark_paid,
    order_place,
)
from tests.factories import CustomerFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import (
    SYSTEM,
    get,
    issue_key,
    nothing_ordered,
    order_body,
    post_order,
)
from tests.sales.conftest import stock_of

# Fixtures shared by the API tests (autouse: fresh_cache).
fresh_cache = api_helpers.fresh_cache
hidden = api_helpers.hidden
other_channel = api_helpers.other_channel
stranger = api_helpers.stranger


@pytest.fixture
def key(shop):
    return issue_key(shop.channel)


def written():
    return nothing_ordered(), ApiOrderRequest.objects.count()


# --- reading ----------------------------------------------------------------------------------


@pytest.fixture
def two_channels(shop, other_channel, stranger):
    """Two orders in the shop's channel, one in the other, and a draft in the shop's."""
    mine = [shop.placed((shop.tee, 1)), shop.placed((shop.mug, 2))]
    theirs = order_place(
        order=order_create(
            channel=other_channel,
            customer=stranger,
            lines=[LineRequest(variant=shop.mug, quantity=1)],
            actor=SYSTEM,
        ),
        actor=SYSTEM,
    )
    draft = shop.draft((shop.mug, 1))
    return mine, theirs, draft


def test_a_key_lists_only_its_channels_placed_orders(client, shop, two_channels, key):
    mine, theirs, draft = two_channels
    listed = get(client, "/orders", key).json()
    assert [o["number"] for o in listed["items"]] == [o.number for o in mine]
    assert theirs.number not in str(listed) and draft.number not in str(listed)
    assert "stranger@example.com" not in str(listed)


@pytest.mark.parametrize("which", ["theirs", "draft", "unknown"])
def test_another_channels_order_or_a_draft_is_not_found(client, shop, two_channels, key, which):
    _, theirs, draft = two_channels
    number = {"theirs": theirs.number, "draft": draft.number, "unknown": "SO-0000-000000"}[which]
    response = get(client, f"/orders/{number}", key)
    assert response.status_code == 404
    assert response.json() == {"detail": f"No order {number!r} in this channel."}


def test_the_other_channel_sees_its_own_order_only(client, two_channels, other_channel):
    _, theirs, _ = two_channels
    listed = get(client, "/orders", issue_key(other_channel, name="pos")).json()
    assert [o["number"] for o in listed["items"]] == [theirs.number]


def test_an_order_shows_lines_payment_and_shipments_with_tracking(client, shop, key):
    order = shop.placed((shop.tee, 2), (shop.mug, 1), source_reference="web-77")
    order_mark_paid(order=order, actor=SYSTEM)
    order_fulfil(
        order=order, warehouse=shop.main, actor=SYSTEM, carrier="DHL", tracking_number="JD0142"
    )
    body = get(client, f"/orders/{order.number}", key).json()
    order.refresh_from_db()
    assert set(body) == set(OrderOut.model_fields)
    assert set(body["lines"][0]) == set(OrderLineOut.model_fields)
    assert set(body["shipments"][0]) == set(ShipmentOut.model_fields)
    assert (body["status"], body["payment_status"], body["fulfilment_status"]) == (
        "completed",
        "paid",
        "fulfilled",
    )
    assert [(s["warehouse"], s["carrier"], s["tracking_number"]) for s in body["shipments"]] == [
        ("main", "DHL", "JD0142")
    ]
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in body["lines"]] == [
        ("TEE-M", 2, "19.90"),
        ("MUG", 1, "12.50"),
    ]
    assert (body["total"], body["source_reference"]) == (str(order.total), "web-77")
    assert body["customer"] == {
        "email": shop.customer.email,
        "first_name": "Ada",
        "last_name": shop.customer.last_name,
    }


def test_order_pages_stay_exact_while_orders_are_placed_and_paid(client, shop, key):
    orders = [shop.placed((shop.mug, 1)) for _ in range(5)]
    read, cursor = [], None
    while True:
        page = get(client, "/orders?limit=2" + (f"&cursor={cursor}" if cursor else ""), key)
        read += [(o["number"], o["payment_status"]) for o in page.json()["items"]]
        if len(read) == 2:  # between pages: an order read is paid, a new one is placed
            order_mark_paid(order=orders[0], actor=SYSTEM)
            late = shop.placed((shop.tee, 1))
        cursor = page.json()["next"]
        if cursor is None:
            break
    numbers = [o.number for o in orders]
    assert read == [
        *[(number, "unpaid") for number in numbers],
        (orders[0].number, "paid"),
        (late.number, "unpaid"),
    ]


def test_an_order_page_costs_the_same_queries_whatever_its_size(client, shop, key):
    stock_receive(variant=shop.mug, warehouse=shop.main, quantity=100, actor=SYSTEM)
    for n in range(55):
        order = shop.placed((shop.mug, 1), (shop.tee, 1)) if n < 4 else shop.placed((shop.mug, 1))
        if n % 10 == 0:  # some shipped, so shipments are on the pages too
            order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM, tracking_number=f"T{n}")
    get(client, "/orders?limit=1", key)  # the key's last-used stamp, written once a minute
    counts = []
    for limit in (5, 50):
        with CaptureQueriesContext(connection) as captured:
            response = get(client, f"/orders?limit={limit}", key)
        assert len(response.json()["items"]) == limit
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- submitting -------------------------------------------------------------------------------


def test_an_order_is_placed_with_its_stock_allocated(client, shop, key):
    response = post_order(client, key, order_body(("TEE-M", 6), ("MUG", 1)))
    assert response.status_code == 201, response.content
    body = response.json()
    order = Order.objects.get()
    assert (body["id"], body["number"], body["status"]) == (order.pk, order.number, "placed")
    assert (order.channel, order.status, order.source_reference) == (
        shop.channel,
        OrderStatus.PLACED,
        "web-1001",
    )
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [
        ("TEE-M", 6),
        ("MUG", 1),
    ]
    assert body["shipping"] == "4.90"
    assert body["customer"] == {
        "email": "ada@example.com",
        "first_name": "Ada",
        "last_name": "Lovelace",
    }
    assert body["shipping_address"]["city"] == "London"
    assert (stock_of(shop.tee, shop.main), stock_of(shop.tee, shop.east)) == ((5, 5), (3, 1))
    assert stock_of(shop.mug, shop.main) == (10, 1)
    request = ApiOrderRequest.objects.get()
    assert (request.key, request.order) == ("order-1", order)
    assert order.history.first().history_change_reason.startswith("Placed (Storefront (")


def test_the_same_idempotency_key_twice_makes_one_order(client, shop, key):
    first = post_order(client, key, order_body(("MUG", 2)))
    after_first = written()
    again = post_order(client, key, order_body(("MUG", 2)))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert written() == after_first
    assert Order.objects.count() == 1
    assert stock_of(shop.mug, shop.main) == (10, 2)


def test_the_same_key_with_another_body_is_a_conflict_that_writes_nothing(client, shop, key):
    post_order(client, key, order_body(("MUG", 2)))
    before = written()
    response = post_order(client, key, order_body(("MUG", 3)))
    assert response.status_code == 409
    assert response.json() == {"detail": "This Idempotency-Key was used with another order."}
    assert written() == before


@pytest.mark.parametrize("header", [None, ""])
def test_an_order_without_an_idempotency_key_is_422_and_writes_nothing(client, shop, key, header):
    before = written()
    response = post_order(client, key, order_body(("MUG", 1)), idempotency_key=header)
    assert response.status_code == 422
    assert "Idempotency-Key" in str(response.json()["detail"])
    assert written() == before


def test_out_of_stock_is_409_and_writes_nothing(client, shop, key):
    before = written()
    response = post_order(client, key, order_body(("MUG", 1), ("TEE-M", 9)))
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Not enough stock of TEE-M: 9 ordered, 8 available in all warehouses."
    }
    assert written() == before
    assert not Customer.objects.filter(email="ada@example.com").exists()
    retried = post_order(client, key, order_body(("MUG", 1), ("TEE-M", 8)))
    assert retried.status_code == 201  # nothing was kept of the refused attempt


@pytest.mark.parametrize("sku", ["NOPE", "HOODIE-DRAFT", "SCARF-OLD", "TEE-XL-RETIRED"])
def test_an_unknown_or_unsellable_sku_is_422_and_writes_nothing(client, shop, hidden, key, sku):
    before = written()
    response = post_order(client, key, order_body(("MUG", 1), (sku, 1)))
    assert response.status_code == 422
    assert response.json() == {"detail": f"No variant for sale with the SKU(s): {sku}."}
    assert written() == before


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body["lines"].clear(),
        lambda body: body["lines"][0].update(quantity=0),
        lambda body: body["customer"].update(email="not-an-email"),
        lambda body: body.pop("shipping_address"),
        lambda body: body["shipping_address"].update(country="GBR"),
        lambda body: body.update(shipping="-1"),
    ],
)
def test_an_invalid_body_is_422_and_writes_nothing(client, shop, key, change):
    body = order_body(("MUG", 1))
    change(body)
    before = written()
    response = post_order(client, key, body)
    assert response.status_code == 422
    assert written() == before


def test_an_inactive_channel_takes_no_orders(client, shop, key):
    shop.channel.active = False
    channel_save(channel=shop.channel, actor=SYSTEM)
    before = written()
    response = post_order(client, key, order_body(("MUG", 1)))
    assert response.status_code == 409
    assert "inactive" in response.json()["detail"]
    assert written() == before


def test_a_known_customer_is_found_by_email_whatever_its_case(client, shop, key):
    known = CustomerFactory(email="ada@example.com")
    body = order_body(("MUG", 1), email="ADA@Example.com")
    assert post_order(client, key, body).status_code == 201
    assert list(Customer.objects.filter(email__iexact="ada@example.com")) == [known]
    assert Order.objects.get().customer == known


def test_a_submitted_order_then_shows_in_the_list(client, shop, key):
    number = post_order(client, key, order_body(("MUG", 1))).json()["number"]
    assert [o["number"] for o in get(client, "/orders", key).json()["items"]] == [number]
    order = Order.objects.get()
    assert get(client, f"/orders/{number}", key).json()["total"] == str(order.total)
    assert order.subtotal + order.shipping == Decimal("17.40")
