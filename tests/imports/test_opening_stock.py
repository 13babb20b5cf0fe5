"""Opening stock from a Shopify export's Variant Inventory Qty: offered by the preview, counted
into the warehouse chosen at the apply through the ledger (reason: import, reference: the
batch), and taken back by the import's revert with compensating movements."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from imports.models import ImportStatus
from imports.revert import import_revert
from imports.services import import_apply
from inventory.models import MovementReason, ProductVariant, StockLevel, StockMovement
from tests.factories import UserFactory, WarehouseFactory
from tests.imports.conftest import csv_bytes, imported, preview

HEADER = ["Handle", "Title", "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price",
          "Variant Inventory Qty"]  # fmt: skip


def export() -> bytes:
    return csv_bytes([
        HEADER,
        ["tee", "Tee", "Size", "S", "TEE-S", "19.00", "12"],
        ["tee", "", "", "M", "TEE-M", "19.00", "-3"],  # oversold in Shopify
        ["tee", "", "", "L", "", "19.00", "5"],  # no SKU
        ["cap", "Cap", "Title", "Default Title", "CAP", "9.00", ""],  # no quantity
    ])  # fmt: skip


def levels(warehouse) -> dict:
    return {
        level.variant.label: level.on_hand
        for level in StockLevel.objects.filter(warehouse=warehouse).select_related("variant")
    }


def test_the_preview_offers_the_quantities(merchant):
    batch = preview(merchant, export(), kind="shopify")
    assert batch.status == ImportStatus.READY
    assert batch.preview["opening_stock"] == {"variants": 3, "units": 17}
    assert (
        "1 variant(s) have a negative Variant Inventory Qty (sold beyond stock in Shopify): "
        "their opening stock would be 0." in batch.preview["notices"]
    )
    assert not StockMovement.objects.exists()


def test_quantities_are_counted_into_the_chosen_warehouse_and_reverted(merchant):
    warehouse = WarehouseFactory(code="main")
    batch = preview(merchant, export(), kind="shopify")
    batch = import_apply(
        batch=batch, actor=Actor.for_user(merchant), opening_stock_warehouse=warehouse
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert levels(warehouse) == {"TEE-S": 12, "L": 5}  # TEE-M counted 0: nothing to record
    movements = StockMovement.objects.filter(reason=MovementReason.IMPORT)
    assert sorted(movements.values_list("on_hand_delta", flat=True)) == [5, 12]
    assert set(movements.values_list("reference", flat=True)) == {batch.reason}
    assert batch.reason == f"Import #{batch.pk}: catalog.csv"

    revert = import_revert(batch=batch, actor=Actor.for_user(merchant))
    assert revert.counts["stock"] == 2
    assert levels(warehouse) == {"TEE-S": 0, "L": 0}
    corrections = StockMovement.objects.filter(reason=MovementReason.CORRECTION)
    assert sorted(corrections.values_list("on_hand_delta", flat=True)) == [-12, -5]
    # The ledger keeps the variants that had stock; they are said to be kept.
    kept = [n for n in revert.preview["notices"] if "stock movements refer to it" in n]
    assert [n.split("”")[0] for n in kept] == [
        "Kept product variant “Tee — L",
        "Kept product variant “Tee — TEE-S",
    ]
    assert not ProductVariant.objects.filter(sku="TEE-M").exists()  # counted 0: removed


def test_without_a_warehouse_stock_is_left_alone(merchant):
    imported(merchant, export(), kind="shopify")
    assert not StockLevel.objects.exists()
    assert not StockMovement.objects.exists()


def test_a_role_that_cannot_set_stock_is_refused_and_nothing_written(merchant, db):
    warehouse = WarehouseFactory(code="main")
    importer = UserFactory(username="importer")
    importer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["add_importbatch", "apply_importbatch", "add_product", "change_product"]
        )
    )
    batch = preview(importer, export(), kind="shopify")
    with pytest.raises(DomainError, match=r"^Your role cannot set stock\.$"):
        import_apply(batch=batch, actor=Actor.for_user(importer), opening_stock_warehouse=warehouse)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY
    assert not ProductVariant.objects.exists() and not StockMovement.objects.exists()


def test_the_admin_offers_warehouses_and_applies_into_the_chosen_one(merchant, client):
    main, spare = WarehouseFactory(code="main"), WarehouseFactory(code="spare")
    WarehouseFactory(code="closed", active=False)
    client.force_login(merchant)
    batch = preview(merchant, export(), kind="shopify")
    page = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk])).content.decode()
    assert "3 variants carry a Variant Inventory Qty (17 units)" in page
    assert "Set stock from Variant Inventory Qty into main" in page
    assert "into spare" in page and "into closed" not in page

    apply_url = reverse("admin:imports_importbatch_apply", args=[batch.pk])
    refused = client.post(apply_url, {"opening_stock_warehouse": "99999"}, follow=True)
    assert "Choose one of the warehouses listed." in refused.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY and not ProductVariant.objects.exists()

    client.post(apply_url, {"opening_stock_warehouse": str(spare.pk)})
    batch.refresh_from_db()
    assert (batch.status, batch.opening_stock_warehouse) == (ImportStatus.APPLIED, spare)
    assert levels(spare) == {"TEE-S": 12, "L": 5}
    assert levels(main) == {}


def test_a_file_without_quantities_offers_no_stock(merchant, client):
    WarehouseFactory(code="main")
    content = csv_bytes([HEADER[:-1], ["cap", "Cap", "Title", "Default Title", "CAP", "9.00"]])
    batch = preview(merchant, content, kind="shopify")
    client.force_login(merchant)
    page = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk])).content.decode()
    assert "Variant Inventory Qty" not in page
    with pytest.raises(DomainError, match="has no quantities to set as opening stock"):
        import_apply(
            batch=batch,
            actor=Actor.for_user(merchant),
            opening_stock_warehouse=WarehouseFactory(code="x"),
        )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY
