"""What the exports write, the imports read back unchanged: the native product file and
the Shopify CSV, formula escaping included."""

import io
from decimal import Decimal

from imports.models import ImportItem
from inventory.models import Product, ProductVariant
from inventory.resources import ProductResource
from inventory.shopify_export import write_shopify_csv
from tests.factories import CategoryFactory, ProductFactory, TaxClassFactory, VariantFactory
from tests.imports.conftest import imported


def catalog() -> None:
    shirts = CategoryFactory(slug="shirts", name="Shirts")
    standard = TaxClassFactory(name="Standard")
    tee = ProductFactory(
        handle="tee", title="=Tee (formula-looking)", vendor="+Acme", category=shirts,
        tax_class=standard, option1_name="Size", option2_name="Colour", tags="a, b",
        description="<p>Two\nlines</p>", status="active",
    )  # fmt: skip
    VariantFactory(product=tee, sku="TEE-S", option1="S", option2="Red", price=Decimal("19.00"),
                   compare_at_price=Decimal("25.00"), cost=Decimal("7.10"),
                   weight=Decimal("0.200"), weight_unit="kg", barcode="0123")  # fmt: skip
    VariantFactory(product=tee, sku=None, option1="M", option2="Red", price=Decimal("19.00"),
                   weight=Decimal("7.000"), weight_unit="oz")  # fmt: skip
    mug = ProductFactory(handle="mug", title="Mug", option1_name="", status="draft")
    VariantFactory(product=mug, sku="MUG", option1="", price=Decimal("9.50"), weight=Decimal("350"),
                   weight_unit="g", inventory_policy="continue")  # fmt: skip
    ProductFactory(handle="empty", title="No variants yet")


def history_counts() -> tuple:
    return Product.history.count(), ProductVariant.history.count()


def test_the_native_export_imports_back_unchanged(merchant):
    catalog()
    content = ProductResource().export(Product.objects.all()).csv.encode("utf-8")
    history = history_counts()
    batch = imported(merchant, content)
    assert batch.preview["counts"]["new"] == batch.preview["counts"]["changed"] == 0
    assert batch.preview["rows"] == []
    assert history_counts() == history
    assert ImportItem.objects.count() == 0


def test_the_shopify_export_imports_back_unchanged(merchant):
    catalog()
    target = io.BytesIO()
    write_shopify_csv(Product.objects.all(), target)
    history = history_counts()
    batch = imported(merchant, target.getvalue(), kind="shopify")
    assert batch.preview["rows"] == []
    assert history_counts() == history
