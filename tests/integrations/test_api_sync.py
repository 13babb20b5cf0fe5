"""The sync feed: replayed from the start (or from any cursor it gave), it rebuilds exactly what
the API lists now — deletions and unpublishing included — and never skips a change that a
long transaction commits late.

Tests that read the feed run in real transactions: on PostgreSQL the feed serves only the
changes of finished transactions, and a test's own transaction is never finished."""

import threading
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inventory.models import MovementReason, Product, ProductImage, ProductVariant
from inventory.services import (
    catalog_object_save,
    category_save,
    product_save,
    product_set_status,
    stock_adjust,
    stock_receive,
    stock_transfer,
    variant_save,
    warehouse_save,
)
from sales.models import Order
from sales.services import (
    LineRequest,
    address_save,
    customer_save,
    order_cancel,
    order_create,
    order_fulfil,
    order_mark_paid,
    order_place,
)
from tests.concurrency import POSTGRES_RACES, run_together
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory, VariantFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import (
    SYSTEM,
    all_pages,
    get,
    issue_key,
    of_type,
    order_body,
    post_order,
    replay_feed,
)

# Fixtures shared by the API tests (autouse: fresh_cache).
fresh_cache = api_helpers.fresh_cache
other_channel = api_helpers.other_channel
stranger = api_helpers.stranger

COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def listed_now(client, key) -> dict:
    """What the API lists now, in the shape of a replayed copy."""
    products = all_pages(client, "/products", key, limit=50)
    return {
        "product": {p["id"]: p for p in products},
        "variant": {v["id"]: v for p in products for v in p["variants"]},
        "stock": {s["variant_id"]: s for s in all_pages(client, "/stock", key, limit=50)},
        "order": {o["id"]: o for o in all_pages(client, "/orders", key, limit=50)},
    }


def as_listed(copy: dict) -> dict:
    return {kind: of_type(copy, kind) for kind in ("product", "variant", "stock", "order")}


def first_round_of_writes(shop):
    """A morning in the shop: a new product drafted, stocked and published, a price changed,
    an order placed and paid, a category made."""
    shirts = category_save(
        category=CategoryFactory.build(name="Shirts", slug="shirts"), actor=SYSTEM
    )
    socks = product_save(
        product=ProductFactory.build(title="Wool socks", handle="wool-socks", status="draft"),
        actor=SYSTEM,
    )
    for size in ("S", "L"):
        variant = variant_save(
            variant=VariantFactory.build(product=socks, sku=f"SOCK-{size}", option1=size),
            actor=SYSTEM,
        )
        stock_receive(variant=variant, warehouse=shop.main, quantity=6, actor=SYSTEM)
    product_set_status(products=Product.objects.filter(pk=socks.pk), status="active", actor=SYSTEM)
    tee = shop.tee.product
    tee.category = shirts
    product_save(product=tee, actor=SYSTEM)
    shop.tee.price = Decimal("21.00")
    variant_save(variant=shop.tee, actor=SYSTEM)
    poster = VariantFactory(sku="POSTER", product__title="Poster", product__handle="poster")
    paid = shop.placed((shop.tee, 2), (shop.mug, 1))
    order_mark_paid(order=paid, actor=SYSTEM)
    return {"paid": paid, "poster": poster, "shirts": shirts}


