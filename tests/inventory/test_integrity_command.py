"""`check_stock_integrity` proves the stock rows equal the sum of their ledger."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from backoffice.actors import Actor
from inventory.models import InventoryPolicy, StockLevel, StockMovement
from inventory.services import (
    stock_adjust,
    stock_allocate,
    stock_count,
    stock_receive,
    stock_release,
    stock_ship,
    stock_transfer,
)
from tests.factories import VariantFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")
CLEAN = "Stock levels match the ledger.\n"


def check():
    """Run the command; return what it printed, or raise its CommandError."""
    out = StringIO()
    call_command("check_stock_integrity", stdout=out)
    return out.getvalue()


def check_failing():
    """Run the command that must fail; return its error message and what it printed."""
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("check_stock_integrity", stdout=out)
    return str(caught.value), out.getvalue()


@pytest.fixture
def shop():
    """Two warehouses and two variants moved through every stock service."""
    main = WarehouseFactory(code="main", is_default=True)
    east = WarehouseFactory(code="east")
    tee = VariantFactory(sku="TEE-M")
    mug = VariantFactory(sku="MUG-1", inventory_policy=InventoryPolicy.CONTINUE)
    stock_receive(variant=tee, warehouse=main, quantity=20, actor=SYSTEM)
    stock_allocate(variant=tee, warehouse=main, quantity=6, actor=SYSTEM)
    stock_ship(variant=tee, warehouse=main, quantity=2, actor=SYSTEM)
    stock_release(variant=tee, warehouse=main, quantity=1, actor=SYSTEM)
    stock_transfer(variant=tee, from_warehouse=main, to_warehouse=east, quantity=5, actor=SYSTEM)
    stock_adjust(variant=tee, warehouse=east, delta=-1, reason="damage", actor=SYSTEM)
    stock_count(variant=tee, warehouse=main, quantity=12, actor=SYSTEM)
    stock_allocate(variant=mug, warehouse=east, quantity=4, actor=SYSTEM)
    stock_receive(variant=mug, warehouse=east, quantity=1, actor=SYSTEM)
    return {"main": main, "east": east, "tee": tee, "mug": mug}


def test_an_empty_database_matches_its_ledger():
    assert check() == CLEAN


def test_stock_moved_through_the_services_matches_its_ledger(shop):
    assert list(
        StockLevel.objects.order_by("variant__sku", "warehouse__code").values_list(
            "variant__sku", "warehouse__code", "on_hand", "allocated"
        )
    ) == [("MUG-1", "east", 1, 4), ("TEE-M", "east", 4, 0), ("TEE-M", "main", 12, 3)]
    assert StockMovement.objects.count() == 10

    assert check() == CLEAN


def test_a_tampered_on_hand_is_reported_with_sku_warehouse_and_both_numbers(shop):
    StockLevel.objects.filter(variant=shop["tee"], warehouse=shop["main"]).update(
        on_hand=F("on_hand") + 2
    )

    message, printed = check_failing()

    assert message == "1 stock row(s) differ from the ledger."
    assert printed == "TEE-M @ main: on hand 14 (ledger 12), allocated 3 (ledger 3)\n"


def test_tampered_allocations_in_several_rows_are_all_reported(shop):
    StockLevel.objects.filter(variant=shop["tee"], warehouse=shop["east"]).update(allocated=1)
    StockLevel.objects.filter(variant=shop["mug"]).update(allocated=0, on_hand=7)

    message, printed = check_failing()

    assert message == "2 stock row(s) differ from the ledger."
    assert sorted(printed.splitlines()) == [
        "MUG-1 @ east: on hand 7 (ledger 1), allocated 0 (ledger 4)",
        "TEE-M @ east: on hand 4 (ledger 4), allocated 1 (ledger 0)",
    ]


def test_a_variant_without_sku_is_named_by_its_product(shop):
    nameless = VariantFactory(sku=None, product__title="Linen scarf")
    stock_receive(variant=nameless, warehouse=shop["main"], quantity=3, actor=SYSTEM)
    StockLevel.objects.filter(variant=nameless).update(on_hand=0)

    message, printed = check_failing()

    assert message == "1 stock row(s) differ from the ledger."
    assert printed == "Linen scarf (no SKU) @ main: on hand 0 (ledger 3), allocated 0 (ledger 0)\n"


def test_a_stock_row_with_no_ledger_at_all_is_reported(shop):
    StockLevel.objects.create(variant=shop["mug"], warehouse=shop["main"], on_hand=5)

    message, printed = check_failing()

    assert message == "1 stock row(s) differ from the ledger."
    assert printed == "MUG-1 @ main: on hand 5 (ledger 0), allocated 0 (ledger 0)\n"


def test_a_ledger_whose_stock_row_is_gone_is_reported(shop):
    tee, main = shop["tee"], shop["main"]
    StockLevel.objects.filter(variant=tee, warehouse=main).delete()

    message, printed = check_failing()

    assert message == "1 stock row(s) differ from the ledger."
    assert printed == (
        f"variant {tee.pk} @ warehouse {main.pk}: on hand 0 (ledger 12), allocated 0 (ledger 3)\n"
    )


def test_the_check_passes_again_once_the_row_is_put_back(shop):
    row = StockLevel.objects.filter(variant=shop["tee"], warehouse=shop["main"])
    row.update(on_hand=99)
    check_failing()

    row.update(on_hand=12)

    assert check() == CLEAN
