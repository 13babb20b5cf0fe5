"""Stock reports: valuation at a date (replayed from the ledger), the ledger for a period,
and low stock with reorder suggestions."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum

from inventory.models import MovementReason, StockLevel, StockMovement
from reporting.reports.base import FINANCE, OPERATIONS, Column, Report

ZERO = Decimal("0.00")
SALES_WINDOW_DAYS = 30


class InventoryValuation(Report):
    kind = "inventory_valuation"
    title = "Inventory valuation"
    audience = FINANCE
    description = (
        "Units on hand at the end of the period's last day, replayed from the stock ledger, "
        "valued at each variant's unit cost."
    )
    columns = [
        Column("SKU"),
        Column("Product"),
        Column("Options"),
        Column("Warehouse"),
        Column("Quantity", "int", total=True),
        Column("Unit cost", "money"),
        Column("Value", "money", total=True),
    ]

    def rows(self, parameters):
        balances = (
            StockMovement.objects.filter(created_at__lt=parameters.until)
            .values(
                "variant_id",
                "variant__sku",
                "variant__product__title",
                "variant__option1",
                "variant__option2",
                "variant__option3",
                "warehouse__code",
                "variant__cost",
            )
            .annotate(quantity=Sum("on_hand_delta"))
            .exclude(quantity=0)
            .order_by("variant__product__title", "variant__sku", "variant_id", "warehouse__code")
        )
        for row in balances.iterator(chunk_size=2000):
            cost = row["variant__cost"]
            options = " / ".join(
                v
                for v in (row["variant__option1"], row["variant__option2"], row["variant__option3"])
                if v
            )
            value = cost * row["quantity"] if cost is not None else None
            yield (
                row["variant__sku"] or "",
                row["variant__product__title"],
                options,
                row["warehouse__code"],
                row["quantity"],
                cost,
                value,
            )

    def describe(self, parameters):
        return f"{self.title} at the end of {parameters.end}"


class StockMovements(Report):
    kind = "stock_movements"
    title = "Stock movements"
    audience = OPERATIONS
    description = "Every stock ledger row written in the period, oldest first."
    columns = [
        Column("Date", "datetime"),
        Column("SKU"),
        Column("Product"),
        Column("Warehouse"),
        Column("Reason"),
        Column("On hand change", "int", total=True),
        Column("Allocated change", "int", total=True),
        Column("On hand after", "int"),
        Column("Allocated after", "int"),
        Column("Reference"),
        Column("By"),
    ]

    def rows(self, parameters):
        reasons = dict(MovementReason.choices)
        movements = (
            StockMovement.objects.filter(
                created_at__gte=parameters.since, created_at__lt=parameters.until
            )
            .order_by("id")
            .values_list(
                "created_at",
                "variant__sku",
                "variant__product__title",
                "warehouse__code",
                "reason",
                "on_hand_delta",
                "allocated_delta",
                "on_hand_after",
                "allocated_after",
                "reference",
                "actor_name",
            )
        )
        for row in movements.iterator(chunk_size=5000):
            yield (row[0], row[1] or "", row[2], row[3], reasons.get(row[4], row[4]), *row[5:])


class LowStock(Report):
    kind = "low_stock"
    title = "Low stock"
    audience = OPERATIONS
    description = (
        "Stock rows at or below their reorder point, with the units shipped in the last 30 days "
        "before the period's end, the days of stock that leaves, and a suggested order."
    )
    columns = [
        Column("SKU"),
        Column("Product"),
        Column("Warehouse"),
        Column("On hand", "int"),
        Column("Allocated", "int"),
        Column("Available", "int"),
        Column("Reorder point", "int"),
        Column("Shipped in 30 days", "int"),
        Column("Days of cover", "decimal"),
        Column("Suggested order", "int", total=True),
    ]

    def rows(self, parameters):
        window_start = parameters.until - timedelta(days=SALES_WINDOW_DAYS)
        shipped = {
            (row["variant_id"], row["warehouse_id"]): -row["units"]
            for row in StockMovement.objects.filter(
                reason=MovementReason.SHIPMENT,
                created_at__gte=window_start,
                created_at__lt=parameters.until,
            )
            .values("variant_id", "warehouse_id")
            .annotate(units=Sum("on_hand_delta"))
            .order_by()
        }
        low = (
            StockLevel.objects.low()
            .with_available()
            .select_related("variant__product", "warehouse")
            .order_by("variant__product__title", "variant__sku", "warehouse__code")
        )
        for level in low.iterator(chunk_size=2000):
            sold = shipped.get((level.variant_id, level.warehouse_id), 0)
            daily = Decimal(sold) / SALES_WINDOW_DAYS
            cover = (
                (Decimal(max(level.available_n, 0)) / daily).quantize(Decimal("0.1"))
                if daily
                else None
            )
            suggested = max(level.reorder_quantity, level.reorder_point - level.available_n)
            yield (
                level.variant.sku or "",
                level.variant.product.title,
                level.warehouse.code,
                level.on_hand,
                level.allocated,
                level.available_n,
                level.reorder_point,
                sold,
                cover,
                suggested,
            )
