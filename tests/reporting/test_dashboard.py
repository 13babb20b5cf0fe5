"""The dashboard: its figures equal the orders' own sums, the nightly rebuild of the rollup
gives the figures the after-commit refreshes gave, and the page costs the same number of
queries whatever the number of orders."""

import json
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import StockLevel
from inventory.services import stock_receive
from reporting.dashboard import dashboard_context
from reporting.models import DailySales
from reporting.reports import CATALOGUE, Parameters
from reporting.rollups import daily_sales_rebuild
from sales.models import CreditNote, Order, OrderLine, OrderStatus, Refund, RefundStatus
from sales.services import LineRequest, order_create, order_place
from tests.factories import WarehouseFactory
from tests.reporting.conftest import SYSTEM, at, local, make_trading

ZERO = Decimal("0.00")
NOT_SALES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the dashboard keeps its figures for a minute
    yield
    cache.clear()


def local_day(moment):
    return timezone.localtime(moment).date()


def window_sales(first, last) -> dict:
    """Sales of the days from `first` to `last`, from the orders and refunds themselves: net
    sales are the lines without tax, less the refunds without the tax they gave back."""
    orders = [
        order
        for order in Order.objects.prefetch_related("lines")
        if order.status not in NOT_SALES
        and order.placed_at
        and first <= local_day(order.placed_at) <= last
    ]
    refunds = [
        refund
        for refund in Refund.objects.select_related("order")
        if refund.status == RefundStatus.SUCCEEDED
        and refund.order.status not in NOT_SALES
        and first <= local_day(refund.created_at) <= last
    ]
    refunded = sum((refund.amount for refund in refunds), ZERO)
    returns = refunded - sum(
        (note.tax for note in CreditNote.objects.filter(refund__in=refunds)), ZERO
    )
    net = sum((order_net(order) for order in orders), ZERO) - returns
    return {
        "orders": len(orders),
        "units": sum(line.quantity for order in orders for line in order.lines.all()),
        "gross": sum((order.total for order in orders), ZERO),
        "refunds": refunded,
        "net": net,
        "average": (net / len(orders)).quantize(Decimal("0.01"), ROUND_HALF_UP) if orders else ZERO,
    }


def order_net(order) -> Decimal:
    return sum((line.total - line.tax for line in order.lines.all()), ZERO)


def change(now, before) -> str:
    return f"{(Decimal(now) - Decimal(before)) / Decimal(before) * 100:+.0f} % vs previous 30 days"


def figures(user) -> dict:
    context = dashboard_context(user)
    return {
        figure.title: (figure.value, figure.change)
        for figure in context["sales_figures"] + context["stock_figures"]
    }


def test_the_figures_equal_the_orders_own_sums(trading, owner):
    today = trading.today
    now = window_sales(today - timedelta(days=29), today)
    before = window_sales(today - timedelta(days=59), today - timedelta(days=30))
    assert (now["orders"], now["gross"], now["refunds"]) == (5, Decimal("220.97"), Decimal("49.57"))
    # The refund of the order cancelled afterwards is no longer a refund of a sale.
    assert (before["orders"], before["gross"], before["refunds"]) == (
        3,
        Decimal("188.78"),
        Decimal("19.90"),
    )
    got = figures(owner)
    assert got["Net sales (without tax)"] == (
        f"€{now['net']:,.2f}",
        change(now["net"], before["net"]),
    )
    assert got["Orders"] == (f"{now['orders']:,}", change(now["orders"], before["orders"]))
    assert got["Average net sale"] == (
        f"€{now['average']:,.2f}",
        change(now["average"], before["average"]),
    )
    assert got["Units sold"] == (f"{now['units']:,}", change(now["units"], before["units"]))
    assert got["Refunds"] == (
        f"€{now['refunds']:,.2f}",
        change(now["refunds"], before["refunds"]),
    )


def test_the_stock_and_shipping_cards_equal_the_rows_they_count(trading, owner):
    to_ship = [
        order.number
        for order in Order.objects.filter(status=OrderStatus.PLACED).prefetch_related("lines")
        if any(line.quantity_open for line in order.lines.all())
    ]
    # Placed and unpaid, paid and not shipped, partly shipped; not the one whose every unit
    # was refunded before it shipped.
    assert sorted(to_ship) == sorted(
        trading.orders[key].number for key in ("waiting", "goodwill", "partial")
    )
    levels = list(StockLevel.objects.select_related("variant"))
    low = [
        level for level in levels if level.reorder_point and level.available <= level.reorder_point
    ]
    value = sum(
        (level.on_hand * level.variant.cost for level in levels if level.variant.cost is not None),
        ZERO,
    )
    got = figures(owner)
    assert got["Orders to ship"] == (str(len(to_ship)), "")
    assert got["Low-stock rows"] == (str(len(low)), "") == ("2", "")
    assert got["Stock value at cost"] == (f"€{value:,.2f}", "")


