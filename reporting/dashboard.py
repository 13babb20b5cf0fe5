"""The dashboard's figures: a handful of queries, most over the daily sales rollup, whatever
the number of orders; kept briefly in the cache, so a busy admin does not recount them on
every page view."""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Sum
from django.utils import timezone

from backoffice.money import MoneyField, format_money
from backoffice.selectors import store_settings
from inventory.models import StockLevel
from reporting.models import DailySales
from reporting.reports.base import cents
from sales.models import Channel, Order, OrderEvent, OrderLine, OrderStatus

DAYS = 30
CACHE_SECONDS = 60
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Figure:
    title: str
    value: str
    change: str = ""  # against the previous period, e.g. "+12 %"
    link: str = ""


def _change(now: Decimal, before: Decimal) -> str:
    if not before:
        return ""
    percent = (now - before) / before * 100
    return f"{percent:+.0f} % vs previous {DAYS} days"


def _money(value: Decimal, currency: str) -> str:
    return format_money(value, currency)


# Net sales as the sales summary counts them (`sales.figures`): gross - discounts - returns,
# without tax.
NET_SALES = Sum(F("gross") - F("discounts") - F("returns"), output_field=MoneyField(max_digits=17))


def _sales(first: date, last: date) -> dict:
    rows = DailySales.objects.filter(day__gte=first, day__lte=last).aggregate(
        orders=Sum("orders"), units=Sum("units"), net=NET_SALES, refunds=Sum("refunds")
    )
    return {
        "orders": rows["orders"] or 0,
        "units": rows["units"] or 0,
        "net": cents(rows["net"]),
        "refunds": cents(rows["refunds"]),
    }


def sales_figures(today: date, currency: str) -> list[Figure]:
    first = today - timedelta(days=DAYS - 1)
    now = _sales(first, today)
    before = _sales(first - timedelta(days=DAYS), first - timedelta(days=1))
    aov_now = cents(now["net"] / now["orders"]) if now["orders"] else ZERO
    aov_before = cents(before["net"] / before["orders"]) if before["orders"] else ZERO
    return [
        Figure(
            "Net sales (without tax)",
            _money(now["net"], currency),
            _change(now["net"], before["net"]),
        ),
        Figure(
            "Orders",
            f"{now['orders']:,}",
            _change(Decimal(now["orders"]), Decimal(before["orders"])),
        ),
        Figure("Average net sale", _money(aov_now, currency), _change(aov_now, aov_before)),
        Figure(
            "Units sold",
            f"{now['units']:,}",
            _change(Decimal(now["units"]), Decimal(before["units"])),
        ),
        Figure(
            "Refunds", _money(now["refunds"], currency), _change(now["refunds"], before["refunds"])
        ),
    ]


def revenue_by_day(today: date) -> dict:
    first = today - timedelta(days=DAYS - 1)
    by_day = defaultdict(lambda: ZERO)
    for row in (
        DailySales.objects.filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(net=NET_SALES)  # type: ignore[no-redef]  # values(): "net" names the sum
        .order_by()
    ):
        by_day[row["day"]] = cents(row["net"])
    days = [first + timedelta(days=n) for n in range(DAYS)]
    return {
        "labels": [f"{day:%d %b}" for day in days],
        "datasets": [{"label": "Net sales", "data": [float(by_day[day]) for day in days]}],
    }


def revenue_by_channel(today: date) -> dict:
    first = today - timedelta(days=DAYS - 1)
    names = dict(Channel.objects.values_list("pk", "name"))
    rows = (
        DailySales.objects.filter(day__gte=first, day__lte=today)
        .values("channel_id")
        .annotate(net=NET_SALES)  # type: ignore[no-redef]  # values(): "net" names the sum
        .order_by("channel_id")
    )
    return {
        "labels": [names.get(row["channel_id"], "?") for row in rows],
        "datasets": [{"label": "Net sales", "data": [float(cents(r["net"])) for r in rows]}],
    }


def top_products(today: date) -> list[dict]:
    # The same 30 days of the shop's calendar as the cards above.
    since = timezone.make_aware(datetime.combine(today - timedelta(days=DAYS - 1), time.min))
    revenue = ExpressionWrapper(F("total") - F("tax"), output_field=MoneyField())
    rows = (
        OrderLine.objects.sold()
        .filter(order__placed_at__gte=since)
        .values("sku", "title")
        .annotate(units=Sum("quantity"), revenue=Sum(revenue))
        .order_by("-revenue")[:10]
    )
    return [{**row, "revenue": cents(row["revenue"])} for row in rows]


def operations_figures() -> list[Figure]:
    # Orders with units still to ship: one whose every unit was refunded before it shipped
    # stays placed and unfulfilled, yet waits for nothing.
    open_lines = OrderLine.objects.filter(
        order=OuterRef("pk"), quantity__gt=F("quantity_fulfilled") + F("quantity_cancelled")
    )
    to_ship = Order.objects.filter(status=OrderStatus.PLACED).filter(Exists(open_lines)).count()
    low = StockLevel.objects.low().count()
    value = StockLevel.objects.filter(variant__cost__isnull=False).aggregate(
        value=Sum(
            F("on_hand") * F("variant__cost"),
            output_field=MoneyField(max_digits=18),
        )
    )["value"]
    return [
        Figure("Orders to ship", f"{to_ship:,}", link="/admin/sales/order/?status__exact=placed"),
        Figure("Low-stock rows", f"{low:,}", link="/admin/inventory/stocklevel/?availability=low"),
        Figure("Stock value at cost", _money(cents(value), store_settings().currency)),
    ]


def recent_activity(limit: int = 8) -> list[OrderEvent]:
    return list(OrderEvent.objects.select_related("order").order_by("-id")[:limit])


def dashboard_context(user) -> dict:
    """Everything the dashboard shows this user (sales for those who read orders, stock for
    those who read stock), cached for a minute per kind of viewer."""
    sees_sales = user.has_perm("sales.view_order")
    sees_stock = user.has_perm("inventory.view_stocklevel")
    today = timezone.localdate()
    key = f"dashboard:{today}:{int(sees_sales)}{int(sees_stock)}"
    context = cache.get(key)
    if context is None:
        context = _compute(today, sees_sales, sees_stock)
        cache.set(key, context, CACHE_SECONDS)
    return context


def _compute(today: date, sees_sales: bool, sees_stock: bool) -> dict:
    context: dict[str, Any] = {
        "sales_figures": [],
        "stock_figures": [],
        "charts": None,
        "top_products": [],
        "activity": [],
    }
    if sees_sales:
        context["sales_figures"] = sales_figures(today, store_settings().currency)
        context["charts"] = {
            "by_day": json.dumps(revenue_by_day(today)),
            "by_channel": json.dumps(revenue_by_channel(today)),
        }
        context["top_products"] = top_products(today)
        context["activity"] = recent_activity()
    if sees_stock:
        context["stock_figures"] = operations_figures()
    return context
