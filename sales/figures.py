"""The retail breakdown of sales, defined once for the sales summary, the daily rollups and the
dashboard:

    gross sales - discounts - returns = net sales        (all without tax)
    net sales + shipping + tax = total                  (what was charged, less refunds)

Orders count on the day they were placed, refunds on the day they were made; only orders that
count as sold (`Order.objects.sold()`) and the refunds of such orders count. Without tax means:
a line's net is its total less its tax; a discount on a tax-inclusive order counts without the
tax it contained; shipping counts without its tax; returns are refunds less the tax their
credit note gave back; tax is the orders' tax less the refunds'.

Each function sums one source grouped by what the caller chose (`values(...)` first), so a
report, a rollup and a card group the same sums their own way.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, ExpressionWrapper, F, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from backoffice.money import MoneyField
from sales.models import Order, OrderLine, Refund, RefundStatus

SUM = MoneyField(max_digits=17)  # sums of many amounts


def _money_sum(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=SUM), Value(0), output_field=SUM)


def sold_orders() -> QuerySet[Order]:
    return Order.objects.sold()


def sold_lines() -> QuerySet[OrderLine]:
    return OrderLine.objects.sold()


def refunds_of_sales() -> QuerySet[Refund]:
    return Refund.objects.filter(status=RefundStatus.SUCCEEDED, order__in=Order.objects.sold())


def order_sums(grouped: QuerySet[Order, Any]) -> QuerySet:
    """orders, tax (with the shipping's) and shipping without tax."""
    shipping_net = Case(
        When(prices_include_tax=True, then=F("shipping") - F("shipping_tax")),
        default=F("shipping"),
        output_field=SUM,
    )
    # `grouped` is a values() query, so "shipping" names the sum, not the order's field.
    return grouped.annotate(
        orders=Count("pk"), order_tax=_money_sum("tax"), shipping=_money_sum(shipping_net)
    )


def line_sums(grouped: QuerySet[OrderLine, Any]) -> QuerySet:
    """units, net of the lines (after discounts, without tax) and discounts without tax."""
    without_tax = ExpressionWrapper(F("discount") * 100 / (100 + F("tax_rate")), output_field=SUM)
    discount_net = Case(
        When(order__prices_include_tax=True, then=without_tax),
        default=F("discount"),
        output_field=SUM,
    )
    return grouped.annotate(
        units=Sum("quantity"),
        lines_net=_money_sum(F("total") - F("tax")),
        discounts=_money_sum(discount_net),
    )


def refund_sums(grouped: QuerySet[Refund, Any]) -> QuerySet:
    """refunds (money given back) and the tax their credit notes gave back."""
    return grouped.annotate(refunds=_money_sum("amount"), refund_tax=_money_sum("credit_note__tax"))


@dataclass
class Breakdown:
    """One period's (and channel's) sums, and the columns that derive from them."""

    orders: int = 0
    units: int = 0
    lines_net: Decimal = Decimal(0)
    discounts: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    order_tax: Decimal = Decimal(0)
    refunds: Decimal = Decimal(0)
    refund_tax: Decimal = Decimal(0)

    @property
    def gross_sales(self) -> Decimal:
        return self.lines_net + self.discounts

    @property
    def returns(self) -> Decimal:
        return self.refunds - self.refund_tax

    @property
    def net_sales(self) -> Decimal:
        return self.gross_sales - self.discounts - self.returns

    @property
    def tax(self) -> Decimal:
        return self.order_tax - self.refund_tax

    @property
    def total(self) -> Decimal:
        return self.net_sales + self.shipping + self.tax
