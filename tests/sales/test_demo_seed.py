"""The sales demo of `seed_demo`: a year of orders played through the services, and the bulk
orders of `--orders N`.

The demo is seeded once for the module, inside a transaction rolled back when the module
ends; each test runs in a savepoint within it, so what a test adds goes away after it. To keep
the module quick it plays half the demo's orders (the stories are planned the same way; the
full-size plan is checked on its own).
"""

import random
import sqlite3
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Concat, Lower
from django.test import override_settings
from django.utils import timezone

from inventory.demo.data import DEMO_HANDLES
from inventory.models import InventoryPolicy, MovementReason, ProductVariant, StockMovement
from sales.demo import seed_demo_sales
from sales.demo.clock import demo_start
from sales.demo.customers import demo_people
from sales.demo.data import DAYS, DEMO_CUSTOMERS, DEMO_DRAFTS, DEMO_ORDERS, SEED
from sales.demo.stories import plan_stories, sellable_catalog
from sales.models import (
    Address,
    Channel,
    CreditNote,
    Customer,
    FulfillmentLine,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentState,
    Refund,
    RefundLine,
)
from tests.backoffice.test_seed_demo import run_manage

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


ORDERS, CUSTOMERS = 1000, 200  # the full demo: DEMO_ORDERS, DEMO_CUSTOMERS


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> None:
    """Logins, catalog and sales, seeded once and rolled back at the end."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        seed("--no-sales")
        assert seed_demo_sales(orders=ORDERS, customers=CUSTOMERS)
        yield
        transaction.set_rollback(True)


def demo_orders():
    return Order.objects.exclude(number__startswith="SYN-")


def row_counts() -> dict[str, int]:
    """Rows in every table, history tables included."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def sums_by_order(model, orders, *fields: str, **where) -> dict[int, list[Decimal]]:
    """Sums of `fields` of `model` rows per order (zeros for an order without any), added up
    in Decimal: SQLite would add them up in floating point."""
    sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(fields))
    rows = model.objects.filter(order__in=orders, **where).values_list("order_id", *fields)
    for order_id, *values in rows:
        sums[order_id] = [
            total + value for total, value in zip(sums[order_id], values, strict=True)
        ]
    return sums


def orders_whose_totals_differ_from_their_lines(orders) -> list[str]:
    lines = sums_by_order(OrderLine, orders, "subtotal", "discount", "tax", "total")
    wrong = []
    for order in orders:
        subtotal, discount, tax, total = lines[order.pk]
        expected = (subtotal, discount, tax + order.shipping_tax)
        expected += (total + order.shipping + order.shipping_tax,)
        if (order.subtotal, order.discount, order.tax, order.total) != expected:
            wrong.append(order.number)
    return wrong


# --- who buys ---------------------------------------------------------------------------------


def test_two_channels_and_customers_with_unique_emails():
    assert set(Channel.objects.values_list("code", flat=True)) == {"web", "marketplace"}
    assert Customer.objects.count() == CUSTOMERS
    emails = Customer.objects.annotate(email_lower=Lower("email"))
    assert emails.values("email_lower").distinct().count() == CUSTOMERS
    assert emails.exclude(email=F("email_lower")).exists()  # some typed with capitals
    assert not Customer.objects.filter(addresses__isnull=True).exists()


def test_addresses_are_in_france_and_its_neighbours():
    countries = dict(Address.objects.values_list("country").annotate(n=Count("pk")))
    assert set(countries) == {"FR", "BE", "DE", "IT", "ES", "CH", "LU"}
    assert countries["FR"] > sum(countries.values()) / 2
    assert not Address.objects.filter(Q(line1="") | Q(city="") | Q(postal_code="")).exists()


def test_the_demo_people_are_the_same_every_time():
    assert demo_people() == demo_people()


# --- orders -----------------------------------------------------------------------------------


def test_the_full_demo_plans_about_two_thousand_orders_over_twelve_months():
    start = demo_start()
    end = start + timedelta(days=DAYS)
    people = demo_people(DEMO_CUSTOMERS)
    catalog = sellable_catalog(random.Random(SEED))

    stories = plan_stories(start, end, people, catalog, DEMO_ORDERS)

    placed = [story.placed for story in stories if story.placed is not None]
    assert len(placed) == DEMO_ORDERS == 2000
    assert len(stories) == DEMO_ORDERS + DEMO_DRAFTS
    assert start <= min(placed) < start + timedelta(days=7)
    assert end - timedelta(days=2) < max(placed) < end
    assert len({(moment.year, moment.month) for moment in placed}) >= 12
    assert len({story.person.email for story in stories}) > DEMO_CUSTOMERS / 2
    again = plan_stories(start, end, people, catalog, DEMO_ORDERS)
    assert [outline(story) for story in again] == [outline(story) for story in stories]


def outline(story) -> tuple:
    lines = [(variant.pk, quantity) for variant, quantity in story.lines]
    return story.created, story.person.email, story.channel.code, lines, story.ending


