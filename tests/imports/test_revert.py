"""Undo: an import reverted puts the catalog back as it was — values, removed rows, stock
through the ledger —, says what it could not remove, and is recorded as its own batch."""

from decimal import Decimal

import pytest

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from imports.models import ImportBatch, ImportKind, ImportStatus
from imports.revert import import_revert
from inventory.models import MovementReason, Product, ProductVariant, StockLevel, StockMovement
from inventory.services import stock_allocate, stock_receive, stock_release
from tests.factories import ProductFactory, VariantFactory, WarehouseFactory
from tests.imports.conftest import csv_bytes, imported, native_rows, preview, problems

TEE = {"handle": "tee", "title": "Tee", "vendor": "Acme", "option1_name": "Size",
       "sku": "TEE-S", "option1": "S", "price": "19.00"}  # fmt: skip


def catalog_state() -> list[tuple]:
    products = list(Product.objects.order_by("pk").values_list())
    variants = list(ProductVariant.objects.order_by("pk").values_list())
    return products + variants


def without_times(rows: list[tuple]) -> list[tuple]:
    return [tuple(v for v in row if not hasattr(v, "tzinfo")) for row in rows]


@pytest.fixture
def existing(db):
    mug = ProductFactory(handle="mug", title="Mug", vendor="Clay Co", option1_name="Colour")
    VariantFactory(product=mug, sku="MUG-B", option1="Blue", price=Decimal("8.00"))
    return mug


def test_revert_restores_the_catalog_exactly_and_records_itself(merchant, existing):
    before = catalog_state()
    rows = native_rows(
        {"handle": "mug", "title": "Big Mug", "vendor": "", "sku": "MUG-B", "option1": "Blue",
         "price": "9.50", "cost": "3.00"},
        {"handle": "mug", "sku": "MUG-R", "option1": "Red", "price": "9.50"},
        TEE,
    )  # fmt: skip
    batch = imported(merchant, csv_bytes(rows))
    assert Product.objects.get(handle="mug").title == "Big Mug"

    revert = import_revert(batch=batch, actor=Actor.for_user(merchant))

    assert without_times(catalog_state()) == without_times(before)
    assert (revert.kind, revert.status, revert.reverts) == (
        ImportKind.REVERT, ImportStatus.APPLIED, batch,
    )  # fmt: skip
    assert revert.counts == {"restored": 2, "removed": 3, "kept": 0, "stock": 0}
    batch.refresh_from_db()
    assert batch.status == ImportStatus.REVERTED
    mug_history = list(existing.history.values_list("history_type", "history_change_reason"))
    assert mug_history[:2] == [
        ("~", f"Import #{revert.pk}: revert of import #{batch.pk}"),
        ("~", f"Import #{batch.pk}: catalog.csv"),
    ]
    removed = ProductVariant.history.filter(sku="MUG-R", history_type="-").get()
    assert (removed.history_user, removed.history_change_reason) == (merchant, revert.reason)


def test_what_something_depends_on_is_kept_and_said(merchant, existing):
    batch = imported(merchant, csv_bytes(native_rows(TEE)))
    warehouse = WarehouseFactory(code="main", is_default=True)
    tee = ProductVariant.objects.get(sku="TEE-S")
    stock_receive(variant=tee, warehouse=warehouse, quantity=3, actor=Actor.system("test"))

    revert = import_revert(batch=batch, actor=Actor.for_user(merchant))

    assert revert.counts == {"restored": 0, "removed": 0, "kept": 2, "stock": 0}
    assert revert.preview["notices"] == [
        "Kept product variant “Tee — TEE-S”: stock levels, stock movements refer to it.",
        "Kept product “Tee”: it still has 1 variant(s).",
    ]
    assert ProductVariant.objects.filter(sku="TEE-S").exists()


