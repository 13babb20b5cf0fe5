"""Fixtures for the reporting tests: a shop's trading history played through the services
(several weeks, two channels, discounts, shipping, three tax rates, refunds by lines and by
amount, cancelled orders, invoices and credit notes, stock receipts, adjustments, transfers and
a stocktake), the people who read it and a real Celery worker (S3 on loopback: tests/s3.py).

The history is dated in the past with the demo clock, one service call at a time, and the
work each call queues for after its commit (the dashboard rollup) runs right after it, as it
does in production: a refresh that ran only at the end would see the final state and hide a
missed one."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from backoffice.actors import Actor
from integrations.stripe.client import PaymentFacts
from inventory.models import MovementReason, ProductVariant, StockLevel, Warehouse
from inventory.services import stock_adjust, stock_count, stock_receive, stock_transfer
from reporting.models import ReportRun
from reporting.reports import Parameters
from reporting.services import report_request
from sales.demo.clock import clock_at
from sales.models import Channel, Customer, Order
from sales.services import (
    LineRequest,
    RefundLineRequest,
    invoice_issue,
    order_cancel,
    order_create,
    order_fulfil,
    order_mark_paid,
    order_place,
    payment_refund,
)
from sales.services.stripe_events import stripe_payment_succeeded
from tests.conftest import set_store
from tests.factories import (
    AddressFactory,
    ChannelFactory,
    CustomerFactory,
    TaxClassFactory,
    VariantFactory,
    WarehouseFactory,
)

SYSTEM = Actor.system("test")
SHOP_TIME_ZONE = "Europe/Paris"  # not UTC: an order at 00:30 belongs to the shop's day


# --- files, tasks -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _selling_store(store, settings):
    """Every test here sells: the store names its seller and has a default tax class. The
    invoices' PDFs are left for their first download: these tests count report files."""
    settings.DOCUMENT_PDFS_AT_ISSUE = False


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every test here stores files in a folder of its own."""
    return media_root


def stored_files(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def request_run(kind: str, user, format: str = "xlsx", **parameters) -> ReportRun:
    """Request a report as `user` and let the request's commit send it to the (eager)
    worker, as the admin's form does; the run as it ends."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = report_request(
            kind=kind,
            parameters=Parameters(**parameters),
            format=format,
            actor=Actor.for_user(user) if user else SYSTEM,
        )
    run.refresh_from_db()
    return run


