from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F

from inventory.models import (
    Category,
    Product,
    ProductImage,
    ProductVariant,
    StockLevel,
    StockMovement,
    TaxClass,
    Warehouse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every test here stores files in a folder of its own."""
    return media_root


def seed(*args) -> str:
    """The catalog part of the demo: the sales demo has its own tests (tests/sales)."""
    out = StringIO()
    call_command("seed_demo", "--no-sales", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every table, history tables included."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_builds_the_demo_catalog():
    output = seed()

    assert Product.objects.count() == 52
    assert ProductVariant.objects.count() == 197
    assert TaxClass.objects.count() == 3
    assert list(Warehouse.objects.values_list("code", "is_default")) == [
        ("main", True),
        ("overflow", False),
        ("shop", False),
    ]
    assert "Catalog: 52 products, 197 variants, 3 warehouses," in output
    assert "(demo catalog created)" in output


def test_categories_carry_their_full_paths():
    seed()

    tableware = Category.objects.get(slug="tableware")
    assert tableware.full_path == "Home › Kitchen › Tableware"
    assert Category.objects.get(slug="t-shirts").full_path == "Apparel › Tops › T-shirts"
    assert not Category.objects.filter(full_path="").exists()


def test_every_stock_level_equals_its_ledger():
    seed()

    out = StringIO()
    call_command("check_stock_integrity", stdout=out)
    assert out.getvalue().strip() == "Stock levels match the ledger."
    reasons = set(StockMovement.objects.values_list("reason", flat=True))
    expected = {"receipt", "damage", "loss", "found", "transfer_out", "transfer_in", "count"}
    assert expected <= reasons
    actors = set(StockMovement.objects.values_list("actor_kind", "actor_name"))
    assert actors == {("system", "seed_demo")}


def test_some_stock_is_low_and_some_is_out():
    seed()

    low = StockLevel.objects.filter(reorder_point__gt=0, on_hand__lte=F("reorder_point"))
    assert low.filter(on_hand__gt=0).exists()
    assert low.filter(on_hand=0).exists()
    assert StockLevel.objects.filter(reorder_point=0).exists()


def test_seeded_images_are_in_storage(media_root):
    seed()

    images = list(ProductImage.objects.all())
    assert len(images) == Product.objects.count()
    for image in images:
        assert default_storage.exists(image.image.name)
        assert Path(image.image.path).is_relative_to(media_root)
        assert image.image.size > 0


def test_catalog_has_variants_without_sku_and_products_without_options():
    seed()

    no_sku = ProductVariant.objects.filter(sku__isnull=True)
    assert no_sku.count() == 9
    assert set(no_sku.values_list("product__vendor", flat=True)) == {"Atelier Terre"}
    single = Product.objects.annotate(n=Count("variants")).filter(n=1, option1_name="")
    assert single.exists()
    default = ProductVariant.objects.get(product=single.first())
    assert (default.option1, default.option2, default.option3) == ("", "", "")
    assert default.label in {default.sku, "Default"}


def test_seed_twice_changes_nothing():
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "(demo catalog already there)" in output


def snapshot() -> list[tuple]:
    """The catalog and stock by their natural keys (ids differ between databases)."""
    variants = ProductVariant.objects.order_by("product__handle", "position").values_list(
        "product__handle", "sku", "option1", "option2", "price", "compare_at_price", "cost"
    )
    stock = StockLevel.objects.order_by(
        "variant__product__handle", "variant__position", "warehouse__code"
    ).values_list(
        "variant__product__handle",
        "variant__position",
        "warehouse__code",
        "on_hand",
        "reorder_point",
    )
    return [*variants, *stock]


def test_the_demo_is_the_same_every_time():
    with transaction.atomic():
        seed()
        first = snapshot()
        transaction.set_rollback(True)
    assert not Product.objects.exists()

    seed()

    assert snapshot() == first


def test_synthetic_variants_are_added_with_a_true_ledger():
    seed()
    variants_before = ProductVariant.objects.count()

    output = seed("--variants", "2000")

    synthetic = ProductVariant.objects.filter(sku__startswith="SYN-")
    assert ProductVariant.objects.count() == variants_before + 2000
    assert synthetic.count() == 2000
    products = Product.objects.filter(handle__startswith="syn-").count()
    assert 2000 / 6 <= products <= 2000 / 2
    assert "synthetic catalog: 2,000 of 2,000 variants" in output
    call_command("check_stock_integrity", stdout=StringIO())


def test_synthetic_variants_add_up_over_runs():
    seed("--variants", "300")
    seed("--variants", "300")

    skus = ProductVariant.objects.filter(sku__startswith="SYN-").values_list("sku", flat=True)
    assert len(set(skus)) == 600
    call_command("check_stock_integrity", stdout=StringIO())


def test_a_negative_variant_count_is_refused():
    with pytest.raises(CommandError, match="--variants must be zero or more"):
        seed("--variants", "-5")
    assert not Product.objects.exists()


def test_no_catalog_seeds_only_the_logins():
    seed("--no-catalog")

    assert not Product.objects.exists()
    assert not Warehouse.objects.exists()