def test_a_stock_count_import_is_reverted_through_the_ledger(merchant, existing):
    warehouse = WarehouseFactory(code="main", is_default=True)
    mug = ProductVariant.objects.get(sku="MUG-B")
    stock_receive(variant=mug, warehouse=warehouse, quantity=10, actor=Actor.system("test"))
    counted = imported(merchant, b"sku,warehouse,counted\r\nMUG-B,main,7\r\n", kind="stock")
    level = StockLevel.objects.get(variant=mug)
    assert level.on_hand == 7
    ledger = list(StockMovement.objects.order_by("pk").values_list("pk", "on_hand_delta"))

    revert = import_revert(batch=counted, actor=Actor.for_user(merchant))

    level.refresh_from_db()
    assert level.on_hand == 10
    assert revert.counts["stock"] == 1
    movements = list(StockMovement.objects.order_by("pk").values_list("pk", "on_hand_delta"))
    assert movements[: len(ledger)] == ledger  # the ledger is never edited
    last = StockMovement.objects.order_by("pk").last()
    assert (last.on_hand_delta, last.reason, last.reference) == (
        3, MovementReason.CORRECTION, revert.reason,
    )  # fmt: skip


def test_a_revert_that_would_break_stock_is_refused_whole(merchant, existing):
    warehouse = WarehouseFactory(code="main", is_default=True)
    mug = ProductVariant.objects.get(sku="MUG-B")
    stock_receive(variant=mug, warehouse=warehouse, quantity=2, actor=Actor.system("test"))
    counted = imported(merchant, b"sku,warehouse,counted\r\nMUG-B,main,9\r\n", kind="stock")
    stock_allocate(variant=mug, warehouse=warehouse, quantity=5, actor=Actor.system("test"))
    ledger = StockMovement.objects.count()

    with pytest.raises(DomainError, match="MUG-B in main"):
        import_revert(batch=counted, actor=Actor.for_user(merchant))

    assert StockMovement.objects.count() == ledger
    assert StockLevel.objects.get(variant=mug).on_hand == 9
    counted.refresh_from_db()
    assert counted.status == ImportStatus.APPLIED
    assert ImportBatch.objects.filter(kind=ImportKind.REVERT).count() == 0


def test_a_revert_is_refused_twice_and_for_roles_without_it(merchant, accountant, existing):
    batch = imported(merchant, csv_bytes(native_rows(TEE)))
    with pytest.raises(DomainError, match="Your role cannot revert imports"):
        import_revert(batch=batch, actor=Actor.for_user(accountant))
    revert = import_revert(batch=batch, actor=Actor.for_user(merchant))
    with pytest.raises(DomainError, match="only an applied import can be reverted"):
        import_revert(batch=batch, actor=Actor.for_user(merchant))
    with pytest.raises(DomainError, match="is itself a revert"):
        import_revert(batch=revert, actor=Actor.for_user(merchant))


def test_stock_rows_follow_an_imported_policy_and_its_revert(merchant, existing):
    warehouse = WarehouseFactory(code="main", is_default=True)
    mug = ProductVariant.objects.get(sku="MUG-B")
    stock_receive(variant=mug, warehouse=warehouse, quantity=1, actor=Actor.system("test"))
    row = {"handle": "mug", "sku": "MUG-B", "option1": "Blue", "inventory_policy": "continue"}
    batch = imported(merchant, csv_bytes(native_rows(row)))
    assert StockLevel.objects.get(variant=mug).allows_backorder is True
    mug.refresh_from_db()
    stock_allocate(variant=mug, warehouse=warehouse, quantity=3, actor=Actor.system("test"))

    # Back to "deny" would leave 3 allocated on 1 on hand: the preview refuses it...
    refused = preview(merchant, csv_bytes(native_rows({**row, "inventory_policy": "deny"})))
    assert problems(refused) == [
        (2, "inventory_policy", "deny", "3 units are allocated with 1 on hand: it must keep "
         "allowing backorders until those orders ship"),
    ]  # fmt: skip
    # ... and so does the revert, whole.
    with pytest.raises(DomainError, match="MUG-B has 3 units allocated with 1 on hand in main"):
        import_revert(batch=batch, actor=Actor.for_user(merchant))
    assert ProductVariant.objects.get(sku="MUG-B").inventory_policy == "continue"

    stock_release(variant=mug, warehouse=warehouse, quantity=3, actor=Actor.system("test"))
    import_revert(batch=batch, actor=Actor.for_user(merchant))
    assert ProductVariant.objects.get(sku="MUG-B").inventory_policy == "deny"
    assert StockLevel.objects.get(variant=mug).allows_backorder is False