def second_round_of_writes(shop, earlier):
    """The afternoon: the mug unpublished, a variant retired, a product and a variant
    deleted, stock moved, orders shipped and cancelled, a warehouse closed, a customer
    renamed, a category deleted."""
    product_set_status(
        products=Product.objects.filter(pk=shop.mug.product_id), status="archived", actor=SYSTEM
    )
    sock_l = ProductVariant.objects.get(sku="SOCK-L")
    sock_l.active = False
    variant_save(variant=sock_l, actor=SYSTEM)
    earlier["poster"].product.delete()  # what the admin's delete does: no stock, no orders
    extra = variant_save(
        variant=VariantFactory.build(product=shop.tee.product, sku="TEE-XS", option1="XS"),
        actor=SYSTEM,
    )
    extra.delete()
    stock_adjust(
        variant=shop.tee, warehouse=shop.main, delta=-1, reason=MovementReason.DAMAGE, actor=SYSTEM
    )
    stock_transfer(
        variant=ProductVariant.objects.get(sku="SOCK-S"),
        from_warehouse=shop.main,
        to_warehouse=shop.east,
        quantity=2,
        actor=SYSTEM,
    )
    order_fulfil(order=earlier["paid"], warehouse=shop.main, actor=SYSTEM, tracking_number="1Z999")
    cancelled = shop.placed((shop.tee, 1))
    order_cancel(order=cancelled, actor=SYSTEM)
    catalog_object_save(
        instance=ProductImage(
            product=shop.tee.product, source_url="https://cdn.example.com/tee.jpg"
        ),
        actor=SYSTEM,
    )
    shop.east.active = False
    warehouse_save(warehouse=shop.east, actor=SYSTEM)
    shop.customer.first_name = "Augusta"
    customer_save(customer=shop.customer, actor=SYSTEM)
    earlier["shirts"].delete()


@COMMITTED
def test_the_feed_replayed_from_the_start_rebuilds_what_the_api_lists(shop):
    client, key = Client(), issue_key(shop.channel)
    earlier = first_round_of_writes(shop)
    second_round_of_writes(shop, earlier)

    copy, _ = replay_feed(client, key, limit=7)

    now = listed_now(client, key)
    assert as_listed(copy) == now
    assert sorted(v["sku"] for v in now["variant"].values()) == ["SOCK-S", "TEE-M"]
    assert now["stock"][shop.tee.pk]["warehouses"] == [{"warehouse": "main", "available": 2}]
    # Orders keep who they were for: a customer renamed since does not rewrite them.
    assert [o["customer"]["first_name"] for o in now["order"].values()] == ["Ada"] * 2
    assert {p["title"]: p["category_id"] for p in now["product"].values()} == {
        "Linen tee": None,
        "Wool socks": None,
    }


@COMMITTED
def test_a_copy_synced_midway_catches_up_with_every_deletion(shop):
    client, key = Client(), issue_key(shop.channel)
    earlier = first_round_of_writes(shop)
    copy, cursor = replay_feed(client, key, limit=5)
    assert as_listed(copy) == listed_now(client, key)
    assert ("product", shop.mug.product_id) in copy and ("variant", shop.mug.pk) in copy

    second_round_of_writes(shop, earlier)
    copy, _ = replay_feed(client, key, copy, since=cursor, limit=5)

    assert as_listed(copy) == listed_now(client, key)
    gone = [
        ("product", shop.mug.product_id),
        ("variant", shop.mug.pk),
        ("stock", shop.mug.pk),
        ("product", earlier["poster"].product_id),
        ("variant", earlier["poster"].pk),
        ("stock", ProductVariant.objects.get(sku="SOCK-L").pk),
    ]
    assert [entry for entry in gone if entry in copy] == []


@COMMITTED
def test_republishing_brings_a_product_its_variants_and_stock_back(shop):
    client, key = Client(), issue_key(shop.channel)
    copy, cursor = replay_feed(client, key)
    mug = Product.objects.filter(pk=shop.mug.product_id)
    product_set_status(products=mug, status="draft", actor=SYSTEM)
    copy, cursor = replay_feed(client, key, copy, since=cursor)
    assert ("stock", shop.mug.pk) not in copy
    product_set_status(products=mug, status="active", actor=SYSTEM)
    copy, _ = replay_feed(client, key, copy, since=cursor)
    assert as_listed(copy) == listed_now(client, key)
    assert copy[("stock", shop.mug.pk)]["available"] == 10


