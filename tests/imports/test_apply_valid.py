"""Apply what is valid, on request: all-or-nothing stays the default; an invalid file may
write its valid products (a product with any invalid row skipped whole), still in one
transaction, with the skipped rows in the error file and the batch's record, and a revert
that takes back what was applied."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from imports.models import ImportStatus
from imports.revert import import_revert
from imports.services import import_apply
from inventory.models import Category, Product, ProductVariant
from tests.factories import VariantFactory
from tests.imports.conftest import csv_bytes, preview

HEADER = ["Handle", "Title", "Product Category", "Option1 Name", "Option1 Value", "Variant SKU",
          "Variant Price"]  # fmt: skip


def mixed_file() -> bytes:
    """Three products: the tee is valid; the cap has one bad price on its second row; the
    scarf has a handle Shopify would never make."""
    return csv_bytes([
        HEADER,
        ["tee", "Tee", "Apparel > Shirts", "Size", "S", "TEE-S", "19.00"],
        ["tee", "", "", "", "M", "TEE-M", "19.00"],
        ["cap", "Cap", "Apparel > Hats", "Size", "S", "CAP-S", "9.00"],
        ["cap", "", "", "", "M", "CAP-M", "nine"],
        ["bad scarf", "Scarf", "", "Title", "Default Title", "SCARF", "5.00"],
    ])  # fmt: skip


def test_the_default_stays_all_or_nothing(merchant):
    batch = preview(merchant, mixed_file(), kind="shopify")
    assert batch.status == ImportStatus.INVALID
    with pytest.raises(DomainError, match="cannot be applied"):
        import_apply(batch=batch, actor=Actor.for_user(merchant))
    assert not Product.objects.exists()


def test_the_preview_counts_what_would_be_applied_and_skipped(merchant):
    batch = preview(merchant, mixed_file(), kind="shopify")
    assert batch.preview["units"] == {"valid": 1, "skipped": 2}


def test_the_valid_products_are_applied_and_the_others_skipped_whole(merchant):
    batch = preview(merchant, mixed_file(), kind="shopify")
    batch = import_apply(batch=batch, actor=Actor.for_user(merchant), skip_invalid=True)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert list(Product.objects.values_list("handle", flat=True)) == ["tee"]
    assert sorted(ProductVariant.objects.values_list("sku", flat=True)) == ["TEE-M", "TEE-S"]
    # The cap's valid first row is skipped with its product, and its new category too.
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Apparel", "Shirts"]
    assert batch.counts["skipped"] == 2
    assert batch.message == (
        "Applied 1 product; skipped 2 with invalid rows (2 rows, listed in the error file)."
    )
    with batch.error_file.open("rb") as stored:
        lines = list(csv.reader(io.StringIO(stored.read().decode("utf-8-sig"))))
    errors = {line[0]: line[-1] for line in lines[1:] if line[-1]}
    assert errors == {
        "cap": "Variant Price: is not a number",
        "bad scarf": "Handle: holds a space (use - between words)",
    }


def test_revert_takes_back_what_was_applied(merchant):
    VariantFactory(product__handle="cap", product__title="Old cap", sku="CAP-S", option1="S")
    batch = preview(merchant, mixed_file(), kind="shopify")
    batch = import_apply(batch=batch, actor=Actor.for_user(merchant), skip_invalid=True)
    revert = import_revert(batch=batch, actor=Actor.for_user(merchant))
    assert revert.status == ImportStatus.APPLIED
    assert list(Product.objects.values_list("handle", "title")) == [("cap", "Old cap")]
    assert not Category.objects.exists()


def test_prices_file_applies_its_valid_rows(merchant):
    VariantFactory(sku="A", price=Decimal("1.00"))
    VariantFactory(sku="B", price=Decimal("2.00"))
    content = csv_bytes([["sku", "price"], ["A", "1.50"], ["B", "-1"], ["NOPE", "3.00"]])
    batch = preview(merchant, content, kind="prices")
    assert batch.preview["units"] == {"valid": 1, "skipped": 0}
    import_apply(batch=batch, actor=Actor.for_user(merchant), skip_invalid=True)
    prices = dict(ProductVariant.objects.values_list("sku", "price"))
    assert prices == {"A": Decimal("1.50"), "B": Decimal("2.00")}


def test_a_categories_file_stays_all_or_nothing(merchant):
    content = csv_bytes([["slug", "name", "parent_slug"], ["a", "A", ""], ["b", "", "a"]])
    batch = preview(merchant, content, kind="categories")
    with pytest.raises(DomainError, match="no valid rows to apply"):
        import_apply(batch=batch, actor=Actor.for_user(merchant), skip_invalid=True)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID and not Category.objects.exists()


def test_a_file_with_nothing_valid_offers_nothing(merchant, client):
    content = csv_bytes([HEADER, ["bad one", "X", "", "Title", "Default Title", "X", "1.00"]])
    batch = preview(merchant, content, kind="shopify")
    with pytest.raises(DomainError, match="no valid rows to apply"):
        import_apply(batch=batch, actor=Actor.for_user(merchant), skip_invalid=True)
    client.force_login(merchant)
    page = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk]))
    assert "valid product" not in page.content.decode()


def test_the_admin_offers_and_applies_the_valid_products(merchant, client):
    batch = preview(merchant, mixed_file(), kind="shopify")
    client.force_login(merchant)
    page = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk]))
    assert "Apply the 1 valid product and skip 2" in page.content.decode()
    response = client.post(
        reverse("admin:imports_importbatch_apply", args=[batch.pk]),
        {"skip_invalid": "1"},
        follow=True,
    )
    assert "Applied 1 product; skipped 2 with invalid rows" in response.content.decode()
    assert list(Product.objects.values_list("handle", flat=True)) == ["tee"]


def test_a_role_that_cannot_apply_is_refused(accountant, merchant, client):
    batch = preview(merchant, mixed_file(), kind="shopify")
    client.force_login(accountant)
    client.post(reverse("admin:imports_importbatch_apply", args=[batch.pk]), {"skip_invalid": "1"})
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID and not Product.objects.exists()
