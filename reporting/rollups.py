"""The daily sales rollup: one row per day and channel, so the dashboard reads a year of sales
from a few hundred rows instead of a million order lines.

The sales services refresh the day an order or refund touches, after their transaction
commits; the refresh locks the row and recounts that day from the orders, so two refreshes
at once end with the figures of everything committed. A nightly task rebuilds everything.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, DateField, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from reporting.models import DailySales
from reporting.reports.base import cents
from sales.models import Order, OrderLine, Refund, RefundStatus

ZERO = Decimal("0.00")
MONEY_FIELDS = {"gross", "discounts", "tax", "shipping"}


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    since = timezone.make_aware(datetime.combine(first, time.min))
    until = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return since, until


def _figures(first: date, last: date, channel_id: int | None = None) -> dict:
    """{(day, channel id): {field: value}} for the days from `first` to `last`."""
    since, until = _bounds(first, last)
    orders = Order.objects.sold().filter(placed_at__gte=since, placed_at__lt=until)
    refunds = Refund.objects.filter(
        status=RefundStatus.SUCCEEDED, created_at__gte=since, created_at__lt=until
    ).filter(order__in=Order.objects.sold())
    if channel_id is not None:
        orders, refunds = (
            orders.filter(channel_id=channel_id),
            refunds.filter(order__channel_id=channel_id),
        )
    day = Trunc("placed_at", "day", output_field=DateField())
    table = defaultdict(dict)
    for row in (
        orders.annotate(day=day)
        .values("day", "channel_id", "currency")
        .annotate(
            orders=Count("pk"),
            gross=Sum("total"),
            discounts=Sum("discount"),
            tax=Sum("tax"),
            shipping=Sum("shipping"),
        )
        .order_by()
    ):
        key = (row.pop("day"), row.pop("channel_id"))
        table[key].update({k: cents(v) if k in MONEY_FIELDS else v for k, v in row.items()})
    for row in (
        OrderLine.objects.filter(order__in=orders)
        .annotate(day=Trunc("order__placed_at", "day", output_field=DateField()))
        .values("day", "order__channel_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    ):
        table[(row["day"], row["order__channel_id"])]["units"] = row["units"]
    for row in (
        refunds.annotate(day=Trunc("created_at", "day", output_field=DateField()))
        .values("day", "order__channel_id", "order__currency")
        .annotate(refunds=Sum("amount"))
        .order_by()
    ):
        cells = table[(row["day"], row["order__channel_id"])]
        cells["refunds"] = cents(row["refunds"])
        cells.setdefault("currency", row["order__currency"])
    return table


def _row(day: date, channel_id: int, cells: dict) -> DailySales:
    return DailySales(
        day=day,
        channel_id=channel_id,
        currency=cells.get("currency", ""),
        orders=cells.get("orders", 0),
        units=cells.get("units", 0),
        gross=cells.get("gross", ZERO),
        discounts=cells.get("discounts", ZERO),
        tax=cells.get("tax", ZERO),
        shipping=cells.get("shipping", ZERO),
        refunds=cells.get("refunds", ZERO),
    )


@transaction.atomic
def daily_sales_refresh(*, day: date, channel_id: int) -> None:
    """Recount one day of one channel (locking its row, so concurrent refreshes queue)."""
    DailySales.objects.get_or_create(day=day, channel_id=channel_id, defaults={"currency": ""})
    row = DailySales.objects.select_for_update().get(day=day, channel_id=channel_id)
    cells = _figures(day, day, channel_id).get((day, channel_id), {})
    fresh = _row(day, channel_id, cells)
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
            lambda day=day: daily_sales_refresh(day=day, channel_id=order.channel_id),
            robust=True,
        )
