"""Files with only some of the columns: they change exactly those columns of what exists, and
new products from a file without prices come in as drafts whose variants are neither sold
nor published until priced."""

from decimal import Decimal

import pytest

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from imports.models import ImportStatus
from inventory.models import Product, ProductStatus, ProductVariant
from inventory.selectors import sellable_variants
from sales.services.orders import LineRequest, order_create
from tests.factories import ChannelFactory, CustomerFactory, ProductFactory, VariantFactory
from tests.imports.conftest import csv_bytes, imported, preview, problems

PARTIAL_HEADER = [
    "Handle", "Title", "Vendor", "Variant SKU", "Variant Barcode", "Variant Inventory Qty",
]  # fmt: skip


@pytest.fixture
def catalog(db):
    tee = ProductFactory(
        handle="classic-tee", title="Classic Tee", vendor="Old Vendor",
        description="<p>Soft cotton</p>", option1_name="Size", status=ProductStatus.ACTIVE,
    )  # fmt: skip
    small = VariantFactory(product=tee, sku="TEE-S", option1="S", price=Decimal("19.00"))
    medium = VariantFactory(product=tee, sku="TEE-M", option1="M", price=Decimal("21.00"))
    return tee, small, medium


def test_a_partial_shopify_file_changes_only_its_columns(merchant, catalog):
    tee, _small, _medium = catalog
    content = csv_bytes([
        PARTIAL_HEADER,
        ["classic-tee", "Classic Tee", "New Vendor", "TEE-S", "'4006381333931", "5"],
        ["classic-tee", "", "", "TEE-M", "4006381333948", "7"],
    ])  # fmt: skip
    batch = imported(merchant, content, kind="shopify")
    assert batch.preview["objects"]["product"] == {"changed": 1}
    assert batch.preview["objects"]["variant"] == {"changed": 2}
    tee.refresh_from_db()
    assert (tee.title, tee.vendor, tee.description, tee.option1_name, tee.status) == (
        "Classic Tee", "New Vendor", "<p>Soft cotton</p>", "Size", ProductStatus.ACTIVE,
    )  # fmt: skip
    assert list(tee.variants.order_by("sku").values_list("sku", "option1", "price", "barcode")) == [
        ("TEE-M", "M", Decimal("21.00"), "4006381333948"),
        ("TEE-S", "S", Decimal("19.00"), "4006381333931"),
    ]
    assert ProductVariant.objects.count() == 2


def test_a_partial_native_file_of_skus_and_prices_keeps_options(merchant, catalog):
    _tee, _small, medium = catalog
    content = csv_bytes([["handle", "sku", "price"], ["classic-tee", "TEE-M", "23.50"]])
    imported(merchant, content)
    medium.refresh_from_db()
    assert (medium.option1, medium.price) == ("M", Decimal("23.50"))
    assert ProductVariant.objects.count() == 2


def test_new_products_without_prices_come_in_as_unpriced_drafts(merchant, db):
    content = csv_bytes([
        ["Handle", "Title", "Vendor", "Variant SKU", "Option1 Name", "Option1 Value", "Status"],
        ["linen-shirt", "Linen Shirt", "Acme", "LS-S", "Size", "S", "active"],
        ["linen-shirt", "", "", "LS-M", "", "M", ""],
        ["wool-cap", "Wool Cap", "Acme", "CAP-1", "Title", "Default Title", ""],
    ])  # fmt: skip
    batch = preview(merchant, content, kind="shopify")
    assert batch.status == ImportStatus.READY, problems(batch)
    notices = batch.preview["notices"]
    assert (
        "3 new variant(s) have no price: they come in unpriced, and are neither sold nor "
        "published until priced." in notices
    )
    assert (
        "1 new product(s) with unpriced variants come in as drafts (the file said active or "
        "archived)." in notices
    )
    imported(merchant, content, kind="shopify")
    assert set(Product.objects.values_list("handle", "status")) == {
        ("linen-shirt", ProductStatus.DRAFT),
        ("wool-cap", ProductStatus.DRAFT),
    }
    assert set(ProductVariant.objects.values_list("sku", "price")) == {
        ("LS-S", None), ("LS-M", None), ("CAP-1", None),
    }  # fmt: skip


def test_an_unpriced_variant_is_neither_published_nor_sold_until_priced(merchant, store):
    content = csv_bytes([["Handle", "Title", "Variant SKU"], ["wool-cap", "Wool Cap", "CAP-1"]])
    imported(merchant, content, kind="shopify")
    Product.objects.filter(handle="wool-cap").update(status=ProductStatus.ACTIVE)
    cap = ProductVariant.objects.get(sku="CAP-1")
    assert not sellable_variants().filter(pk=cap.pk).exists()
    channel, customer = ChannelFactory(), CustomerFactory()
    actor = Actor.for_user(merchant)
    with pytest.raises(DomainError, match=r"CAP-1 \(Wool Cap\) has no price yet"):
        order_create(channel=channel, customer=customer, actor=actor, lines=[LineRequest(cap, 1)])
    # Priced by a prices file, it is for sale.
    imported(merchant, csv_bytes([["sku", "price"], ["CAP-1", "12.00"]]), kind="prices")
    assert sellable_variants().filter(pk=cap.pk).exists()
    cap.refresh_from_db()
    order = order_create(
        channel=channel, customer=customer, actor=actor, lines=[LineRequest(cap, 1)]
    )
    assert order.lines.get().unit_price == Decimal("12.00")


def test_the_admin_shows_an_unpriced_variant_and_prices_it(admin_client, db):
    product = ProductFactory(handle="wool-cap", title="Wool Cap")
    cap = VariantFactory(product=product, sku="CAP-1", price=None)
    for url in (
        "/admin/inventory/product/",
        f"/admin/inventory/product/{product.pk}/change/",
        "/admin/inventory/productvariant/",
        f"/admin/inventory/productvariant/{cap.pk}/change/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    assert (
        "not priced yet"
        in admin_client.get(f"/admin/inventory/productvariant/{cap.pk}/change/").content.decode()
    )
