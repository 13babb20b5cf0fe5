"""Reads of catalog and stock shared by the admin, the API, the dashboard and reports."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Sum

from inventory.models import StockLevel, StockMovement


@dataclass(frozen=True)
class StockDrift:
    sku: str
    warehouse: str
    level_on_hand: int
    ledger_on_hand: int
    level_allocated: int
    ledger_allocated: int


def stock_drift_list() -> Iterator[StockDrift]:
    """Every stock row whose quantities differ from the sum of its ledger movements.

    Two grouped queries, whatever the catalog size: the ledger summed per (variant,
    warehouse), and the stock rows, compared in memory one pair at a time.
    """
    ledger = {
        (row["variant_id"], row["warehouse_id"]): (row["on_hand"], row["allocated"])
        for row in StockMovement.objects.order_by()
        .values("variant_id", "warehouse_id")
        .annotate(on_hand=Sum("on_hand_delta"), allocated=Sum("allocated_delta"))
    }
    levels = StockLevel.objects.values_list(
        "variant_id",
        "warehouse_id",
        "on_hand",
        "allocated",
        "variant__sku",
        "warehouse__code",
        "variant__product__title",
    ).order_by("pk")
    for variant_id, warehouse_id, on_hand, allocated, sku, code, title in levels.iterator(2000):
        expected = ledger.pop((variant_id, warehouse_id), (0, 0))
        if expected != (on_hand, allocated):
            yield StockDrift(
                sku or f"{title} (no SKU)", code, on_hand, expected[0], allocated, expected[1]
            )
    # Ledger movements for a row that no longer exists at all.
    for (variant_id, warehouse_id), (on_hand, allocated) in ledger.items():
        if on_hand or allocated:
            yield StockDrift(
                f"variant {variant_id}", f"warehouse {warehouse_id}", 0, on_hand, 0, allocated
            )