def test_a_year_of_orders():
    placed = demo_orders().exclude(status=OrderStatus.DRAFT)
    assert placed.count() == ORDERS
    today = timezone.localdate()
    first = timezone.localtime(placed.earliest("placed_at").placed_at).date()
    last = timezone.localtime(placed.latest("placed_at").placed_at).date()
    assert today - timedelta(days=DAYS) <= first < today - timedelta(days=DAYS - 14)
    assert today - timedelta(days=3) <= last < today
    assert len(placed.dates("placed_at", "month")) >= 12
    for order in demo_orders():
        assert order.number == f"SO-{timezone.localtime(order.created_at).year}-{order.pk:06d}"
        assert order.placed_at is None or order.created_at < order.placed_at


def test_orders_are_in_realistic_states():
    states = Counter(
        dict(
            demo_orders()
            .values_list(
                Concat("status", Value(" "), "payment_status", Value(" "), "fulfilment_status")
            )
            .annotate(n=Count("pk"))
        )
    )
    assert states["completed paid fulfilled"] > 0.75 * ORDERS
    assert states["completed partially_refunded fulfilled"] > 0.05 * ORDERS
    assert states["completed refunded fulfilled"] > 0  # everything sent back, free shipping
    assert states["cancelled unpaid unfulfilled"] > 0.01 * ORDERS  # no bank transfer came
    assert states["cancelled refunded unfulfilled"] > 0.005 * ORDERS  # paid, then cancelled
    still_open = sum(n for state, n in states.items() if state.startswith("placed "))
    assert still_open >= 5
    assert states["placed paid unfulfilled"] >= 2
    assert states["draft unpaid unfulfilled"] == DEMO_DRAFTS
    assert 0.5 * ORDERS < Invoice.objects.count() < ORDERS
    channels = dict(demo_orders().values_list("channel__code").annotate(n=Count("pk")))
    assert channels["web"] > channels["marketplace"] > 0.15 * ORDERS


def test_totals_are_the_sums_of_the_lines():
    assert demo_orders().filter(discount__gt=0).exists()
    assert orders_whose_totals_differ_from_their_lines(demo_orders()) == []
    lines = OrderLine.objects.values_list("unit_price", "quantity", "subtotal")
    assert all(price * quantity == subtotal for price, quantity, subtotal in lines)


def test_money_received_and_given_back_agrees_with_the_orders():
    orders = list(demo_orders())
    received = sums_by_order(Payment, orders, "amount", status="succeeded")
    given_back = sums_by_order(Refund, orders, "amount", status="succeeded")
    for order in orders:
        assert [order.amount_paid] == received[order.pk], order.number
        assert [order.amount_refunded] == given_back[order.pk], order.number
        if order.payment_status == PaymentState.PAID:
            assert (order.amount_paid, order.amount_refunded) == (order.total, 0), order.number
        if order.payment_status == PaymentState.UNPAID:
            assert order.amount_paid == 0, order.number
        if order.payment_status == PaymentState.REFUNDED:
            assert order.amount_refunded == order.amount_paid, order.number


def test_refunds_by_lines_with_restock_and_by_amount_each_have_a_credit_note():
    assert RefundLine.objects.filter(restock=True).count() > 0.04 * ORDERS
    assert RefundLine.objects.filter(restock=False).exists()  # damaged: not resaleable
    by_amount = Refund.objects.filter(lines__isnull=True)
    assert by_amount.count() > 0.03 * ORDERS
    assert not Refund.objects.filter(credit_note__isnull=True).exists()
    refunded = CreditNote.objects.filter(refund__isnull=False)
    assert not refunded.exclude(total=F("refund__amount")).exists()
    restocked = RefundLine.objects.filter(restock=True).aggregate(n=Sum("quantity"))["n"]
    returns = StockMovement.objects.filter(reason=MovementReason.RETURN)
    ledger_returns = returns.filter(reference__startswith="SO-").aggregate(n=Sum("on_hand_delta"))
    assert ledger_returns["n"] == restocked


def test_invoices_and_credit_notes_are_numbered_without_gaps_in_date_order():
    for model, series in ((Invoice, "INV"), (CreditNote, "CN")):
        years = sorted(set(model.objects.values_list("year", flat=True)))
        this_year = timezone.localdate().year
        assert years and set(years) <= {this_year - 1, this_year}
        for year in years:
            documents = list(model.objects.filter(year=year).order_by("sequence"))
            assert [d.sequence for d in documents] == list(range(1, len(documents) + 1))
            assert all(d.number == f"{series}-{year}-{d.sequence:06d}" for d in documents)
            assert all(timezone.localtime(d.issued_at).year == year for d in documents)
            issued = [d.issued_at for d in documents]
            assert issued == sorted(issued)
    assert not Invoice.objects.filter(issued_at__lt=F("order__placed_at")).exists()


