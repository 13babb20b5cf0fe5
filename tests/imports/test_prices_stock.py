"""Price lists and stock counts: one row per SKU; counts become stocktake movements."""

from decimal import Decimal

import pytest

from backoffice.actors import Actor
from imports.models import ImportStatus
from inventory.models import MovementReason, ProductVariant, StockLevel, StockMovement
from inventory.services import stock_allocate, stock_receive
from tests.factories import ProductFactory, VariantFactory, WarehouseFactory
from tests.imports.conftest import imported, preview, problems


@pytest.fixture
def variants(db):
    product = ProductFactory(handle="mug", option1_name="Colour")
    blue = VariantFactory(product=product, sku="MUG-B", option1="Blue", price=Decimal("8.00"))
    red = VariantFactory(product=product, sku="MUG-R", option1="Red", price=Decimal("8.00"))
    return blue, red


def test_a_price_list_changes_prices_and_keeps_blank_cells(merchant, variants):
    blue, _ = variants
    content = b"sku,price,compare_at_price,cost\r\nMUG-B,9.00,,3.10\r\nMUG-R,8.00,,\r\n"
    batch = imported(merchant, content, kind="prices", name="prices.csv")
    assert batch.preview["counts"] == {"new": 0, "changed": 1, "unchanged": 1, "invalid": 0}
    assert batch.preview["rows"] == [
        [2, "variant MUG-B", "changed", [["price", "8.00", "9.00"], ["cost", "7.50", "3.10"]]]
    ]
    blue.refresh_from_db()
    assert (blue.price, blue.cost, blue.compare_at_price) == (
        Decimal("9.00"),
        Decimal("3.10"),
        None,
    )
    assert blue.history.first().history_change_reason == f"Import #{batch.pk}: prices.csv"


def test_a_price_list_with_unknown_or_repeated_skus_writes_nothing(merchant, variants):
    content = b"sku,price\r\nMUG-B,9.00\r\nNOPE,1.00\r\nMUG-B,9.50\r\n,2\r\n"
    batch = preview(merchant, content, kind="prices")
    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [
        (3, "sku", "NOPE", "is not the SKU of any variant"),
        (4, "sku", "MUG-B", "is also on row 2"),
        (5, "sku", "", "is required on every row"),
    ]
    assert ProductVariant.objects.get(sku="MUG-B").price == Decimal("8.00")


def test_a_stock_count_file_writes_stocktake_movements(merchant, variants):
    blue, _ = variants
    WarehouseFactory(code="main", is_default=True)
    WarehouseFactory(code="shop")
    stock_receive(variant=blue, warehouse="main", quantity=10, actor=Actor.system("test"))
    content = b"sku;warehouse;counted\r\nMUG-B;main;8\r\nMUG-R;shop;4\r\nMUG-R;main;0\r\n"
    batch = imported(merchant, content, kind="stock", name="count.csv")
    assert batch.preview["counts"] == {"new": 0, "changed": 2, "unchanged": 1, "invalid": 0}
    levels = StockLevel.objects.order_by("variant__sku", "warehouse__code")
    assert [(lvl.variant.sku, lvl.warehouse.code, lvl.on_hand) for lvl in levels] == [
        ("MUG-B", "main", 8),
        ("MUG-R", "shop", 4),
    ]
    counts = StockMovement.objects.filter(reason=MovementReason.COUNT).order_by("pk")
    assert [(m.variant.sku, m.on_hand_delta, m.reference) for m in counts] == [
        ("MUG-B", -2, batch.reason),
        ("MUG-R", 4, batch.reason),
    ]
    assert {m.actor_name for m in counts} == {"merchant"}


def test_a_bad_stock_count_is_refused_whole(merchant, variants):
    blue, _ = variants
    WarehouseFactory(code="main", is_default=True)
    stock_receive(variant=blue, warehouse="main", quantity=5, actor=Actor.system("test"))
    stock_allocate(variant=blue, warehouse="main", quantity=3, actor=Actor.system("test"))
    ledger = StockMovement.objects.count()
    content = (
        b"sku,warehouse,counted\r\nMUG-R,main,4\r\nMUG-B,main,2\r\nMUG-R,attic,1\r\n"
        b"MUG-R,main,x\r\nMUG-R,main,5\r\n"
    )
    batch = preview(merchant, content, kind="stock")
    assert problems(batch) == [
        (3, "counted", "2", "is below the 3 units of MUG-B allocated to orders in main"),
        (4, "warehouse", "attic", "is not the code of an active warehouse"),
        (5, "counted", "x", "is not a whole number"),
        (6, "sku", "MUG-R", "is counted in main on row 2 too"),
    ]
    assert StockMovement.objects.count() == ledger