# --- a shop's trading history -----------------------------------------------------------------


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run a service call as of `moment`, and what it queued for after its commit right
    after it (in a test transaction nothing commits, so the callbacks are run by hand)."""
    with clock_at(moment), TestCase.captureOnCommitCallbacks(execute=True):
        yield


@dataclass
class Catalog:
    main: Warehouse
    east: Warehouse
    tee: ProductVariant  # 19.90, cost 7.50, 20 %
    mug: ProductVariant  # 12.50, cost 4.20, 5.5 %
    book: ProductVariant  # 24.00, cost 11.00, 10 %
    wrap: ProductVariant  # gift wrap: no SKU, no cost, 20 %
    web: Channel
    stall: Channel
    customers: list[Customer]


@dataclass
class Trading:
    """What the history holds, for the tests to find their way in it."""

    catalog: Catalog
    today: date
    first_day: date  # of the history
    last_day: date  # yesterday: nothing is dated in the future
    orders: dict[str, Order] = field(default_factory=dict)

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the shop's day."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def build_catalog(today: date) -> Catalog:
    standard = TaxClassFactory(name="Standard", rate=Decimal("20"))
    reduced = TaxClassFactory(name="Reduced", rate=Decimal("5.5"))
    intermediate = TaxClassFactory(name="Intermediate", rate=Decimal("10"))
    set_store(shipping_tax_class=standard)
    catalog = Catalog(
        main=WarehouseFactory(code="main", name="Main", is_default=True),
        east=WarehouseFactory(code="east", name="East"),
        tee=VariantFactory(
            sku="TEE-M",
            option1="M",
            price=Decimal("19.90"),
            cost=Decimal("7.50"),
            product__title="Linen tee",
            product__tax_class=standard,
        ),
        mug=VariantFactory(
            sku="MUG",
            option1="Speckled",
            price=Decimal("12.50"),
            cost=Decimal("4.20"),
            product__title="Stoneware mug",
            product__tax_class=reduced,
        ),
        book=VariantFactory(
            sku="BOOK",
            option1="Paperback",
            price=Decimal("24.00"),
            cost=Decimal("11.00"),
            product__title="Field guide",
            product__tax_class=intermediate,
        ),
        wrap=VariantFactory(
            sku=None,
            option1="Red",
            price=Decimal("3.00"),
            cost=None,
            product__title="Gift wrap",
            product__tax_class=standard,
        ),
        web=ChannelFactory(code="web", name="Web shop"),
        stall=ChannelFactory(code="stall", name="Market stall"),
        customers=[CustomerFactory() for _ in range(3)],
    )
    for customer in catalog.customers:
        AddressFactory(customer=customer)
    with at(local(today - timedelta(days=56), 9)):
        for variant, where, units in [
            (catalog.tee, catalog.main, 30),
            (catalog.tee, catalog.east, 10),
            (catalog.mug, catalog.main, 40),
            (catalog.book, catalog.main, 12),
            (catalog.book, catalog.east, 6),
            (catalog.wrap, catalog.main, 50),
        ]:
            stock_receive(variant=variant, warehouse=where, quantity=units, actor=SYSTEM)
    return catalog


def place_order(catalog, moment, channel, lines, customer=0, **kwargs) -> Order:
    with at(moment):
        order = order_create(
            channel=channel,
            customer=catalog.customers[customer],
            lines=[LineRequest(variant=v, quantity=q, discount=Decimal(d)) for v, q, d in lines],
            actor=SYSTEM,
            **kwargs,
        )
        return order_place(order=order, actor=SYSTEM)


def pay(order: Order, moment: datetime, method="bank transfer", reference="") -> None:
    with at(moment):
        order_mark_paid(order=order, actor=SYSTEM, method=method, reference=reference)


def ship(order: Order, moment: datetime, warehouse="main", quantities=None) -> None:
    with at(moment):
        order_fulfil(order=order, warehouse=warehouse, actor=SYSTEM, quantities=quantities)


def refund_lines(order: Order, variant, quantity: int, reason="-Too small", **kwargs) -> None:
    """Refund units of a line (the reason starts like a formula, for the escaping tests)."""
    line = RefundLineRequest(line=order.lines.get(variant=variant), quantity=quantity, **kwargs)
    payment_refund(payment=order.payments.get(), actor=SYSTEM, lines=[line], reason=reason)


SHIPPING = {"shipping": Decimal("4.90")}  # taxed at the store's shipping class: 20 %

# The history is played in time order, so the ledger's running balances are those of the
# moments its rows are dated: first the days before the dashboard's 30, then its 30.


def _history_before_the_last_30_days(trading: Trading, settings) -> None:
    c, d, o = trading.catalog, trading.day, trading.orders

    # In the previous 30 days: shipped and invoiced; a reference a spreadsheet would run.
    o["shipped"] = place_order(
        c, local(d(-50), 10), c.web, [(c.tee, 2, "3.00"), (c.mug, 1, "0")], 0, **SHIPPING
    )
    pay(o["shipped"], local(d(-50), 10, 5), reference="=TRANSFER 118")
    ship(o["shipped"], local(d(-49), 9))
    with at(local(d(-49), 9, 30)):
        invoice_issue(order=o["shipped"], actor=SYSTEM)

    # Just after midnight (the shop's day; the day before in UTC), paid through Stripe.
    o["stripe"] = place_order(c, local(d(-45), 0, 30), c.stall, [(c.mug, 4, "0")], 1)
    with at(local(d(-45), 0, 31)):
        facts = PaymentFacts(
            "pi_test_1",
            "succeeded",
            o["stripe"].total,
            "EUR",
            "ch_1",
            Decimal("0.85"),
            o["stripe"].pk,
            "card",
        )
        stripe_payment_succeeded(facts=facts, occurred_at=timezone.now())
    ship(o["stripe"], local(d(-44), 11))

    # Paid, refunded in full two days later, then cancelled: no sale at all.
    o["regretted"] = place_order(c, local(d(-40), 15), c.stall, [(c.book, 1, "0")], 2)
    pay(o["regretted"], local(d(-40), 15, 10), method="cash")
    with at(local(d(-38), 12)):
        payment_refund(payment=o["regretted"].payments.get(), actor=SYSTEM, reason="Regret")
    with at(local(d(-37), 12)):
        order_cancel(order=o["regretted"], actor=SYSTEM, reason="Refunded")

    # Priced with tax included; a unit returned (and restocked) after shipping.
    set_store(prices_include_tax=True)
    o["returned"] = place_order(
        c, local(d(-35), 14), c.web, [(c.book, 2, "0"), (c.tee, 1, "0")], 0, **SHIPPING
    )
    set_store(prices_include_tax=False)
    pay(o["returned"], local(d(-35), 14, 30))
    ship(o["returned"], local(d(-34), 10))
    with at(local(d(-34), 10, 30)):
        invoice_issue(order=o["returned"], actor=SYSTEM)
    with at(local(d(-33), 16)):
        refund_lines(o["returned"], c.tee, 1, restock=True)


def _history_of_the_last_30_days(trading: Trading) -> None:
    c, d, o = trading.catalog, trading.day, trading.orders
    with at(local(d(-30), 10)):
        stock_adjust(
            variant=c.tee,
            warehouse=c.east,
            delta=-1,
            reason=MovementReason.DAMAGE,
            actor=SYSTEM,
            reference="@damaged in transit",
        )
        stock_adjust(
            variant=c.mug, warehouse=c.main, delta=2, reason=MovementReason.FOUND, actor=SYSTEM
        )
    with at(local(d(-28), 15)):
        stock_transfer(
            variant=c.book, from_warehouse=c.main, to_warehouse=c.east, quantity=3, actor=SYSTEM
        )

    # Paid, every unit refunded before anything shipped: nothing is left to ship.
    o["unshipped_refund"] = place_order(c, local(d(-25), 11), c.web, [(c.mug, 2, "0")], 1)
    pay(o["unshipped_refund"], local(d(-25), 11, 15))
    with at(local(d(-24), 9)):
        refund_lines(o["unshipped_refund"], c.mug, 2)

    with at(local(d(-22), 18)):
        stock_count(
            variant=c.wrap, warehouse=c.main, quantity=47, actor=SYSTEM, reference="+count 22"
        )

    # Paid, not shipped; an amount refunded as a gesture (the refund invoices the order).
    o["goodwill"] = place_order(
        c,
        local(d(-20), 11),
        c.web,
        [(c.tee, 2, "0"), (c.mug, 1, "1.25")],
        2,
        shipping=Decimal("6.00"),
    )
    pay(o["goodwill"], local(d(-20), 11, 20))
    # Cancelled before payment.
    o["cancelled"] = place_order(c, local(d(-20), 12), c.stall, [(c.book, 1, "0")], 0)
    with at(local(d(-19), 8)):
        order_cancel(order=o["cancelled"], actor=SYSTEM)
    with at(local(d(-18), 17)):
        payment_refund(
            payment=o["goodwill"].payments.get(),
            actor=SYSTEM,
            amount=Decimal("10.00"),
            reason="Late delivery",
        )

    # Invoiced unpaid, then cancelled: the invoice is credited in full.
    o["invoiced_cancelled"] = place_order(c, local(d(-15), 10), c.web, [(c.tee, 1, "0")], 1)
    with at(local(d(-15), 10, 5)):
        invoice_issue(order=o["invoiced_cancelled"], actor=SYSTEM)
    with at(local(d(-14), 10)):
        order_cancel(order=o["invoiced_cancelled"], actor=SYSTEM)

    with at(local(d(-12), 8)):
        stock_receive(variant=c.tee, warehouse=c.main, quantity=10, actor=SYSTEM, reference="PO-7")

    # Placed, unpaid, waiting to ship; with gift wrap (no SKU, no cost).
    o["waiting"] = place_order(c, local(d(-10), 9), c.web, [(c.wrap, 2, "0"), (c.tee, 1, "0")], 2)

    # A draft never placed: no sale.
    with at(local(d(-8), 9)):
        o["draft"] = order_create(
            channel=c.web,
            customer=c.customers[0],
            lines=[LineRequest(variant=c.mug, quantity=1)],
            actor=SYSTEM,
        )

    # Paid, partly shipped, a unit refunded before it shipped (late in the evening).
    o["partial"] = place_order(
        c, local(d(-5), 16), c.web, [(c.mug, 3, "0"), (c.book, 1, "2.40")], 0, **SHIPPING
    )
    pay(o["partial"], local(d(-5), 16, 30), method="card")
    book_line = o["partial"].lines.get(variant=c.book)
    ship(o["partial"], local(d(-4), 9), quantities={book_line.pk: 1})
    with at(local(d(-3), 23, 45)):
        refund_lines(o["partial"], c.mug, 1)

    with at(local(d(-2), 19)):
        stock_adjust(
            variant=c.book, warehouse=c.east, delta=-1, reason=MovementReason.LOSS, actor=SYSTEM
        )

    # Yesterday at the stall.
    o["yesterday"] = place_order(
        c, local(d(-1), 18), c.stall, [(c.tee, 1, "0"), (c.wrap, 1, "0")], 1
    )
    pay(o["yesterday"], local(d(-1), 18, 5), method="cash")
    ship(o["yesterday"], local(d(-1), 18, 10))

    # Reorder points are settings, not stock counters (seed_demo sets them the same way).
    for variant, warehouse, point, quantity in [
        (c.mug, c.main, 40, 24),
        (c.book, c.east, 10, 6),
        (c.tee, c.main, 5, 10),
    ]:
        StockLevel.objects.filter(variant=variant, warehouse=warehouse).update(
            reorder_point=point, reorder_quantity=quantity
        )


def make_trading(settings) -> Trading:
    """Eight weeks of a small shop, up to yesterday, in the shop's time zone."""
    settings.TIME_ZONE = SHOP_TIME_ZONE
    today = timezone.localdate()
    trading = Trading(
        catalog=build_catalog(today),
        today=today,
        first_day=today - timedelta(days=56),
        last_day=today - timedelta(days=1),
    )
    _history_before_the_last_30_days(trading, settings)
    _history_of_the_last_30_days(trading)
    for order in trading.orders.values():
        order.refresh_from_db()
    return trading


@pytest.fixture
def trading(db, settings) -> Trading:
    return make_trading(settings)
