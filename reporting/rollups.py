"""The daily sales rollup: one row per day and channel, so the dashboard reads a year of sales
from a few hundred rows instead of a million order lines.

The sales services refresh the day an order or refund touches, after their transaction
commits; the refresh locks the row and recounts that day from the orders, so two refreshes
at once end with the figures of everything committed. A nightly task rebuilds everything.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import DateField
from django.db.models.functions import Trunc
from django.utils import timezone

from reporting.models import DailySales
from reporting.reports.base import cents
from sales import figures
from sales.models import Order, OrderLine, RefundStatus

ZERO = Decimal("0.00")


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(first, time.min))
    until = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return since, until


def _figures(first: date, last: date, channel_id: int | None = None) -> dict:
    """{(day, channel id): Breakdown} for the days from `first` to `last`, summed as the
    sales summary sums them (`sales.figures`)."""
    since, until = _bounds(first, last)
    orders = figures.sold_orders().filter(placed_at__gte=since, placed_at__lt=until)
    refunds = figures.refunds_of_sales().filter(created_at__gte=since, created_at__lt=until)
    if channel_id is not None:
        orders, refunds = (
            orders.filter(channel_id=channel_id),
            refunds.filter(order__channel_id=channel_id),
        )
    table: dict[tuple, figures.Breakdown] = defaultdict(figures.Breakdown)
    currencies: dict[tuple, str] = {}
    day = Trunc("placed_at", "day", output_field=DateField())
    for row in figures.order_sums(
        orders.annotate(day=day).values("day", "channel_id", "currency").order_by()
    ):
        key = (row["day"], row["channel_id"])
        cells, currencies[key] = table[key], row["currency"]
        cells.orders += row["orders"]
        cells.order_tax += cents(row["order_tax"])
        cells.shipping += cents(row["shipping"])
    line_day = Trunc("order__placed_at", "day", output_field=DateField())
    for row in figures.line_sums(
        OrderLine.objects.filter(order__in=orders)
        .annotate(day=line_day)
        .values("day", "order__channel_id")
        .order_by()
    ):
        cells = table[(row["day"], row["order__channel_id"])]
        cells.units = row["units"]
        cells.lines_net, cells.discounts = cents(row["lines_net"]), cents(row["discounts"])
    refund_day = Trunc("created_at", "day", output_field=DateField())
    for row in figures.refund_sums(
        refunds.annotate(day=refund_day)
        .values("day", "order__channel_id", "order__currency")
        .order_by()
    ):
        key = (row["day"], row["order__channel_id"])
        cells = table[key]
        cells.refunds, cells.refund_tax = cents(row["refunds"]), cents(row["refund_tax"])
        currencies.setdefault(key, row["order__currency"])
    return {key: (cells, currencies.get(key, "")) for key, cells in table.items()}


def _row(day: date, channel_id: int, found: tuple | None) -> DailySales:
    cells, currency = found or (figures.Breakdown(), "")
    return DailySales(
        day=day,
        channel_id=channel_id,
        currency=currency,
        orders=cells.orders,
        units=cells.units,
        gross=cells.gross_sales,
        discounts=cells.discounts,
        returns=cells.returns,
        tax=cells.tax,
        shipping=cells.shipping,
        refunds=cells.refunds,
    )


@transaction.atomic
def daily_sales_refresh(*, day: date, channel_id: int) -> None:
    """Recount one day of one channel (locking its row, so concurrent refreshes queue)."""
    DailySales.objects.get_or_create(day=day, channel_id=channel_id, defaults={"currency": ""})
    row = DailySales.objects.select_for_update().get(day=day, channel_id=channel_id)
    found = _figures(day, day, channel_id).get((day, channel_id))
    fresh = _row(day, channel_id, found)
    fresh.pk, fresh.currency = row.pk, fresh.currency or row.currency
    fresh.save()


@transaction.atomic
def daily_sales_rebuild(first: date | None = None, last: date | None = None) -> int:
    """Rebuild the rollup for a range of days (everything by default: rows of days that no
    longer have sales, an order cancelled since, go too)."""
    if first is None or last is None:
        DailySales.objects.all().delete()
        oldest = (
            Order.objects.sold().order_by("placed_at").values_list("placed_at", flat=True).first()
        )
        if oldest is None:
            return 0
        first, last = timezone.localtime(oldest).date(), timezone.localdate()
    else:
        DailySales.objects.filter(day__gte=first, day__lte=last).delete()
    rows = [_row(day, channel, cells) for (day, channel), cells in _figures(first, last).items()]
    DailySales.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def refresh_after_commit(*, moment: datetime | None, channel_id: int) -> None:
    """Called by the sales services: recount the day of `moment` once their work commits.

    Robust: the sale is committed by then, so a refresh that fails (a rebuild holding the
    rows, say) is logged instead of turning it into an error page; the nightly rebuild
    repairs the day."""
    if moment is None:
        return
    day = timezone.localtime(moment).date()
    transaction.on_commit(lambda: daily_sales_refresh(day=day, channel_id=channel_id), robust=True)


def refresh_order_after_commit(*, order: Order) -> None:
    """Recount every day an order counts on: the day it was placed and the days of its
    refunds (cancelling an order takes its refunds out of the figures too)."""
    refund_moments = order.refunds.filter(status=RefundStatus.SUCCEEDED).values_list(
        "created_at", flat=True
    )
    days = {timezone.localtime(moment).date() for moment in refund_moments}
    if order.placed_at is not None:
        days.add(timezone.localtime(order.placed_at).date())
    for day in sorted(days):
        transaction.on_commit(
            partial(daily_sales_refresh, day=day, channel_id=order.channel_id),
            robust=True,
        )
