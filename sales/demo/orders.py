"""The demo orders: a year of trading played through the sales services, step by step, in
time order, with the clock set to each step's moment (see `clock`). Stock, ledger, payments,
invoices and credit notes therefore agree the way they do in a real shop, and invoice numbers
run without gaps through each year in the order the invoices were issued.

The shop's buyer keeps the shelves filled: when an order would take more than is available,
a delivery against the month's purchase order is received first (`stock_receive`), so the
ledger explains every unit. Made-to-order pieces are allocated as backorders and received
from the potter just before they ship.
"""

import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.db.models import Count

from backoffice.selectors import store_settings
from inventory.models import InventoryPolicy, ProductVariant, StockLevel, Warehouse
from inventory.services import stock_receive
from sales.demo.clock import clock_at, demo_start, opening_moment
from sales.demo.customers import Client, Person, demo_people, ensure_client, seed_channels
from sales.demo.data import (
    ACTOR,
    CANCEL_REASONS,
    CARRIERS,
    CHANNELS,
    DAMAGED_REASON,
    DAYS,
    DEMO_CUSTOMERS,
    DEMO_ORDERS,
    GOODWILL_REASONS,
    PAID_CANCEL_REASON,
    RETURN_REASONS,
    SEED,
    SYNTHETIC_ORDER,
)
from sales.demo.stories import (
    CANCELLED_PAID,
    DAMAGED,
    GOODWILL_REFUND,
    RETURNED_UNITS,
    Story,
    plan_stories,
    sellable_catalog,
    shipping_for,
)
from sales.models import (
    Channel,
    CreditNote,
    Invoice,
    LineAllocation,
    Order,
    OrderStatus,
    Payment,
)
from sales.services import (
    LineRequest,
    RefundLineRequest,
    invoice_issue,
    order_cancel,
    order_create,
    order_fulfil,
    order_mark_paid,
    order_note_add,
    order_place,
    payment_refund,
)
from sales.services.pricing import ZERO, money

RESTOCK_QUANTITY = 24  # a delivery when the stock row has no reorder quantity of its own

Subject = TypeVar("Subject", Story, Person)


# --- the clockwork ----------------------------------------------------------------------------


@dataclass
class Timeline:
    """Steps waiting for their moment. A step may schedule later steps; anything due after
    `end` never happens, which leaves the youngest orders open, unpaid or unshipped."""

    end: datetime
    waiting: list = field(default_factory=list)
    tiebreak: itertools.count = field(default_factory=itertools.count)

    def at(
        self, moment: datetime, step: Callable[["Shop", Subject], None], subject: Subject
    ) -> None:
        if moment < self.end:
            heapq.heappush(self.waiting, (moment, next(self.tiebreak), step, subject))

    def run(self, shop: "Shop") -> None:
        while self.waiting:
            moment, _, step, subject = heapq.heappop(self.waiting)
            shop.now = moment
            with clock_at(moment):
                step(shop, subject)


@dataclass
class Shop:
    """What the running stories share."""

    timeline: Timeline
    channels: dict[str, Channel]
    warehouses: list[Warehouse]  # the default first, as orders allocate
    clients: dict[str, Client] = field(default_factory=dict)  # by email
    purchase_orders: dict[tuple[str, str], str] = field(default_factory=dict)
    now: datetime | None = None

    def later(
        self,
        story: Story,
        delay: timedelta,
        step: Callable[["Shop", Story], None],
        *,
        office: bool = True,
    ) -> None:
        if self.now is None:
            raise RuntimeError("a step schedules what follows it; nothing runs yet")
        moment = self.now + delay
        self.timeline.at(office_hours(story.rng, moment) if office else moment, step, story)

    def purchase_order(self, vendor: str) -> str:
        """One purchase order per vendor and month; deliveries are received against it."""
        key = (vendor, f"{self.now:%Y-%m}")
        return self.purchase_orders.setdefault(key, f"PO-{6001 + len(self.purchase_orders)}")


