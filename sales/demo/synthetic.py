"""Synthetic orders for benchmarks (`seed_demo --orders N`): large volumes written with
`bulk_create`, one day of orders per transaction, spread over the last twelve months."""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, reset_queries, transaction

from backoffice.exceptions import DomainError
from backoffice.selectors import store_settings
from inventory.models import InventoryPolicy, ProductStatus, ProductVariant
from sales.demo.clock import clock_at, demo_start
from sales.demo.customers import Client, demo_people, seed_channels, seed_customers
from sales.demo.data import (
    CHANNELS,
    DAYS,
    SEED,
    SHIPPING_TAX_RATE,
    SYNTHETIC_ORDER,
    ChannelData,
)
from sales.demo.stories import day_weight, time_of_day
from sales.models import (
    Channel,
    FulfilmentState,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
)
from sales.services.orders import _price_lines
from sales.services.pricing import ZERO, money

BULK = 1000  # rows per INSERT
RECENT = timedelta(days=10)  # younger orders may still be open
LINES_PER_ORDER = (2, 6)
METHODS = ("Card", "Card", "Card", "PayPal", "Bank transfer")


@dataclass(frozen=True)
class Sellable:
    """What a line copies from its variant, read once for all the orders."""

    variant_id: int
    sku: str
    title: str
    options: str
    price: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class SyntheticContext:
    channels: list[tuple[Channel, ChannelData]]
    channel_weights: list[float]
    clients: list[Client]
    sellables: list[Sellable]
    end: datetime


def seed_synthetic_orders(count: int, stdout) -> int:
    """Add `count` orders of two to six lines, placed over the last twelve months.

    Consistent for reports: each line is priced with the services' own pricing functions
    (rounded half-up once per line), each order's subtotal, discount, tax and total are the
    sums of its lines and shipping, every paid order has one succeeded manual payment of its
    total, a completed order has every unit shipped, and statuses agree with payments and
    shipping (older orders are completed or cancelled; the last ten days also hold orders
    still unpaid or unshipped).

    Deliberately skipped, to stay fast: history rows and timeline events; stock (no
    allocations, shipments or ledger rows, so stock levels are untouched and
    check_stock_integrity still passes); fulfilment rows (the lines carry their shipped
    quantities); refunds, invoices and credit notes (invoice numbers follow the order in
    which invoices are issued, which bulk orders spread over a year cannot keep). The orders
    are numbered SYN-<year>-<n>, apart from the services' series; each run adds new numbers
    after the last ones.
    """
    context = synthetic_context()
    start = demo_start()
    number = next_synthetic_number()
    rng = random.Random(SEED + number)  # noqa: S311 - benchmark data, not secrets
    days = [day_weight((start + timedelta(days=i)).date(), i) for i in range(DAYS)]
    per_day = Counter(rng.choices(range(DAYS), days, k=count))
    made = lines = 0
    for index in sorted(per_day):
        with transaction.atomic():
            lines += write_day(rng, start + timedelta(days=index), per_day[index], number, context)
        reset_queries()  # with DEBUG on, the logged INSERTs would pile up in memory
        number += per_day[index]
        made += per_day[index]
        if made == count or index % 30 == 29:
            stdout.write(f"  synthetic orders: {made:,} of {count:,} orders, {lines:,} lines")
    refresh_planner_statistics()
    return made


def synthetic_context() -> SyntheticContext:
    sellables = sellable_variants()
    if not sellables:
        raise DomainError("Synthetic orders need a catalog: seed it first, or add --variants.")
    channels = seed_channels()
    pairs = [(channels[data.code], data) for data in CHANNELS]
    return SyntheticContext(
        channels=pairs,
        channel_weights=[data.share for _, data in pairs],
        clients=seed_customers(demo_people()),
        sellables=sellables,
        end=demo_start() + timedelta(days=DAYS),
    )


def sellable_variants() -> list[Sellable]:
    """Active, stocked variants of active products (the demo's and the synthetic catalog's)."""
    rows = (
        ProductVariant.objects.filter(
            active=True,
            product__status=ProductStatus.ACTIVE,
            inventory_policy=InventoryPolicy.DENY,
            price__gt=0,
        )
        .order_by("pk")
        .values_list(
            "pk",
            "sku",
            "product__title",
            "option1",
            "option2",
            "option3",
            "price",
            "product__tax_class__rate",
        )
    )
    return [
        Sellable(
            pk, sku or "", title, " / ".join(v for v in (o1, o2, o3) if v), price, rate or ZERO
        )
        for pk, sku, title, o1, o2, o3, price, rate in rows
    ]


def next_synthetic_number() -> int:
    """One past the number of the last synthetic order written."""
    last = (
        Order.objects.filter(number__startswith=SYNTHETIC_ORDER)
        .order_by("-pk")
        .values_list("number", flat=True)
        .first()
    )
    return int(last.rsplit("-", 1)[1]) + 1 if last else 1


# --- one day of orders ------------------------------------------------------------------------


