"""The feed sees everything the API shows. `integrations.shown` maps every field of every output
schema to the model attribute it is made of; this walks that map: for each attribute, an
edit saved the plain way (whatever door a write comes through) must move the resource's ETag
and put the resource in `/changes`. And the map must cover every field the schemas declare.

Tests that read the feed run in real transactions: on PostgreSQL the feed serves only the
changes of finished transactions."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import models
from django.test import TestCase
from PIL import Image

from backoffice.models import StoreSettings
from integrations.models import ChangeKind
from integrations.shown import LISTED, RESOURCES, SOURCES, shown_attributes
from inventory.models import Category, Product, ProductImage, ProductVariant, StockLevel, Warehouse
from inventory.services import category_save, product_image_store
from sales.models import Address, Fulfillment, Order, OrderLine
from sales.services import order_fulfil, order_mark_paid
from tests.conftest import set_store
from tests.factories import CategoryFactory, WarehouseFactory
from tests.integrations.api_helpers import SYSTEM, get, issue_key, replay_feed
from tests.integrations.api_helpers import fresh_cache as fresh_cache  # autouse

COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NOT_EDITABLE = {"id", "updated_at"}  # the key itself; a time every save sets


def schema_fields(schema: type) -> set[str]:
    return set(schema.model_fields)


def test_the_map_covers_every_field_of_every_schema():
    def walk(schema: type) -> None:
        sources = SOURCES[schema]
        assert schema_fields(schema) <= set(sources), schema.__name__
        assert set(sources) - schema_fields(schema) <= {LISTED}, schema.__name__
        for source in sources.values():
            if isinstance(source, type):
                walk(source)

    for schema in RESOURCES.values():
        walk(schema)


@pytest.fixture
def world(shop, media_root):
    """A category under a parent, the tee in it with a stored picture, and an order of the
    tee, paid and shipped from the main warehouse to an address."""
    parent = category_save(
        category=CategoryFactory.build(name="Apparel", slug="apparel"), actor=SYSTEM
    )
    category = category_save(
        category=CategoryFactory.build(name="Shirts", slug="shirts", parent=parent), actor=SYSTEM
    )
    product = shop.tee.product
    product.category = category
    product.save()
    image = ProductImage.objects.create(
        product=product, source_url="https://cdn.example.com/tee.jpg", alt_text="Tee"
    )
    with TestCase.captureOnCommitCallbacks(execute=False):
        product_image_store(
            image=image, content=jpeg("teal"), extension="jpg", actor=SYSTEM, reason="t"
        )
    order = shop.placed((shop.tee, 2))
    order_mark_paid(order=order, method="Cash", reference="R1", actor=SYSTEM)
    order_fulfil(
        order=order, warehouse=shop.main, actor=SYSTEM, carrier="Colissimo", tracking_number="6A1"
    )
    return {
        ChangeKind.CATEGORY: category,
        ChangeKind.PRODUCT: product,
        ChangeKind.VARIANT: shop.tee,
        ChangeKind.STOCK: shop.tee,
        ChangeKind.ORDER: order,
    }


def jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def row_of(model: type[models.Model], kind: str, world: dict, shop) -> models.Model:
    """The row of `model` that the resource of `kind` in `world` is made of."""
    order = world[ChangeKind.ORDER]
    rows = {
        Category: lambda: world[ChangeKind.CATEGORY],
        Product: lambda: shop.tee.product,
        ProductVariant: lambda: shop.tee,
        ProductImage: lambda: ProductImage.objects.get(product=shop.tee.product),
        StockLevel: lambda: StockLevel.objects.get(variant=shop.tee, warehouse=shop.main),
        Warehouse: lambda: shop.main,
        StoreSettings: lambda: StoreSettings.objects.get(),
        Order: lambda: order,
        OrderLine: lambda: order.lines.first(),
        Address: lambda: order.shipping_address,
        Fulfillment: lambda: order.fulfillments.first(),
    }
    row = rows[model]()
    return type(row)._default_manager.get(pk=row.pk)  # as stored now


def edited(row: models.Model, attribute: str):
    """Another value for the attribute, of its type (and within its choices)."""
    field = row._meta.get_field(attribute)
    current = getattr(row, attribute)
    if attribute == "image":
        return None  # stored below through the service, as a new picture
    if attribute == "renditions":
        return {"source": row.image.name, "width": 40, "height": 30, "sizes": {}}
    if attribute == "country":
        return "DE" if current != "DE" else "FR"
    if attribute == "quantity_fulfilled":
        return current - 1  # never beyond the quantity ordered
    if attribute == "currency":
        return "USD" if current != "USD" else "EUR"
    if field.choices:
        return next(value for value, _ in field.choices if value != current)
    if isinstance(field, models.ForeignKey):
        return another(field.related_model, current)
    if isinstance(field, models.BooleanField):
        return not current
    if isinstance(field, models.DecimalField):
        return (current or Decimal(0)) + 1
    if isinstance(field, models.IntegerField):
        return (current or 0) + 1
    if isinstance(field, models.DateTimeField):
        return current + timedelta(days=1)
    if isinstance(field, models.EmailField):
        return f"x{current}"
    if isinstance(field, models.URLField):
        return f"{current.rstrip('/')}/x" if current else "https://shop.example.com"
    return f"{current or ''}x"[: field.max_length]


def another(model, current):
    if model is Category:
        linen = Category.objects.filter(slug="linen").first()
        return linen or category_save(
            category=CategoryFactory.build(name="Linen", slug="linen"), actor=SYSTEM
        )
    if model is Warehouse:
        return Warehouse.objects.filter(code="north").first() or WarehouseFactory(code="north")
    if model is Product:
        return Product.objects.exclude(pk=current.pk).order_by("pk").first()
    if model is ProductVariant:
        return None if current is not None else ProductVariant.objects.order_by("pk").first()
    raise AssertionError(f"no other {model.__name__} to point at")


def apply(row: models.Model, attribute: str, value) -> None:
    if attribute == "image":
        with TestCase.captureOnCommitCallbacks(execute=False):
            product_image_store(
                image=row, content=jpeg("orange"), extension="jpg", actor=SYSTEM, reason="t"
            )
        return
    setattr(row, attribute, value)
    row.save()


def single_path(kind: str, world: dict) -> str:
    resource = type(world[kind])._default_manager.get(pk=world[kind].pk)
    return {
        ChangeKind.CATEGORY: lambda: "/categories",
        ChangeKind.PRODUCT: lambda: f"/products/{resource.pk}",
        ChangeKind.VARIANT: lambda: f"/variants/{resource.sku}",
        ChangeKind.STOCK: lambda: f"/stock/{resource.sku}",
        ChangeKind.ORDER: lambda: f"/orders/{resource.number}",
    }[kind]()


@COMMITTED
def test_every_shown_field_moves_the_etag_and_reaches_the_feed(client, shop, world):
    set_store(public_base_url="https://backoffice.example.com")
    key = issue_key(shop.channel)
    _, since = replay_feed(client, key)
    walked = []
    for kind, schema in RESOURCES.items():
        resource_id = world[kind].pk
        for model, attribute in sorted(
            shown_attributes(schema), key=lambda a: (a[0].__name__, a[1])
        ):
            if attribute in NOT_EDITABLE:
                continue
            path = single_path(kind, world)
            etag = get(client, path, key)["ETag"]
            row = row_of(model, kind, world, shop)
            before = getattr(row, attribute)
            apply(row, attribute, edited(row, attribute))
            what = f"{kind}: {model.__name__}.{attribute}"
            fresh = get(client, single_path(kind, world), key, **{"If-None-Match": etag})
            assert fresh.status_code in (200, 404), what
            if fresh.status_code == 200:
                assert fresh["ETag"] != etag, what
            seen = changes_since(client, key, since)
            assert (kind, resource_id) in seen, what
            # Put it back (also a change), and go on from there.
            row = row_of(model, kind, world, shop)
            if attribute != "image":
                apply(row, attribute, before)
            _, since = replay_feed(client, key, since=since)
            walked.append(what)
    assert len(walked) > 80  # every resource's fields, its nested ones included


def changes_since(client, key, since) -> set[tuple[str, int]]:
    seen = set()
    while True:
        page = get(client, f"/changes?since={since}&limit=200", key).json()
        seen |= {(change["type"], change["id"]) for change in page["changes"]}
        since = page["next"]
        if not page["has_more"]:
            return seen


@COMMITTED
def test_renaming_a_warehouse_reaches_the_orders_shipped_from_it(client, shop, world):
    """A storefront's copies of orders show the code of the warehouse they left from."""
    key = issue_key(shop.channel)
    order = world[ChangeKind.ORDER]
    copy, since = replay_feed(client, key)
    etag = get(client, f"/orders/{order.number}", key)["ETag"]
    shop.main.code = "lyon"
    shop.main.save()
    response = get(client, f"/orders/{order.number}", key, **{"If-None-Match": etag})
    assert response.status_code == 200
    assert [s["warehouse"] for s in response.json()["shipments"]] == ["lyon"]
    copy, since = replay_feed(client, key, copy, since)
    assert [s["warehouse"] for s in copy[("order", order.pk)]["shipments"]] == ["lyon"]


@COMMITTED
def test_renaming_a_parent_category_reaches_its_subcategories(client, shop, world):
    key = issue_key(shop.channel)
    child = world[ChangeKind.CATEGORY]
    copy, since = replay_feed(client, key)
    parent = child.parent
    parent.name = "Clothing"
    category_save(category=parent, actor=SYSTEM)
    copy, since = replay_feed(client, key, copy, since)
    assert copy[("category", child.pk)]["path"] == "Clothing › Shirts"