def office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The moment, moved to the next working morning when it falls at night or on Sunday."""
    if 8 <= moment.hour < 19 and moment.weekday() != 6:
        return moment
    day = moment if moment.hour < 8 else moment + timedelta(days=1)
    if day.weekday() == 6:
        day += timedelta(days=1)
    opening = day.replace(hour=8, minute=0, second=0, microsecond=0)
    return opening + timedelta(minutes=rng.randint(0, 180))


# --- seeding ----------------------------------------------------------------------------------


def demo_orders_exist() -> bool:
    codes = [channel.code for channel in CHANNELS]
    demo = Order.objects.filter(channel__code__in=codes).exclude(number__startswith=SYNTHETIC_ORDER)
    return demo.exists()


def seed_demo_sales(*, orders: int = DEMO_ORDERS, customers: int = DEMO_CUSTOMERS) -> bool:
    """Channels, customers and a year of orders; False when the demo orders are there."""
    with transaction.atomic():
        if demo_orders_exist():
            return False
        start = demo_start()
        with clock_at(opening_moment()):
            channels = seed_channels()
        warehouses = list(Warehouse.objects.filter(active=True).order_by("-is_default", "code"))
        shop = Shop(Timeline(end=start + timedelta(days=DAYS)), channels, warehouses)
        catalog = sellable_catalog(random.Random(SEED))  # noqa: S311 - demo data, not secrets
        people = demo_people(customers)
        stories = plan_stories(start, shop.timeline.end, people, catalog, orders)
        schedule_customers(shop, people, stories, start)
        for story in stories:
            shop.timeline.at(story.created, create, story)
        shop.timeline.run(shop)
    return True


def schedule_customers(shop: Shop, people: list[Person], stories: list[Story], start) -> None:
    """Each customer signs up just before their first order; those who never ordered, on a
    day of the year (they subscribed to the newsletter)."""
    first_orders: dict[str, datetime] = {}
    for story in sorted(stories, key=lambda story: story.created):
        first_orders.setdefault(story.person.email, story.created)
    rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
    for person in people:
        joined = first_orders.get(person.email)
        if joined is None:
            joined = start + timedelta(days=rng.uniform(0, DAYS))
        joined -= timedelta(minutes=rng.randint(2, 30))
        shop.timeline.at(joined, join, person)


def sales_summary() -> str:
    states = dict(Order.objects.values_list("status").annotate(n=Count("pk")))
    described = ", ".join(f"{states.get(status, 0):,} {status}" for status in OrderStatus.values)
    return (
        f"Sales: {Channel.objects.count()} channels, {Order.objects.count():,} orders "
        f"({described}), {Payment.objects.count():,} payments, "
        f"{Invoice.objects.count():,} invoices, {CreditNote.objects.count():,} credit notes"
    )


# --- the steps of a story ---------------------------------------------------------------------


def join(shop: Shop, person: Person) -> None:
    shop.clients[person.email] = ensure_client(person)


def create(shop: Shop, story: Story) -> None:
    client = shop.clients[story.person.email]
    rng = story.rng
    lines = [
        LineRequest(
            variant,
            quantity,
            money(variant.price * quantity / 10, store_settings().currency)
            if story.discounted
            else ZERO,
        )
        for variant, quantity in story.lines
    ]
    reference = (
        f"MKP-{rng.randint(10**7, 10**8 - 1)}" if story.channel.code == "marketplace" else ""
    )
    story.order = order_create(
        channel=shop.channels[story.channel.code],
        customer=client.customer,
        actor=ACTOR,
        lines=lines,
        shipping=shipping_for(story),
        shipping_address=client.addresses[min(story.place, len(client.addresses) - 1)],
        source_reference=reference,
    )
    if story.placed is not None:
        shop.timeline.at(story.placed, place, story)


def place(shop: Shop, story: Story) -> None:
    restock(shop, [(v, q) for v, q in story.lines if not v.allows_backorder])
    story.order = order_place(order=story.order, actor=ACTOR)
    if story.note is not None:
        shop.later(story, timedelta(minutes=story.rng.randint(10, 600)), note)
    if story.pay_after is not None:
        office = story.method == "Bank transfer"
        shop.later(story, story.pay_after, pay, office=office)
    else:
        shop.later(story, timedelta(days=story.rng.randint(8, 12)), cancel_unpaid)


def restock(shop: Shop, lines: list[tuple[ProductVariant, int]]) -> None:
    """Receive a delivery of each variant the order would take more of than all warehouses
    have free (as orders allocate: whatever is on hand and not reserved)."""
    available: dict[int, int] = defaultdict(int)
    reorder: dict[int, int] = {}
    default = shop.warehouses[0]
    levels = StockLevel.objects.filter(
        variant__in=[variant for variant, _ in lines], warehouse__in=shop.warehouses
    )
    for level in levels:
        available[level.variant_id] += max(level.on_hand - level.allocated, 0)
        if level.warehouse_id == default.pk:
            reorder[level.variant_id] = level.reorder_quantity
    for variant, quantity in lines:
        if available[variant.pk] < quantity:
            wanted = max(
                quantity - available[variant.pk], reorder.get(variant.pk) or RESTOCK_QUANTITY
            )
            receive(shop, variant, default, wanted)


def receive(shop: Shop, variant: ProductVariant, warehouse: Warehouse, quantity: int, note=""):
    vendor = variant.product.vendor
    stock_receive(
        variant=variant,
        warehouse=warehouse,
        quantity=quantity,
        actor=ACTOR,
        reference=shop.purchase_order(vendor),
        note=note or f"Delivery from {vendor}",
    )


def note(shop: Shop, story: Story) -> None:
    if story.note is None:
        return
    visibility, body = story.note
    order_note_add(order=story.order, body=body, visibility=visibility, actor=ACTOR)


def pay(shop: Shop, story: Story) -> None:
    reference = (
        f"VIR {story.order.number}"
        if story.method == "Bank transfer"
        else f"TX-{story.rng.randint(10**9, 10**10 - 1)}"
    )
    payment = order_mark_paid(
        order=story.order, method=story.method, reference=reference, actor=ACTOR
    )
    story.payment = payment
    if story.ending == CANCELLED_PAID:
        shop.later(story, timedelta(hours=story.rng.randint(2, 30)), cancel_paid)
    else:
        shop.later(story, timedelta(hours=story.rng.randint(4, 72)), ship)


def ship(shop: Shop, story: Story) -> None:
    """Ship what waits in the first warehouse holding the order's stock; the rest follows
    from the next warehouse a little later."""
    held = set(
        LineAllocation.objects.filter(line__order=story.order).values_list(
            "warehouse_id", flat=True
        )
    )
    warehouse = next(w for w in shop.warehouses if w.pk in held)
    if any(variant.allows_backorder for variant, _ in story.lines):
        make_to_order(shop, story, warehouse)
    country = story.person.places[story.place].country
    carrier, prefix, suffix = story.rng.choice(CARRIERS["FR" if country == "FR" else "abroad"])
    tracking = f"{prefix}{story.rng.randint(10**9, 10**10 - 1)}{suffix}"
    order_fulfil(
        order=story.order,
        warehouse=warehouse,
        actor=ACTOR,
        carrier=carrier,
        tracking_number=tracking,
    )
    if len(held) > 1:
        shop.later(story, timedelta(hours=story.rng.randint(3, 30)), ship)
    else:
        after_shipping(shop, story)


def make_to_order(shop: Shop, story: Story, warehouse: Warehouse) -> None:
    """The potter delivers the pieces made for this order before they ship."""
    allocations = LineAllocation.objects.filter(
        line__order=story.order,
        warehouse=warehouse,
        line__variant__inventory_policy=InventoryPolicy.CONTINUE,
    ).select_related("line__variant__product")
    for allocation in allocations:
        variant = allocation.line.variant
        level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
        if level.on_hand < allocation.quantity:
            made = f"Made to order for {story.order.number}"
            receive(shop, variant, warehouse, allocation.quantity - level.on_hand, made)


def after_shipping(shop: Shop, story: Story) -> None:
    rng = story.rng
    if story.invoiced:
        shop.later(story, timedelta(minutes=rng.randint(2, 20)), invoice)
    if story.ending in (RETURNED_UNITS, DAMAGED):
        shop.later(story, timedelta(days=rng.randint(6, 25)), send_back)
    elif story.ending == GOODWILL_REFUND:
        shop.later(story, timedelta(days=rng.randint(2, 10)), goodwill)


def invoice(shop: Shop, story: Story) -> None:
    """Issued when the last parcel leaves, days before any refund could ask for one."""
    invoice_issue(order=story.order, actor=ACTOR)


def send_back(shop: Shop, story: Story) -> None:
    """Units of one line come back: restocked in the default warehouse, unless broken."""
    rng, damaged = story.rng, story.ending == DAMAGED
    line = rng.choice(list(story.order.lines.order_by("position")))
    quantity = 1 if rng.random() < 0.8 else line.quantity
    payment_refund(
        payment=story.payment,
        lines=[RefundLineRequest(line=line, quantity=quantity, restock=not damaged)],
        reason=DAMAGED_REASON if damaged else rng.choice(RETURN_REASONS),
        actor=ACTOR,
    )


def goodwill(shop: Shop, story: Story) -> None:
    reason, amount = story.rng.choice(GOODWILL_REASONS)
    total = story.order.total
    currency = story.order.currency
    amount = min(amount or money(total / 10, currency), money(total / 2, currency))
    payment_refund(payment=story.payment, amount=amount, reason=reason, actor=ACTOR)


def cancel_paid(shop: Shop, story: Story) -> None:
    """The customer cancels before shipping: the payment goes back, then the order is
    cancelled and its stock released."""
    payment_refund(payment=story.payment, reason=PAID_CANCEL_REASON, actor=ACTOR)
    order_cancel(order=story.order, reason=PAID_CANCEL_REASON, actor=ACTOR)


def cancel_unpaid(shop: Shop, story: Story) -> None:
    order_cancel(order=story.order, reason=story.rng.choice(CANCEL_REASONS), actor=ACTOR)
