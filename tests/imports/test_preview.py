"""The native product file: a preview that shows every new, changed (field by field),
unchanged and invalid row; blank cells that keep values; apply all or nothing."""

import csv
import io
from decimal import Decimal

from backoffice.actors import Actor
from imports.models import ImportBatch, ImportItem, ImportStatus
from inventory.models import Product, ProductVariant
from inventory.services import variant_save
from tests.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.imports.conftest import apply, csv_bytes, imported, native_rows, preview, problems

TEE = {
    "handle": "tee", "title": "Tee", "vendor": "Acme", "status": "active",
    "option1_name": "Size", "sku": "TEE-S", "option1": "S", "price": "19.00", "cost": "7.00",
}  # fmt: skip
TEE_M = {"handle": "tee", "sku": "TEE-M", "option1": "M", "price": "19.00"}


def catalog_state() -> list[tuple]:
    products = list(Product.objects.order_by("handle").values_list())
    variants = list(ProductVariant.objects.order_by("pk").values_list())
    return products + variants


def test_the_preview_lists_new_rows_and_writes_nothing(merchant):
    batch = preview(merchant, csv_bytes(native_rows(TEE, TEE_M)))
    assert batch.status == ImportStatus.READY
    assert batch.preview["counts"] == {"new": 2, "changed": 0, "unchanged": 0, "invalid": 0}
    assert batch.preview["objects"] == {"product": {"new": 1}, "variant": {"new": 2}}
    (row, what, status, changes) = batch.preview["rows"][0]
    assert (row, what, status) == (2, "product tee", "new")
    assert ["title", "", "Tee"] in changes
    assert catalog_state() == []


def test_changes_are_shown_field_by_field_and_blank_cells_keep_values(merchant):
    imported(merchant, csv_bytes(native_rows(TEE, TEE_M)))
    # Row 2 changes the title and the price; its blank vendor, status and cost keep theirs.
    changed = {"handle": "tee", "title": "Classic Tee", "sku": "TEE-S", "option1": "S",
               "price": "21.50"}  # fmt: skip
    batch = preview(merchant, csv_bytes(native_rows(changed, TEE_M)))
    assert batch.preview["counts"] == {"new": 0, "changed": 1, "unchanged": 1, "invalid": 0}
    assert batch.preview["rows"] == [
        [2, "product tee", "changed", [["title", "Tee", "Classic Tee"]]],
        [2, "variant tee TEE-S", "changed", [["price", "19.00", "21.50"]]],
    ]
    apply(merchant, batch)
    tee = Product.objects.get(handle="tee")
    small = ProductVariant.objects.get(sku="TEE-S")
    assert (tee.title, tee.vendor, tee.status) == ("Classic Tee", "Acme", "active")
    assert (small.price, small.cost) == (Decimal("21.50"), Decimal("7.00"))
    assert small.history.first().history_change_reason == f"Import #{batch.pk}: catalog.csv"
    assert small.history.first().history_user == merchant


def test_a_variant_without_sku_is_matched_by_its_product_and_options(merchant):
    product = ProductFactory(handle="mug", title="Mug", option1_name="Colour")
    VariantFactory(product=product, sku=None, option1="Blue", price=Decimal("8.00"))
    row = {"handle": "mug", "option1": "Blue", "price": "9.00"}
    batch = imported(merchant, csv_bytes(native_rows(row)))
    assert batch.preview["counts"]["changed"] == 1
    assert list(product.variants.values_list("sku", "option1", "price")) == [
        (None, "Blue", Decimal("9.00"))
    ]


def test_invalid_rows_name_their_row_column_and_value_and_nothing_is_written(merchant):
    CategoryFactory(slug="shirts")
    rows = native_rows(
        TEE,
        {**TEE_M, "price": "abc", "weight_unit": "stone"},
        {"handle": "Bad Handle!", "title": "X", "sku": "X-1", "price": "1.00"},
        {"handle": "cap", "sku": "TEE-S", "price": "-2"},
        {"handle": "hat", "title": "Hat", "sku": "HAT-1", "weight": "x"},
    )
    batch = preview(merchant, csv_bytes(rows))
    assert batch.status == ImportStatus.INVALID
    assert sorted(problems(batch)) == [
        (3, "price", "abc", "is not a number"),
        (3, "weight_unit", "stone", "is not one of g, kg, lb, oz"),
        (4, "handle", "Bad Handle!", "holds a space (use - between words)"),
        (5, "price", "-2", "cannot be negative"),
        (5, "sku", "TEE-S", "is also on row 2"),
        (5, "title", "", "a new product needs a title"),
        (6, "weight", "x", "is not a number"),
    ]
    assert batch.preview["counts"]["invalid"] == 4
    assert catalog_state() == []
    assert not apply_allowed(merchant, batch)


def apply_allowed(user, batch) -> bool:
    from backoffice.exceptions import DomainError
    from imports.services import import_apply

    try:
        import_apply(batch=batch, actor=Actor.for_user(user))
    except DomainError:
        return False
    return True


def test_the_error_file_is_the_whole_file_with_an_error_column(merchant):
    rows = native_rows(TEE, {**TEE_M, "price": "abc"}, {"handle": "=cmd", "sku": "Z", "price": "1"})
    batch = preview(merchant, csv_bytes(rows))
    with batch.error_file.open("rb") as stored:
        lines = list(csv.reader(io.StringIO(stored.read().decode("utf-8-sig"))))
    assert lines[0] == [*rows[0], "Errors"]
    assert lines[1] == [*rows[1], ""]
    assert lines[2] == [*rows[2], "price: is not a number"]
    assert lines[3][0] == "'=cmd"  # formula escaping in the error file too
    assert lines[3][-1] == "handle: holds “=”: only letters, digits, - and _ make a handle"


def test_an_apply_whose_rows_turned_invalid_writes_nothing_at_all(merchant, monkeypatch):
    """A file written chunk by chunk is still all or nothing: chunk two finds its SKU taken
    (someone saved it in the admin after the preview) after chunk one was written."""
    monkeypatch.setattr("imports.limits.CHUNK_PRODUCTS", 1)
    other = ProductFactory(handle="other")
    rows = native_rows(TEE, {"handle": "cap", "title": "Cap", "sku": "CAP-1", "price": "5.00"})
    batch = preview(merchant, csv_bytes(rows))
    assert batch.status == ImportStatus.READY
    taken = VariantFactory.build(product=other, sku="CAP-1", price=Decimal("1.00"))
    variant_save(variant=taken, actor=Actor.for_user(merchant))
    before = catalog_state()
    batch = apply(merchant, batch)
    assert batch.status == ImportStatus.INVALID
    assert batch.message.startswith("The catalog changed since the preview")
    assert problems(batch) == [
        (
            3,
            "sku",
            "CAP-1",
            "is the SKU of a variant of product other; a variant cannot move to another product",
        )
    ]
    assert catalog_state() == before
    assert not Product.objects.filter(handle="tee").exists()
    assert ImportItem.objects.count() == 0


def test_a_batch_is_applied_once(merchant):
    batch = preview(merchant, csv_bytes(native_rows(TEE)))
    stale_copy = ImportBatch.objects.get(pk=batch.pk)  # what a second click still holds
    apply(merchant, batch)
    assert not apply_allowed(merchant, stale_copy)
    assert Product.objects.count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.APPLIED
