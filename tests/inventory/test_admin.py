"""The catalog and stock admin, through Django's test client, as each role uses it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.actors import Actor
from inventory import services
from inventory.models import Product, ProductImage, ProductVariant, StockLevel, StockMovement
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    TaxClassFactory,
    UserFactory,
    VariantFactory,
    WarehouseFactory,
)

SYSTEM = Actor.system("test")


@pytest.fixture
def stocked(db):
    """A variant with 10 on hand in the main warehouse, 4 of them allocated."""
    main = WarehouseFactory(code="main", is_default=True)
    WarehouseFactory(code="east")
    variant = VariantFactory(
        sku="TEE-M", product__title="Linen tee", product__category=CategoryFactory()
    )
    services.stock_receive(variant=variant, warehouse=main, quantity=10, actor=SYSTEM)
    services.stock_allocate(variant=variant, warehouse=main, quantity=4, actor=SYSTEM)
    return StockLevel.objects.get(variant=variant, warehouse=main)


def snapshot():
    return (
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")),
        StockMovement.objects.count(),
    )


PAGES = [
    "/admin/inventory/product/",
    "/admin/inventory/productvariant/",
    "/admin/inventory/category/",
    "/admin/inventory/taxclass/",
    "/admin/inventory/warehouse/",
    "/admin/inventory/stocklevel/",
    "/admin/inventory/stockmovement/",
]


@pytest.mark.parametrize("role", ["merchant", "accountant"])
@pytest.mark.parametrize("page", PAGES)
def test_every_list_renders_for_merchant_and_accountant(client, request, stocked, role, page):
    client.force_login(request.getfixturevalue(role))
    response = client.get(page)
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["merchant", "accountant"])
def test_product_and_variant_pages_render_with_their_tabs(client, request, stocked, role):
    client.force_login(request.getfixturevalue(role))
    variant = stocked.variant
    product_page = client.get(f"/admin/inventory/product/{variant.product_id}/change/")
    assert product_page.status_code == 200
    assert "TEE-M" in product_page.content.decode()
    variant_page = client.get(
        f"/admin/inventory/productvariant/{variant.pk}/change/"
    ).content.decode()
    assert "Stock by warehouse" in variant_page
    assert "Ledger" in variant_page
    assert "Allocation" in variant_page  # the ledger tab lists the movements
    history = client.get(f"/admin/inventory/product/{variant.product_id}/history/")
    assert history.status_code == 200


def test_product_list_shows_price_range_stock_and_variant_count(client, merchant, stocked):
    VariantFactory(product=stocked.variant.product, price=Decimal("29.90"))
    client.force_login(merchant)
    page = client.get("/admin/inventory/product/").content.decode()
    assert "Linen tee" in page
    assert "19.90 – 29.90" in page
    product = Product.objects.get(title="Linen tee")
    row = client.get("/admin/inventory/product/", {"q": "TEE-M"}).context["cl"].result_list
    assert [p.pk for p in row] == [product.pk]
    assert row[0].available_n == 6
    assert row[0].variants_n == 2


def test_product_stock_filter_finds_out_of_stock_products(client, merchant, stocked):
    empty = ProductFactory(title="Nothing left")
    VariantFactory(product=empty)
    client.force_login(merchant)
    out = client.get("/admin/inventory/product/", {"stock": "out"}).context["cl"].result_list
    assert [p.title for p in out] == ["Nothing left"]
    in_stock = client.get("/admin/inventory/product/", {"stock": "in"}).context["cl"].result_list
    assert [p.title for p in in_stock] == ["Linen tee"]


def test_accountant_reads_but_cannot_change(client, accountant, stocked):
    client.force_login(accountant)
    product = stocked.variant.product
    before = snapshot()
    assert client.get("/admin/inventory/product/add/").status_code == 403
    response = client.post(
        f"/admin/inventory/product/{product.pk}/change/", {"title": "Renamed", "handle": "x"}
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/admin/inventory/stocklevel/{stocked.pk}/receive/", {"quantity": 5}
        ).status_code
        == 403
    )
    page = client.get("/admin/inventory/stocklevel/").content.decode()
    assert "receive-new" not in page
    Product.objects.get(pk=product.pk, title="Linen tee")
    assert snapshot() == before


@pytest.mark.parametrize("make_user", ["merchant", "superuser"])
def test_nobody_can_add_edit_or_delete_ledger_rows(client, request, stocked, make_user):
    user = (
        request.getfixturevalue("merchant")
        if make_user == "merchant"
        else UserFactory(is_superuser=True)
    )
    client.force_login(user)
    movement = StockMovement.objects.first()
    before = snapshot()
    assert client.get("/admin/inventory/stockmovement/add/").status_code == 403
    assert (
        client.post(
            f"/admin/inventory/stockmovement/{movement.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    edit = client.post(
        f"/admin/inventory/stockmovement/{movement.pk}/change/", {"note": "rewritten"}
    )
    assert edit.status_code == 403
    assert StockMovement.objects.get(pk=movement.pk).note == ""
    assert snapshot() == before


def test_merchant_receives_stock_from_the_stock_page(client, merchant, stocked):
    client.force_login(merchant)
    response = client.post(
        f"/admin/inventory/stocklevel/{stocked.pk}/receive/",
        {"quantity": 5, "reference": "PO-77", "note": "pallet 3"},
    )
    assert response.status_code == 302
    stocked.refresh_from_db()
    assert (stocked.on_hand, stocked.allocated) == (15, 4)
    movement = StockMovement.objects.latest("id")
    assert (movement.reason, movement.on_hand_delta, movement.reference) == ("receipt", 5, "PO-77")
    assert (movement.actor_kind, movement.actor_user) == ("user", merchant)


def test_refused_adjustment_shows_the_reason_and_changes_nothing(client, merchant, stocked):
    client.force_login(merchant)
    before = snapshot()
    response = client.post(
        f"/admin/inventory/stocklevel/{stocked.pk}/adjust/",
        {"delta": -7, "reason": "damage"},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Not enough stock of TEE-M in main: 7 requested, 6 available."]
    assert snapshot() == before


def test_invalid_form_input_is_shown_and_changes_nothing(client, merchant, stocked):
    client.force_login(merchant)
    before = snapshot()
    response = client.post(f"/admin/inventory/stocklevel/{stocked.pk}/receive/", {"quantity": -3})
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    response = client.post(
        f"/admin/inventory/stocklevel/{stocked.pk}/transfer/",
        {"to_warehouse": stocked.warehouse_id, "quantity": 1},
    )
    assert "Select a valid choice" in response.content.decode()
    assert snapshot() == before


def test_count_and_transfer_through_the_admin(client, merchant, stocked):
    client.force_login(merchant)
    east = stocked.warehouse.__class__.objects.get(code="east")
    client.post(f"/admin/inventory/stocklevel/{stocked.pk}/count/", {"quantity": 8})
    client.post(
        f"/admin/inventory/stocklevel/{stocked.pk}/transfer/",
        {"to_warehouse": east.pk, "quantity": 3},
    )
    levels = dict(StockLevel.objects.values_list("warehouse__code", "on_hand"))
    assert levels == {"main": 5, "east": 3}
    reasons = list(StockMovement.objects.order_by("id").values_list("reason", flat=True))
    assert reasons[-3:] == ["count", "transfer_out", "transfer_in"]


def test_receive_stock_by_sku_into_a_new_warehouse(client, merchant, stocked):
    client.force_login(merchant)
    east = stocked.warehouse.__class__.objects.get(code="east")
    before = snapshot()
    unknown = client.post(
        "/admin/inventory/stocklevel/receive-new/",
        {"sku": "NOPE", "warehouse": east.pk, "quantity": 2},
    )
    assert "No variant has the SKU or barcode &#x27;NOPE&#x27;" in unknown.content.decode()
    assert snapshot() == before
    client.post(
        "/admin/inventory/stocklevel/receive-new/",
        {"sku": "TEE-M", "warehouse": east.pk, "quantity": 2},
    )
    assert StockLevel.objects.get(variant=stocked.variant, warehouse=east).on_hand == 2


def test_publish_and_archive_write_history_with_the_user(client, merchant, db):
    products = [ProductFactory(status="draft") for _ in range(3)]
    client.force_login(merchant)
    client.post(
        "/admin/inventory/product/",
        {"action": "publish", "_selected_action": [p.pk for p in products[:2]]},
    )
    assert sorted(Product.objects.values_list("status", flat=True)) == ["active", "active", "draft"]
    record = products[0].history.first()
    assert record.history_user == merchant
    assert record.history_change_reason == "Status set to Active"


def test_editing_a_variant_in_the_admin_records_history(client, merchant, stocked):
    variant = stocked.variant
    client.force_login(merchant)
    page = client.get(f"/admin/inventory/productvariant/{variant.pk}/change/")
    form = page.context["adminform"].form
    data = {name: "" if form[name].value() is None else form[name].value() for name in form.fields}
    data.update(price="24.50", product=variant.product_id)
    for prefix in ("stock", "movements"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(f"/admin/inventory/productvariant/{variant.pk}/change/", data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    variant.refresh_from_db()
    assert variant.price == Decimal("24.50")
    latest = variant.history.first()
    assert (latest.history_user, latest.prev_record.price) == (merchant, Decimal("19.90"))


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _listed(response):
    return [
        (p.title, p.available_n, p.variants_n, p.price_min, p.price_max)
        for p in response.context["cl"].result_list
    ]


def test_product_list_computes_its_columns_per_page_and_sorts_by_them(
    client, merchant, db, monkeypatch
):
    from inventory.admin.catalog import ProductAdmin

    monkeypatch.setattr(ProductAdmin, "list_per_page", 2)
    main = WarehouseFactory(code="main", is_default=True)
    for letter, quantity, price in [("A", 5, 10), ("B", 1, 11), ("C", 9, 12)]:
        variant = VariantFactory(product__title=f"Product {letter}", price=Decimal(price))
        VariantFactory(product=variant.product, price=Decimal(price + 10))
        services.stock_receive(variant=variant, warehouse=main, quantity=quantity, actor=SYSTEM)
    client.force_login(merchant)

    first = client.get("/admin/inventory/product/")
    assert _listed(first) == [
        ("Product A", 5, 2, Decimal("10.00"), Decimal("20.00")),
        ("Product B", 1, 2, Decimal("11.00"), Decimal("21.00")),
    ]
    second = client.get("/admin/inventory/product/?p=2")
    assert _listed(second) == [("Product C", 9, 2, Decimal("12.00"), Decimal("22.00"))]

    column = list(first.context["cl"].list_display).index("available_display")
    by_stock = client.get(f"/admin/inventory/product/?o=-{column}")
    assert [row[:2] for row in _listed(by_stock)] == [("Product C", 9), ("Product A", 5)]


def test_changelists_run_a_constant_number_of_queries(client, merchant, db):
    main = WarehouseFactory(code="main", is_default=True)
    TaxClassFactory()
    client.force_login(merchant)

    def add_products(n):
        for _ in range(n):
            variant = VariantFactory()
            services.stock_receive(variant=variant, warehouse=main, quantity=3, actor=SYSTEM)

    add_products(3)
    small = {url: _queries(client, url) for url in PAGES}
    add_products(30)
    large = {url: _queries(client, url) for url in PAGES}
    assert large == small


def test_product_change_form_queries_do_not_grow_with_variants(client, merchant, db):
    client.force_login(merchant)
    product = ProductFactory()
    VariantFactory(product=product)
    few = _queries(client, f"/admin/inventory/product/{product.pk}/change/")
    for _ in range(20):
        VariantFactory(product=product)
    for position in range(5):
        ProductImage.objects.create(
            product=product, source_url=f"https://img.example/{position}.png", position=position
        )
    many = _queries(client, f"/admin/inventory/product/{product.pk}/change/")
    assert many == few
    assert ProductVariant.objects.filter(product=product).count() == 21