@COMMITTED
def test_the_feed_shows_a_key_only_its_channels_orders_and_its_scopes(shop, other_channel):
    stranger = CustomerFactory(email="stranger@example.com")
    theirs = order_place(
        order=order_create(
            channel=other_channel,
            customer=stranger,
            lines=[LineRequest(variant=shop.mug, quantity=1)],
            actor=SYSTEM,
        ),
        actor=SYSTEM,
    )
    mine = shop.placed((shop.tee, 1))
    client = Client()

    everything, _ = replay_feed(client, issue_key(shop.channel))
    assert sorted(of_type(everything, "order")) == [mine.pk]
    assert b"stranger@example.com" not in get(client, "/changes", issue_key(shop.channel)).content
    response = get(client, "/changes?limit=200", issue_key(shop.channel, name="all"))
    order_ids = {c["id"] for c in response.json()["changes"] if c["type"] == "order"}
    assert order_ids == {mine.pk} and theirs.pk not in order_ids

    catalog_only, _ = replay_feed(client, issue_key(shop.channel, ["catalog:read"], name="c"))
    assert {kind for kind, _ in catalog_only} == {"product", "variant"}
    orders_only, _ = replay_feed(client, issue_key(shop.channel, ["orders:read"], name="o"))
    assert set(orders_only) == {("order", mine.pk)}
    stock_only, _ = replay_feed(client, issue_key(shop.channel, ["stock:read"], name="s"))
    assert {kind for kind, _ in stock_only} == {"stock"}


@COMMITTED
def test_an_exhausted_feed_keeps_its_cursor(shop):
    client, key = Client(), issue_key(shop.channel)
    _, cursor = replay_feed(client, key)
    page = get(client, f"/changes?since={cursor}", key).json()
    assert page == {"changes": [], "next": cursor, "has_more": False}
    stock_receive(variant=shop.mug, warehouse=shop.main, quantity=1, actor=SYSTEM)
    page = get(client, f"/changes?since={cursor}", key).json()
    assert [(c["type"], c["id"]) for c in page["changes"]] == [
        ("variant", shop.mug.pk),
        ("stock", shop.mug.pk),
        ("product", shop.mug.product_id),
    ]
    assert page["next"] != cursor and page["has_more"] is False


@COMMITTED
def test_a_feed_page_costs_the_same_queries_whatever_its_size(shop):
    for n in range(30):
        variant = VariantFactory(product__title=f"Bulk {n}")
        stock_receive(variant=variant, warehouse=shop.main, quantity=2, actor=SYSTEM)
    client, key = Client(), issue_key(shop.channel)
    stock_receive(variant=shop.mug, warehouse=shop.main, quantity=10, actor=SYSTEM)
    _, cursor = replay_feed(client, key)
    for _ in range(12):  # each order: order, stock, variant and product changes
        shop.placed((shop.mug, 1))
    get(client, "/changes?limit=1", key)  # the key's last-used stamp, written once a minute
    counts = []
    for limit in (5, 50):
        with CaptureQueriesContext(connection) as captured:
            page = get(client, f"/changes?since={cursor}&limit={limit}", key).json()
        assert page["has_more"] is True
        assert {c["type"] for c in page["changes"]} == {"order", "stock", "variant", "product"}
        counts.append(len(captured))
    assert counts[0] == counts[1]


def _move_address(shop):
    address = shop.order.shipping_address
    address.city = "Lyon"
    address_save(address=address, actor=SYSTEM)


def _close_warehouse(shop):
    shop.east.active = False
    warehouse_save(warehouse=shop.east, actor=SYSTEM)


def _rename_warehouse(shop):
    shop.east.code = "east-2"
    warehouse_save(warehouse=shop.east, actor=SYSTEM)


def _delete_category(shop):
    shop.tee.product.category.delete()


def _damage_stock(shop):
    stock_adjust(
        variant=shop.mug, warehouse=shop.main, delta=-2, reason=MovementReason.DAMAGE, actor=SYSTEM
    )


def _retire_variant(shop):
    shop.mug.active = False
    variant_save(variant=shop.mug, actor=SYSTEM)