def write_day(
    rng: random.Random, midnight: datetime, count: int, first_number: int, context: SyntheticContext
) -> int:
    """The day's orders, their lines and payments; returns the number of lines."""
    moments = sorted(time_of_day(rng, midnight) for _ in range(count))
    orders, lines_of = [], []
    for offset, placed in enumerate(moments):
        order, lines = synthetic_order(rng, placed, first_number + offset, context)
        orders.append(order)
        lines_of.append(lines)
    # created_at is an auto_now_add column: the day's orders are written as of its first one.
    with clock_at(moments[0] - timedelta(minutes=5)):
        Order.objects.bulk_create(orders, batch_size=BULK)
        for order, lines in zip(orders, lines_of, strict=True):
            for line in lines:
                line.order = order
        all_lines = [line for lines in lines_of for line in lines]
        OrderLine.objects.bulk_create(all_lines, batch_size=BULK)
        payments = [synthetic_payment(order) for order in orders if order.amount_paid]
        Payment.objects.bulk_create(payments, batch_size=BULK)
    return len(all_lines)


def synthetic_order(
    rng: random.Random, placed: datetime, number: int, context: SyntheticContext
) -> tuple[Order, list[OrderLine]]:
    channel, data = rng.choices(context.channels, context.channel_weights)[0]
    client, store = rng.choice(context.clients), store_settings()
    address = rng.choice(client.addresses)
    order = Order(
        number=f"{SYNTHETIC_ORDER}{placed.year}-{number:07d}",
        channel=channel,
        customer=client.customer,
        customer_email=client.customer.email,
        customer_first_name=client.customer.first_name,
        customer_last_name=client.customer.last_name,
        shipping_address=address,
        billing_address=address,
        currency=store.currency,
        prices_include_tax=store.prices_include_tax,
        shipping_tax_rate=SHIPPING_TAX_RATE,
        placed_at=placed,
    )
    lines = synthetic_lines(rng, order, context.sellables)
    price_order(order, lines, data, address.country)
    settle(rng, order, lines, context.end)
    return order, lines


def synthetic_lines(rng: random.Random, order: Order, sellables: list[Sellable]) -> list[OrderLine]:
    wanted = min(rng.randint(*LINES_PER_ORDER), len(sellables))
    discounted = rng.random() < 0.05
    lines = []
    for position, index in enumerate(rng.sample(range(len(sellables)), wanted)):
        item = sellables[index]
        quantity = 1 if rng.random() < 0.8 else rng.randint(2, 3)
        lines.append(
            OrderLine(
                variant_id=item.variant_id,
                sku=item.sku,
                title=item.title,
                options=item.options,
                unit_price=item.price,
                tax_rate=item.tax_rate,
                quantity=quantity,
                discount=money(item.price * quantity / 10, order.currency) if discounted else ZERO,
                position=position,
            )
        )
    return lines


def price_order(order: Order, lines: list[OrderLine], data: ChannelData, country: str) -> None:
    """The channel's shipping rate, then lines and totals priced by the services' own
    function (pure arithmetic, no query), so bulk orders add up exactly as real ones do."""
    subtotal = sum((line.unit_price * line.quantity for line in lines), ZERO)
    free = data.free_from is not None and subtotal >= data.free_from
    order.shipping = ZERO if free else data.shipping if country == "FR" else data.shipping_abroad
    _price_lines(order, lines)


def settle(rng: random.Random, order: Order, lines: list[OrderLine], end: datetime) -> None:
    """Status, payment and shipping: completed or cancelled when old; the last days also
    hold orders still unpaid or unshipped. Nothing happens after `end`."""
    placed = order.placed_at
    if placed is None:
        raise ValueError(f"order {order.number} is settled before it is placed")
    recent = end - placed < RECENT
    draw = rng.random()
    if draw < 0.06:
        order.status = OrderStatus.CANCELLED
        order.cancelled_at = min(placed + timedelta(days=5), placed + (end - placed) / 2)
        return
    order.status = OrderStatus.PLACED
    if recent and draw < 0.25:
        return  # awaiting payment
    order.payment_status, order.amount_paid = PaymentState.PAID, order.total
    paid = min(placed + timedelta(minutes=rng.randint(1, 30)), placed + (end - placed) / 2)
    order.paid_at = paid
    shipped = paid + timedelta(hours=rng.randint(4, 72))
    if recent and (draw < 0.55 or shipped >= end):
        return  # paid, waiting to ship
    order.status, order.fulfilment_status = OrderStatus.COMPLETED, FulfilmentState.FULFILLED
    order.fulfilled_at = shipped
    for line in lines:
        line.quantity_fulfilled = line.quantity


def synthetic_payment(order: Order) -> Payment:
    return Payment(
        order=order,
        provider=PaymentProvider.MANUAL,
        status=PaymentStatus.SUCCEEDED,
        amount=order.amount_paid,
        currency=order.currency,
        method=METHODS[order.pk % len(METHODS)],
        reference=f"SYN-PAY-{order.pk}",
        captured_at=order.paid_at,
    )


def refresh_planner_statistics() -> None:
    """After a bulk load PostgreSQL plans with the old row counts until autovacuum comes
    round; refresh them now, so reports over the new orders get sensible plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Order, OrderLine, Payment):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
