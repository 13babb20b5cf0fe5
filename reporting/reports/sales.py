"""Sales reports: the summary by period and channel, and sales by product and variant."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import DateField, F, Sum
from django.db.models.functions import Trunc

from backoffice.money import MoneyField
from reporting.reports.base import FINANCE, OPERATIONS, Column, Parameters, Report, cents
from sales import figures
from sales.models import OrderLine, RefundLine, RefundStatus

ZERO = Decimal("0.00")
PERCENT = Decimal("0.0001")  # a margin share to a hundredth of a percent
MONEY = MoneyField(max_digits=17)  # sums of many amounts


def sold_orders(parameters: Parameters):
    return parameters.scope(figures.sold_orders(), "placed_at", "channel_id")


class SalesSummary(Report):
    kind = "sales_summary"
    title = "Sales summary"
    audience = FINANCE
    description = (
        "The retail breakdown by day, week or month and channel: gross sales (before "
        "discounts), discounts, returns (refunds) and net sales, all without tax; then "
        "shipping without tax, tax, and the total charged less refunds. Orders count on the "
        "day they were placed (drafts and cancelled orders left out), refunds on the day they "
        "were made. Gross sales - discounts - returns = net sales; net sales + shipping + tax "
        "= total."
    )
    columns = [
        Column("Period", "date"),
        Column("Channel"),
        Column("Orders", "int", total=True),
        Column("Units", "int", total=True),
        Column("Gross sales", "money", total=True),
        Column("Discounts", "money", total=True),
        Column("Returns", "money", total=True),
        Column("Net sales", "money", total=True),
        Column("Shipping", "money", total=True),
        Column("Tax", "money", total=True),
        Column("Total", "money", total=True),
    ]

    def rows(self, parameters):
        table: dict[tuple, figures.Breakdown] = defaultdict(figures.Breakdown)
        orders = sold_orders(parameters)
        placed = Trunc("placed_at", parameters.grouping, output_field=DateField())
        for row in figures.order_sums(
            orders.annotate(period=placed).values("period", "channel__name").order_by()
        ):
            cells = table[(row["period"], row["channel__name"])]
            cells.orders = row["orders"]
            cells.order_tax, cells.shipping = cents(row["order_tax"]), cents(row["shipping"])
        line_placed = Trunc("order__placed_at", parameters.grouping, output_field=DateField())
        for row in figures.line_sums(
            OrderLine.objects.filter(order__in=orders)
            .annotate(period=line_placed)
            .values("period", "order__channel__name")
            .order_by()
        ):
            cells = table[(row["period"], row["order__channel__name"])]
            cells.units = row["units"]
            cells.lines_net, cells.discounts = cents(row["lines_net"]), cents(row["discounts"])
        for row in figures.refund_sums(self._refunds(parameters)):
            cells = table[(row["period"], row["order__channel__name"])]
            cells.refunds, cells.refund_tax = cents(row["refunds"]), cents(row["refund_tax"])
        for (day, channel), cells in sorted(table.items()):
            money: tuple[Decimal, ...] = (
                cells.gross_sales, cells.discounts, cells.returns, cells.net_sales,
            )  # fmt: skip
            money += (cells.shipping, cells.tax, cells.total)
            yield (day, channel, cells.orders, cells.units, *(cents(value) for value in money))

    def _refunds(self, parameters):
        made = Trunc("created_at", parameters.grouping, output_field=DateField())
        refunds = parameters.scope(figures.refunds_of_sales(), "created_at", "order__channel_id")
        return refunds.annotate(period=made).values("period", "order__channel__name").order_by()


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