def _new_sku(shop):
    shop.mug.sku = "MUG-SPECKLED"
    variant_save(variant=shop.mug, actor=SYSTEM)


def _unpublish(shop):
    product = shop.tee.product
    product.status = "draft"
    product_save(product=product, actor=SYSTEM)


def _picture(shop):
    catalog_object_save(
        instance=ProductImage(
            product=shop.mug.product, variant=shop.mug, source_url="https://cdn.example.com/m.jpg"
        ),
        actor=SYSTEM,
    )


def _delete_product(shop):
    ProductVariant.objects.get(sku="GIFT-CARD").product.delete()


def _ship(shop):
    order_fulfil(order=shop.order, warehouse=shop.main, actor=SYSTEM, tracking_number="1Z1")


@pytest.mark.parametrize(
    "write",
    [
        _move_address,
        _close_warehouse,
        _rename_warehouse,
        _delete_category,
        _damage_stock,
        _retire_variant,
        _new_sku,
        _unpublish,
        _picture,
        _delete_product,
        _ship,
    ],
)
@COMMITTED
def test_each_kind_of_write_reaches_a_synced_copy(shop, write):
    tee = shop.tee.product
    tee.category = category_save(
        category=CategoryFactory.build(name="Shirts", slug="shirts"), actor=SYSTEM
    )
    product_save(product=tee, actor=SYSTEM)
    shop.order = shop.placed((shop.tee, 1), (shop.mug, 1))
    VariantFactory(sku="GIFT-CARD", product__title="Gift card")  # nothing stocked or sold
    client, key = Client(), issue_key(shop.channel)
    copy, cursor = replay_feed(client, key)
    before = listed_now(client, key)
    assert as_listed(copy) == before

    write(shop)
    copy, _ = replay_feed(client, key, copy, since=cursor)

    now = listed_now(client, key)
    assert now != before
    assert as_listed(copy) == now


# --- on PostgreSQL: transactions that commit late ---------------------------------------------


def on_postgres(test):
    """The marks of the race tests: PostgreSQL only, in real transactions."""
    for mark in POSTGRES_RACES:
        test = mark(test)
    return test


class LateWriter:
    """A transaction in its own thread: it writes, says so, and commits only when told."""

    def __init__(self, write):
        self.written, self.release = threading.Event(), threading.Event()
        self.errors = []
        self.thread = threading.Thread(target=self._run, args=(write,))

    def _run(self, write):
        try:
            with transaction.atomic():
                write()
                self.written.set()
                assert self.release.wait(timeout=30)
        except BaseException as error:  # reported by commit()
            self.errors.append(error)
            self.written.set()
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.written.wait(timeout=30)
        return self

    def commit(self):
        self.release.set()
        self.thread.join(timeout=30)
        assert self.errors == []

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(timeout=30)


def _new_price(variant, price):
    def write():
        variant.price = price
        variant_save(variant=variant, actor=SYSTEM)

    return write


@on_postgres
def test_a_change_committed_late_is_not_skipped_by_a_reader_in_between(shop):
    client, key = Client(), issue_key(shop.channel)
    copy, cursor = replay_feed(client, key)
    with LateWriter(_new_price(shop.tee, Decimal("25.00"))) as late:
        # Meanwhile another transaction commits a change, and the storefront reads the feed.
        stock_receive(variant=shop.mug, warehouse=shop.main, quantity=5, actor=SYSTEM)
        copy, cursor = replay_feed(client, key, copy, since=cursor)
        assert copy[("variant", shop.tee.pk)]["price"] == "19.90"
        late.commit()
    copy, _ = replay_feed(client, key, copy, since=cursor)
    assert copy[("variant", shop.tee.pk)]["price"] == "25.00"
    assert copy[("stock", shop.mug.pk)]["available"] == 15
    assert as_listed(copy) == listed_now(client, key)


@pytest.fixture
def transaction_in_another_database():
    """A transaction, with its id, held open in another database of the same server (the
    maintenance database `postgres`), as another application's long job would be."""
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params) as other:
        other.execute("SELECT pg_current_xact_id()")
        yield
        other.rollback()


