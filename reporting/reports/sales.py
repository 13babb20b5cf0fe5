"""Sales reports: the summary by period and channel, and sales by product and variant."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, DateField, F, Sum
from django.db.models.functions import Trunc

from backoffice.money import MoneyField
from reporting.reports.base import FINANCE, OPERATIONS, Column, Parameters, Report, cents
from sales.models import Order, OrderLine, Refund, RefundLine, RefundStatus

ZERO = Decimal("0.00")
PERCENT = Decimal("0.0001")  # a margin share to a hundredth of a percent
MONEY = MoneyField(max_digits=17)  # sums of many amounts


def sold_orders(parameters: Parameters):
    return parameters.scope(Order.objects.sold(), "placed_at", "channel_id")


class SalesSummary(Report):
    kind = "sales_summary"
    title = "Sales summary"
    audience = FINANCE
    description = (
        "Orders placed in the period (drafts and cancelled orders left out) by day, week or "
        "month and channel; refunds by the day they were made."
    )
    columns = [
        Column("Period", "date"),
        Column("Channel"),
        Column("Orders", "int", total=True),
        Column("Units", "int", total=True),
        Column("Gross", "money", total=True),
        Column("Discounts", "money", total=True),
        Column("Tax", "money", total=True),
        Column("Shipping", "money", total=True),
        Column("Refunds", "money", total=True),
        Column("Net", "money", total=True),
    ]

    def rows(self, parameters):
        period = Trunc("placed_at", parameters.grouping, output_field=DateField())
        table = defaultdict(lambda: [0, 0, ZERO, ZERO, ZERO, ZERO, ZERO])
        orders = sold_orders(parameters)
        for row in (
            orders.annotate(period=period)
            .values("period", "channel__name")
            .annotate(
                n=Count("pk"),
                gross=Sum("total"),
                discounts=Sum("discount"),
                tax=Sum("tax"),
                shipping=Sum("shipping"),
            )
            .order_by()
        ):
            cells = table[(row["period"], row["channel__name"])]
            cells[0] = row["n"]
            cells[2:6] = [cents(row[name]) for name in ("gross", "discounts", "tax", "shipping")]
        for row in (
            OrderLine.objects.filter(order__in=orders)
            .annotate(
                period=Trunc("order__placed_at", parameters.grouping, output_field=DateField())
            )
            .values("period", "order__channel__name")
            .annotate(units=Sum("quantity"))
            .order_by()
        ):
            table[(row["period"], row["order__channel__name"])][1] = row["units"]
        for row in self._refunds(parameters):
            table[(row["period"], row["order__channel__name"])][6] = cents(row["amount"])
        for (day, channel), (n, units, gross, discounts, tax, shipping, refunds) in sorted(
            table.items()
        ):
            yield (
                day,
                channel,
                n,
                units,
                gross,
                discounts,
                tax,
                shipping,
                refunds,
                gross - refunds,
            )

    def _refunds(self, parameters):
        refunds = parameters.scope(
            Refund.objects.filter(status=RefundStatus.SUCCEEDED, order__in=Order.objects.sold()),
            "created_at",
            "order__channel_id",
        )
        return (
            refunds.annotate(
                period=Trunc("created_at", parameters.grouping, output_field=DateField())
            )
            .values("period", "order__channel__name")
            .annotate(amount=Sum("amount"))
            .order_by()
        )


class SalesByProduct(Report):
    kind = "sales_by_product"
    title = "Sales by product"
    audience = OPERATIONS
    description = (
        "Variants sold on orders placed in the period: units kept (not cancelled or returned), "
        "revenue without tax net of line refunds, cost at today's unit cost, and margin."
    )
    columns = [
        Column("SKU"),
        Column("Product"),
        Column("Options"),
        Column("Units", "int", total=True),
        Column("Revenue", "money", total=True),
        Column("Cost", "money", total=True),
        Column("Margin", "money", total=True),
        Column("Margin %", "percent"),
    ]

    def rows(self, parameters):
        lines = OrderLine.objects.filter(order__in=sold_orders(parameters))
        # Keyed like the rows: a variant whose options changed between orders is two rows.
        refunded = {
            (row["line__variant_id"], row["line__options"]): cents(row["net"])
            for row in RefundLine.objects.filter(
                line__in=lines, refund__status=RefundStatus.SUCCEEDED
            )
            .values("line__variant_id", "line__options")
            .annotate(net=Sum(F("amount") - F("tax"), output_field=MONEY))
            .order_by()
        }
        grouped = (
            lines.values(
                "variant_id", "variant__sku", "variant__product__title", "options", "variant__cost"
            )
            .annotate(
                units=Sum(F("quantity") - F("quantity_cancelled") - F("quantity_returned")),
                revenue=Sum(F("total") - F("tax"), output_field=MONEY),
            )
            .order_by("variant__product__title", "variant__sku", "variant_id", "options")
        )
        for row in grouped.iterator(chunk_size=2000):
            refund = refunded.get((row["variant_id"], row["options"]), ZERO)
            revenue = cents(row["revenue"]) - refund
            cost = row["variant__cost"] * row["units"] if row["variant__cost"] is not None else None
            margin = revenue - cost if cost is not None else None
            share = (margin / revenue).quantize(PERCENT) if margin is not None and revenue else None
            yield (
                row["variant__sku"] or "",
                row["variant__product__title"],
                row["options"],
                row["units"],
                revenue,
                cost,
                margin,
                share,
            )