def test_shipments_come_from_the_warehouses_holding_the_stock():
    call_command("check_stock_integrity", stdout=StringIO())

    shipped = FulfillmentLine.objects.aggregate(n=Sum("quantity"))["n"]
    ledger = StockMovement.objects.filter(reason=MovementReason.SHIPMENT)
    assert -ledger.aggregate(n=Sum("on_hand_delta"))["n"] == shipped
    by_warehouse = dict(
        FulfillmentLine.objects.values_list("fulfillment__warehouse__code").annotate(
            n=Sum("quantity")
        )
    )
    ledger_by_warehouse = {
        code: -n
        for code, n in ledger.values_list("warehouse__code").annotate(n=Sum("on_hand_delta"))
    }
    assert by_warehouse == ledger_by_warehouse
    assert by_warehouse["main"] > by_warehouse.get("shop", 0)
    completed = OrderLine.objects.filter(order__status=OrderStatus.COMPLETED)
    assert not completed.exclude(
        quantity=F("quantity_fulfilled") + F("quantity_cancelled")
    ).exists()


def test_stock_is_topped_up_by_purchase_orders_and_never_runs_out():
    receipts = StockMovement.objects.filter(reason=MovementReason.RECEIPT)
    top_ups = receipts.filter(reference__regex=r"^PO-6\d{3}$")
    assert top_ups.count() > 0.02 * ORDERS
    assert set(receipts.values_list("actor_name", flat=True)) == {"seed_demo"}
    negative = StockMovement.objects.filter(Q(on_hand_after__lt=0) | Q(allocated_after__lt=0))
    assert not negative.exists()
    ordered = StockMovement.objects.order_by("pk").values_list("created_at", flat=True)
    moments = list(ordered)
    assert moments == sorted(moments)  # the ledger reads as a diary


def test_gift_cards_are_left_out_and_made_to_order_pieces_ship():
    lines = OrderLine.objects.filter(variant__product__handle__in=DEMO_HANDLES)
    assert not lines.filter(variant__product__category__slug="gift-cards").exists()
    made_to_order = lines.filter(variant__inventory_policy=InventoryPolicy.CONTINUE)
    assert made_to_order.filter(quantity_fulfilled__gt=0).exists()


def test_a_second_seed_changes_nothing():
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "Sales: 2 channels," in output
    assert "(demo orders already there)" in output
    assert "(demo catalog already there)" in output


# --- synthetic orders for benchmarks ----------------------------------------------------------


def test_synthetic_orders_add_up():
    history_before = Order.history.count()

    output = seed("--orders", "150")

    synthetic = Order.objects.filter(number__startswith="SYN-")
    assert synthetic.count() == 150
    assert "synthetic orders: 150 of 150 orders" in output
    lines = OrderLine.objects.filter(order__in=synthetic)
    assert 150 * 2 <= lines.count() <= 150 * 6
    assert orders_whose_totals_differ_from_their_lines(synthetic) == []
    received = sums_by_order(Payment, synthetic, "amount")
    assert all([order.amount_paid] == received[order.pk] for order in synthetic)
    paid = synthetic.filter(payment_status=PaymentState.PAID)
    assert not paid.exclude(amount_paid=F("total")).exists()
    completed = synthetic.filter(status=OrderStatus.COMPLETED)
    assert completed.exists()
    assert not completed.exclude(payment_status="paid", fulfilment_status="fulfilled").exists()
    shipped_lines = lines.filter(order__status=OrderStatus.COMPLETED)
    assert not shipped_lines.exclude(quantity_fulfilled=F("quantity")).exists()
    assert not synthetic.exclude(created_at__lte=F("placed_at")).exists()
    assert Order.history.count() == history_before  # skipped, as documented
    call_command("check_stock_integrity", stdout=StringIO())


def test_synthetic_orders_continue_their_numbers_over_runs():
    seed("--orders", "20")
    seed("--orders", "20")

    numbers = Order.objects.filter(number__startswith="SYN-").values_list("number", flat=True)
    assert sorted(int(number.rsplit("-", 1)[1]) for number in numbers) == list(range(1, 41))
    assert not Payment.objects.filter(order__number__startswith="SYN-", amount__lte=0).exists()


def test_synthetic_orders_need_something_to_sell():
    ProductVariant.objects.update(active=False)  # test setup: a catalog with nothing for sale
    before = row_counts()

    with pytest.raises(CommandError, match="Synthetic orders need a catalog"):
        seed("--no-sales", "--orders", "5")

    assert row_counts() == before


def test_a_negative_order_count_is_refused():
    before = Order.objects.count()
    with pytest.raises(CommandError, match="--orders must be zero or more"):
        seed("--orders", "-3")
    assert Order.objects.count() == before


def test_seeding_orders_refuses_in_production_mode_and_writes_nothing(tmp_path):
    database = tmp_path / "production.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    assert run_manage(["migrate", "--noinput"], env, tmp_path).returncode == 0

    refused = run_manage(["seed_demo", "--orders", "10"], env, tmp_path)

    assert refused.returncode == 1
    assert "seed_demo refuses to run in production mode" in refused.stderr
    with sqlite3.connect(database) as connection:
        (orders,) = connection.execute("SELECT COUNT(*) FROM sales_order").fetchone()
        (customers,) = connection.execute("SELECT COUNT(*) FROM sales_customer").fetchone()
    assert (orders, customers) == (0, 0)