@on_postgres
def test_a_transaction_in_another_database_does_not_hold_the_feed_back(
    shop, transaction_in_another_database
):
    client, key = Client(), issue_key(shop.channel)
    copy, cursor = replay_feed(client, key)
    first = get(client, "/variants/MUG", key)
    stock_receive(variant=shop.mug, warehouse=shop.main, quantity=5, actor=SYSTEM)
    page = get(client, f"/changes?since={cursor}", key).json()
    assert [(c["type"], c["id"]) for c in page["changes"]] == [
        ("variant", shop.mug.pk),
        ("stock", shop.mug.pk),
        ("product", shop.mug.product_id),
    ]
    copy, _ = replay_feed(client, key, copy, since=cursor)
    assert copy[("stock", shop.mug.pk)]["available"] == 15
    again = get(client, "/variants/MUG", key, **{"If-None-Match": first["ETag"]})
    assert (again.status_code, again.json()["available"]) == (200, 15)


@on_postgres
def test_a_change_committed_late_moves_the_etag(shop):
    client, key = Client(), issue_key(shop.channel)
    with LateWriter(_new_price(shop.tee, Decimal("25.00"))) as late:
        stock_receive(variant=shop.mug, warehouse=shop.main, quantity=5, actor=SYSTEM)
        before = get(client, "/variants/TEE-M", key)
        assert before.json()["price"] == "19.90"
        late.commit()
    after = get(client, "/variants/TEE-M", key, **{"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after.json()["price"] == "25.00"
    listed = get(client, "/products", key).json()["items"]
    assert [v["price"] for p in listed for v in p["variants"] if v["sku"] == "TEE-M"] == ["25.00"]


@on_postgres
def test_two_deliveries_of_one_submission_at_once_make_one_order(shop):
    key = issue_key(shop.channel)
    answers = [None, None]

    def submit(index):
        answers[index] = post_order(Client(), key, order_body(("MUG", 2)), "same-key")

    run_together(2, submit)

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].json() == answers[1].json()
    assert Order.objects.count() == 1
    assert Order.objects.get().lines.get().quantity == 2


@on_postgres
def test_two_storefronts_ordering_for_one_new_customer_at_once_both_succeed(shop):
    keys = [issue_key(shop.channel, name="web"), issue_key(shop.channel, name="app")]
    answers = [None, None]

    def submit(index):
        body = order_body(("MUG", 1), email="new@example.com", reference=f"r{index}")
        answers[index] = post_order(Client(), keys[index], body, f"key-{index}")

    run_together(2, submit)

    assert [a.status_code for a in answers] == [201, 201], [a.content for a in answers]
    assert Order.objects.filter(customer__email="new@example.com").count() == 2


@on_postgres
def test_two_storefronts_ordering_the_last_units_at_once_one_is_refused(shop):
    keys = [issue_key(shop.channel, name="web"), issue_key(shop.channel, name="app")]
    answers = [None, None]

    def submit(index):
        body = order_body(("TEE-M", 8), reference=f"r{index}")
        answers[index] = post_order(Client(), keys[index], body, f"key-{index}")

    run_together(2, submit)

    assert sorted(a.status_code for a in answers) == [201, 409]
    assert Order.objects.count() == 1


@COMMITTED
def test_renaming_a_customer_leaves_their_orders_as_given(shop):
    order = shop.placed((shop.tee, 1))
    client, key = Client(), issue_key(shop.channel)
    copy, cursor = replay_feed(client, key)
    shown = get(client, f"/orders/{order.number}", key).json()["customer"]
    shop.customer.first_name = "Augusta"
    customer_save(customer=shop.customer, actor=SYSTEM)
    assert get(client, f"/orders/{order.number}", key).json()["customer"] == shown
    assert shown["first_name"] != "Augusta"
    _, after = replay_feed(client, key, copy, since=cursor)
    assert after == cursor  # nothing the storefront shows changed
