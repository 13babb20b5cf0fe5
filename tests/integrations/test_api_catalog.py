"""The storefront's view of the catalog and stock: what is published and nothing else, exact
fields, keyset pages that hold while the catalog changes, and a constant number of queries
whatever the page size."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.api.schemas import ImageOut, ProductOut, StockOut, VariantOut
from inventory.models import MovementReason, Product, ProductImage, ProductVariant
from inventory.services import (
    catalog_object_save,
    category_save,
    product_save,
    product_set_status,
    stock_adjust,
    stock_receive,
    variant_save,
    warehouse_save,
)
from tests.factories import CategoryFactory, ProductFactory, VariantFactory, WarehouseFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import (
    HIDDEN_HANDLES,
    HIDDEN_SKUS,
    SECRET_COST,
    SECRET_NOTE,
    SYSTEM,
    all_pages,
    get,
    issue_key,
)

# Fixtures shared by the API tests (autouse: fresh_cache).
fresh_cache = api_helpers.fresh_cache
hidden = api_helpers.hidden


@pytest.fixture
def key(shop):
    return issue_key(shop.channel)


def test_products_list_published_products_with_their_sellable_variants(client, shop, hidden, key):
    page = get(client, "/products", key).json()
    assert page["next"] is None
    assert [p["title"] for p in page["items"]] == ["Linen tee", "Stoneware mug"]
    assert [[v["sku"] for v in p["variants"]] for p in page["items"]] == [["TEE-M"], ["MUG"]]


def test_a_product_has_exactly_the_declared_fields(client, shop, key):
    image = catalog_object_save(
        instance=ProductImage(
            product=shop.tee.product,
            source_url="https://cdn.example.com/tee.jpg",
            alt_text="Linen tee, front",
        ),
        actor=SYSTEM,
    )
    product = get(client, f"/products/{shop.tee.product.handle}", key).json()
    assert set(product) == set(ProductOut.model_fields)
    assert set(product["variants"][0]) == set(VariantOut.model_fields)
    assert set(product["images"][0]) == set(ImageOut.model_fields)
    tee = shop.tee
    tee.refresh_from_db()
    assert product["variants"] == [
        {
            "id": tee.pk,
            "product_id": tee.product_id,
            "sku": "TEE-M",
            "barcode": "",
            "options": ["M"],
            "price": "19.90",
            "compare_at_price": None,
            "currency": "EUR",
            "weight": None,
            "weight_unit": "kg",
            "inventory_policy": "deny",
            "available": 8,
            "updated_at": tee.updated_at.isoformat(),
        }
    ]
    assert product["images"] == [
        {
            "id": image.pk,
            "url": "https://cdn.example.com/tee.jpg",
            "width": None,
            "height": None,
            "alt_text": "Linen tee, front",
            "position": 0,
            "variant_id": None,
            "renditions": {"thumbnail": None, "medium": None, "large": None},
        }
    ]
    assert (product["id"], product["title"], product["options"]) == (
        tee.product_id,
        "Linen tee",
        ["Size"],
    )
    by_id = get(client, f"/products/{tee.product_id}", key).json()
    assert by_id == product


def test_variant_and_stock_by_sku(client, shop, key):
    variant = get(client, "/variants/MUG", key).json()
    assert (variant["id"], variant["price"], variant["available"]) == (shop.mug.pk, "12.50", 10)
    stock = get(client, "/stock/TEE-M", key).json()
    assert stock == {
        "variant_id": shop.tee.pk,
        "sku": "TEE-M",
        "available": 8,
        "warehouses": [
            {"warehouse": "east", "available": 3},
            {"warehouse": "main", "available": 5},
        ],
    }
    assert set(stock) == set(StockOut.model_fields)


def test_stock_is_on_hand_less_allocated_in_active_warehouses_only(client, shop, key):
    shop.placed((shop.tee, 6))  # 5 from main, 1 from east
    closed = WarehouseFactory(code="closed")
    stock_receive(variant=shop.tee, warehouse=closed, quantity=40, actor=SYSTEM)
    closed.active = False
    warehouse_save(warehouse=closed, actor=SYSTEM)
    stock = get(client, "/stock/TEE-M", key).json()
    assert stock["available"] == 2
    assert stock["warehouses"] == [
        {"warehouse": "east", "available": 2},
        {"warehouse": "main", "available": 0},
    ]
    assert get(client, "/variants/TEE-M", key).json()["available"] == 2


def test_a_backordered_warehouse_counts_as_zero_not_less(client, shop, key):
    shop.tee.inventory_policy = "continue"
    variant_save(variant=shop.tee, actor=SYSTEM)
    shop.placed((shop.tee, 12))  # 5 main + 3 east available: main is backordered by 4
    stock = get(client, "/stock/TEE-M", key).json()
    assert (stock["available"], stock["warehouses"]) == (
        0,
        [{"warehouse": "east", "available": 0}, {"warehouse": "main", "available": 0}],
    )


def test_categories_come_as_a_tree(client, shop, key):
    apparel = category_save(
        category=CategoryFactory.build(name="Apparel", slug="apparel"), actor=SYSTEM
    )
    category_save(
        category=CategoryFactory.build(name="Shirts", slug="shirts", parent=apparel),
        actor=SYSTEM,
    )
    category_save(category=CategoryFactory.build(name="Home", slug="home"), actor=SYSTEM)
    tree = get(client, "/categories", key).json()
    assert [(node["slug"], node["path"]) for node in tree] == [
        ("apparel", "Apparel"),
        ("home", "Home"),
    ]
    assert [(c["slug"], c["path"], c["children"]) for c in tree[0]["children"]] == [
        ("shirts", "Apparel › Shirts", [])
    ]


# --- what never leaves the API ----------------------------------------------------------------


def every_read(client, shop, order) -> dict[str, bytes]:
    """The body of every read endpoint, the feed included."""
    key = issue_key(shop.channel, name="reader")
    paths = [
        "/categories",
        "/products",
        f"/products/{shop.tee.product.handle}",
        f"/products/{shop.tee.product_id}",
        "/variants/TEE-M",
        "/stock",
        "/stock/TEE-M",
        "/orders",
        f"/orders/{order.number}",
        "/changes",
    ]
    bodies = {}
    for path in paths:
        response = get(client, path, key)
        assert response.status_code == 200, (path, response.content)
        bodies[path] = response.content
    return bodies


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cost_notes_and_unpublished_things_never_appear(client, shop, hidden):
    bodies = every_read(client, shop, hidden)
    forbidden = [
        str(SECRET_COST),
        '"cost"',
        "notes",
        SECRET_NOTE,
        "stripe",
        *HIDDEN_HANDLES,
        *HIDDEN_SKUS,
        hidden.draft_number,
        "DRAFT-REF",
    ]
    found = {
        (path, word) for path, body in bodies.items() for word in forbidden if word.encode() in body
    }
    assert found == set()
    feed = json.loads(bodies["/changes"])["changes"]
    shown = {(c["type"], c["id"]) for c in feed if not c["deleted"]}
    assert {("product", shop.tee.product_id), ("order", hidden.pk), ("stock", shop.mug.pk)} <= shown


@pytest.mark.parametrize(
    "path",
    [
        "/products/draft-hoodie",
        "/products/archived-scarf",
        "/variants/HOODIE-DRAFT",
        "/variants/SCARF-OLD",
        "/variants/TEE-XL-RETIRED",
        "/stock/HOODIE-DRAFT",
        "/stock/TEE-XL-RETIRED",
        "/products/999999",
    ],
)
def test_unpublished_products_and_retired_variants_are_not_found(client, shop, hidden, key, path):
    response = get(client, path, key)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_a_draft_product_by_id_is_not_found(client, shop, hidden, key):
    draft = ProductVariant.objects.get(sku="HOODIE-DRAFT").product_id
    assert get(client, f"/products/{draft}", key).status_code == 404


def test_an_image_of_a_retired_variant_is_not_shown(client, shop, hidden, key):
    retired = ProductVariant.objects.get(sku="TEE-XL-RETIRED")
    for variant, url in [
        (retired, "https://cdn.example.com/xl.jpg"),
        (shop.tee, "https://cdn.example.com/m.jpg"),
    ]:
        catalog_object_save(
            instance=ProductImage(product=shop.tee.product, variant=variant, source_url=url),
            actor=SYSTEM,
        )
    images = get(client, f"/products/{shop.tee.product_id}", key).json()["images"]
    assert [(image["url"], image["variant_id"]) for image in images] == [
        ("https://cdn.example.com/m.jpg", shop.tee.pk)
    ]


# --- keyset pages -----------------------------------------------------------------------------


def new_product(title: str, stock: int = 0):
    variant = VariantFactory(product__title=title)
    if stock:
        stock_receive(variant=variant, warehouse="main", quantity=stock, actor=SYSTEM)
    return variant.product


def retitle(product, title: str):
    product.title = title
    product_save(product=product, actor=SYSTEM)
    return product


def test_product_pages_stay_exact_while_products_are_added_and_edited(client, shop, key):
    for n in range(8):
        new_product(f"Product {n}")
    read, cursor = [], None
    while True:
        page = get(client, "/products?limit=3" + (f"&cursor={cursor}" if cursor else ""), key)
        read += [(p["id"], p["title"]) for p in page.json()["items"]]
        if len(read) == 6:  # between two pages: one product read is edited, one unread too
            tee = retitle(shop.tee.product, "Linen tee (new cut)")
            unread = Product.objects.exclude(pk__in=[pk for pk, _ in read]).order_by("pk")[0]
            retitle(unread, "Edited before read")
            added = [new_product("Added A"), new_product("Added B")]
        cursor = page.json()["next"]
        if cursor is None:
            break
    published = set(Product.objects.filter(status="active").values_list("pk", flat=True))
    assert {pk for pk, _ in read} == published and len(published) == 12
    assert len(read) == 13  # the product edited after it was read is met again
    assert read[0] == (tee.pk, "Linen tee")
    assert read[-4:] == [
        (tee.pk, "Linen tee (new cut)"),
        (unread.pk, "Edited before read"),
        (added[0].pk, "Added A"),
        (added[1].pk, "Added B"),
    ]


def test_updated_since_lists_only_what_changed(client, shop, key):
    first = get(client, "/products", key).json()["items"]
    since = max(p["updated_at"] for p in first)
    mug = shop.mug.product
    mug.vendor = "Kiln & Co"
    product_save(product=mug, actor=SYSTEM)
    changed = get(client, f"/products?updated_since={since.replace('+', '%2B')}", key).json()
    assert [p["vendor"] for p in changed["items"]] == ["Kiln & Co"]


def test_updated_since_takes_any_offset_and_reads_it_in_utc(client, shop, key):
    """An offset beyond what PostgreSQL stores (±15:59) is still a valid date-time."""
    every = get(client, "/products?updated_since=2000-01-01T00:00:00-16:35", key)
    none = get(client, "/products?updated_since=2999-01-01T00:00:00%2B23:59", key)

    assert (every.status_code, none.status_code) == (200, 200)
    assert len(every.json()["items"]) == 2
    assert none.json()["items"] == []


def test_stock_pages_see_every_variant_once_and_new_ones_at_the_end(client, shop, key):
    for n in range(5):
        new_product(f"Stocked {n}", stock=n + 1)
    seen, cursor = [], None
    while True:
        page = get(client, "/stock?limit=2" + (f"&cursor={cursor}" if cursor else ""), key).json()
        seen += [item["variant_id"] for item in page["items"]]
        if len(seen) == 2:
            new_product("Stocked late", stock=9)
        cursor = page["next"]
        if cursor is None:
            break
    sellable = list(ProductVariant.objects.order_by("pk").values_list("pk", flat=True))
    assert seen == sellable and len(seen) == 8


# --- queries per page -------------------------------------------------------------------------


@pytest.fixture
def big_catalog(shop):
    """60 more products, each with two stocked variants and an image."""
    for n in range(60):
        product = ProductFactory(title=f"Bulk {n:02d}")
        for size in ("S", "L"):
            variant = VariantFactory(product=product, option1=size)
            stock_receive(variant=variant, warehouse=shop.main, quantity=3, actor=SYSTEM)
            stock_receive(variant=variant, warehouse=shop.east, quantity=2, actor=SYSTEM)
        ProductImage.objects.create(product=product, source_url=f"https://cdn/{n}.jpg")
    return shop


def queries_for(client, path: str, key: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(client, path, key)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize("path", ["/products", "/stock"])
def test_a_catalog_page_costs_the_same_queries_whatever_its_size(client, big_catalog, key, path):
    # The key's last-used stamp is written once a minute, the store settings read once.
    get(client, f"{path}?limit=1", key)
    small = queries_for(client, f"{path}?limit=5", key)
    large = queries_for(client, f"{path}?limit=50", key)
    assert small == large
    assert len(get(client, f"{path}?limit=50", key).json()["items"]) == 50


def test_stock_moves_show_in_availability(client, shop, key):
    stock_adjust(
        variant=shop.mug, warehouse=shop.main, delta=-4, reason=MovementReason.DAMAGE, actor=SYSTEM
    )
    assert get(client, "/stock/MUG", key).json()["available"] == 6
    product = get(client, f"/products/{shop.mug.product_id}", key).json()
    assert product["variants"][0]["available"] == 6


def test_unpublishing_takes_a_product_off_every_list(client, shop, key):
    product_set_status(
        products=Product.objects.filter(pk=shop.mug.product_id),
        status="archived",
        actor=SYSTEM,
    )
    assert [p["title"] for p in all_pages(client, "/products", key, limit=1)] == ["Linen tee"]
    assert [s["sku"] for s in all_pages(client, "/stock", key, limit=1)] == ["TEE-M"]
    assert get(client, "/variants/MUG", key).status_code == 404


def test_prices_are_strings_with_two_decimals(client, shop, key):
    shop.mug.compare_at_price = Decimal("15")
    variant_save(variant=shop.mug, actor=SYSTEM)
    variant = get(client, "/variants/MUG", key).json()
    assert (variant["price"], variant["compare_at_price"]) == ("12.50", "15.00")


@pytest.mark.parametrize("path", ["/products", "/stock", "/orders"])
@pytest.mark.parametrize(
    "value", ["0.5", "1700000000", "2026-05-01", "2026-05-01T08:00:00", "soon"]
)
def test_updated_since_must_be_a_date_time_with_its_offset(client, key, path, value):
    response = get(client, f"{path}?updated_since={value}", key)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "updated_since"]


@pytest.mark.parametrize("value", ["2026-05-01T08:00:00Z", "2026-05-01T08:00:00.5%2B02:00"])
def test_updated_since_takes_rfc3339(client, key, value):
    assert get(client, f"/products?updated_since={value}", key).status_code == 200


HOSTILE_DESCRIPTION = (
    '<p>Soft <strong>linen</strong>, <a href="https://shop.example.com/care">care</a></p>'
    "<script>steal(document.cookie)</script>"
    '<img src="https://cdn.example.com/tee.jpg" alt="tee" onerror="steal()">'
    '<a href="javascript:steal()">win</a><iframe src="https://evil.example.com"></iframe>'
    '<p style="position:fixed;top:0;color:#333;text-align:center" onclick="steal()">'
    "Fits true to size</p>"
    "<style>body{display:none}</style><form action=https://evil.example.com><input></form>"
)


def test_a_description_leaves_sanitised_and_stays_stored_as_written(client, shop, key):
    Product.objects.filter(pk=shop.tee.product_id).update(description=HOSTILE_DESCRIPTION)
    page = get(client, "/products", key).json()
    tee = next(p for p in page["items"] if p["handle"] == shop.tee.product.handle)
    html = tee["description_html"]
    for gone in ("<script", "steal", "onerror", "onclick", "javascript:", "<iframe", "<style",
                 "position", "top:", "<form", "<input", "evil.example.com"):  # fmt: skip
        assert gone not in html, gone
    assert html.startswith(
        '<p>Soft <strong>linen</strong>, <a href="https://shop.example.com/care" '
        'rel="noopener noreferrer">care</a></p>'
    )
    assert '<img src="https://cdn.example.com/tee.jpg" alt="tee">' in html
    # The merchant's look stays; nothing may place itself over the storefront's page.
    assert '<p style="color:#333;text-align:center">Fits true to size</p>' in html
    one = get(client, f"/products/{shop.tee.product_id}", key).json()
    assert one["description_html"] == html
    assert Product.objects.get(pk=shop.tee.product_id).description == HOSTILE_DESCRIPTION