def test_the_charts_and_top_products_equal_the_orders(trading, owner):
    today = trading.today
    first = today - timedelta(days=29)
    context = dashboard_context(owner)
    by_day = json.loads(context["charts"]["by_day"])
    assert len(by_day["labels"]) == 30
    expected = [
        float(window_sales(first + timedelta(days=n), first + timedelta(days=n))["net"])
        for n in range(30)
    ]
    assert by_day["datasets"][0]["data"] == expected
    by_channel = json.loads(context["charts"]["by_channel"])
    web = window_sales(first, today)  # the stall's only sale of the window is yesterday's
    stall_net = order_net(trading.orders["yesterday"])
    assert dict(zip(by_channel["labels"], by_channel["datasets"][0]["data"], strict=True)) == {
        "Web shop": float(web["net"] - stall_net),
        "Market stall": float(stall_net),
    }
    since = timezone.make_aware(datetime.combine(first, time.min))
    lines = OrderLine.objects.filter(order__placed_at__gte=since).exclude(
        order__status__in=NOT_SALES
    )
    top = {}
    for line in lines:
        units, revenue = top.get((line.sku, line.title), (0, ZERO))
        top[(line.sku, line.title)] = (units + line.quantity, revenue + line.total - line.tax)
    expected_top = sorted(
        (
            {"sku": sku, "title": title, "units": units, "revenue": revenue}
            for (sku, title), (units, revenue) in top.items()
        ),
        key=lambda row: -row["revenue"],
    )
    assert context["top_products"] == expected_top


def rollup() -> dict:
    """The rollup's figures by day and channel, leaving out days left with nothing."""
    fields = ("orders", "units", "gross", "discounts", "returns", "tax", "shipping", "refunds")
    table = {}
    for row in DailySales.objects.all():
        cells = tuple(getattr(row, name) for name in fields)
        if any(cells):
            table[(row.day, row.channel_id)] = cells
    return table


def test_the_rebuild_gives_the_figures_of_the_refreshes_after_commit(trading, owner):
    refreshed, shown = rollup(), figures(owner)
    assert len(refreshed) == 12
    assert daily_sales_rebuild() == 12
    assert rollup() == refreshed
    cache.clear()
    assert figures(owner) == shown


def test_a_rebuild_of_some_days_leaves_the_others(trading):
    refreshed = rollup()
    DailySales.objects.filter(day=trading.day(-1)).update(orders=99)
    daily_sales_rebuild(trading.day(-1), trading.day(-1))
    assert rollup() == refreshed


def dashboard_queries(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(queries)


def more_orders(trading, count: int) -> None:
    catalog = trading.catalog
    for n in range(count):
        with at(local(trading.day(-(n % 25) - 1), 12)):
            order = order_create(
                channel=catalog.web if n % 2 else catalog.stall,
                customer=catalog.customers[n % 3],
                lines=[
                    LineRequest(variant=catalog.tee, quantity=1),
                    LineRequest(variant=catalog.wrap, quantity=1),
                ],
                actor=SYSTEM,
            )
            order_place(order=order, actor=SYSTEM)


def test_the_dashboard_page_costs_the_same_queries_whatever_the_orders(client, owner, settings):
    client.force_login(owner)
    client.get("/admin/")  # the session and the like, once
    empty = dashboard_queries(client)
    trading = make_trading(settings)
    assert dashboard_queries(client) == empty
    more_orders(trading, 12)
    assert dashboard_queries(client) == empty
    page = client.get("/admin/").content.decode()
    assert 'id="figures"' in page and 'id="top-products"' in page and 'id="activity"' in page
    assert "Linen tee" in page


def test_the_figures_come_from_the_cache_for_a_minute(client, owner, trading):
    client.force_login(owner)
    computed = dashboard_queries(client)
    with CaptureQueriesContext(connection) as cached:
        client.get("/admin/")
    assert len(cached) < computed


def test_the_low_stock_card_counts_the_rows_of_the_low_stock_report(trading, owner):
    """One definition of low stock: a row in a closed warehouse is restocked by nobody, so
    neither the card nor the report counts it, nor the stock list's "low" filter."""
    closed = WarehouseFactory(code="closed", name="Closed")
    stock_receive(variant=trading.catalog.mug, warehouse=closed, quantity=1, actor=SYSTEM)
    StockLevel.objects.filter(warehouse=closed).update(reorder_point=5)
    type(closed).objects.filter(pk=closed.pk).update(active=False)  # closed since
    cache.clear()
    today = trading.today

    report = list(CATALOGUE["low_stock"].rows(Parameters(start=today, end=today)))
    listed = StockLevel.objects.low()

    assert figures(owner)["Low-stock rows"] == (str(len(report)), "") == ("2", "")
    assert {(row[0], row[2]) for row in report} == {
        (level.variant.sku, level.warehouse.code) for level in listed
    }
    assert "closed" not in {row[2] for row in report}
