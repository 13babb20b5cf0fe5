"""Orders and documents under concurrency, on PostgreSQL with real transactions."""

import contextlib
import threading
from io import StringIO

from django.core.management import call_command

from sales.models import Invoice, LineAllocation, Order, OrderStatus
from sales.services import OutOfStock, invoice_issue, order_cancel, order_place
from sales.services import orders as orders_module
from tests.concurrency import POSTGRES_RACES, run_together
from tests.sales.conftest import SYSTEM, stock_of

pytestmark = POSTGRES_RACES

THREADS = 8


def test_invoices_issued_at_once_are_numbered_without_gaps_or_duplicates(shop):
    orders = [shop.placed((shop.mug, 1)) for _ in range(THREADS)]

    run_together(THREADS, lambda index: invoice_issue(order=orders[index], actor=SYSTEM))

    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS + 1))
    assert Invoice.objects.values("number").distinct().count() == THREADS
    assert sorted(Invoice.objects.values_list("order_id", flat=True)) == [o.pk for o in orders]


def test_two_orders_for_the_last_unit_exactly_one_wins(shop):
    drafts = [shop.draft((shop.tee, 8)) for _ in range(2)]  # 8 = all there is (5 + 3)
    outcomes = [None, None]

    def place(index):
        try:
            order_place(order=drafts[index], actor=SYSTEM)
            outcomes[index] = "placed"
        except OutOfStock as refused:
            outcomes[index] = str(refused)

    run_together(2, place)

    assert sorted(outcomes) == [
        "Not enough stock of TEE-M: 8 ordered, 0 available in all warehouses.",
        "placed",
    ]
    statuses = sorted(d.__class__.objects.get(pk=d.pk).status for d in drafts)
    assert statuses == [OrderStatus.DRAFT, OrderStatus.PLACED]
    assert (stock_of(shop.tee, shop.main), stock_of(shop.tee, shop.east)) == ((5, 5), (3, 3))
    assert sum(LineAllocation.objects.values_list("quantity", flat=True)) == 8
    output = StringIO()
    call_command("check_stock_integrity", stdout=output)
    assert "match the ledger" in output.getvalue()


def pause_after_first_stock_move(monkeypatch, names):
    """Make each thread wait for the other after its first stock move, so both are inside
    their transactions, holding their first locks, before either takes a second one. A thread
    that cannot get there (it waits on a lock the other holds) lets the other go on."""
    barrier = threading.Barrier(2, timeout=3)
    moved = threading.local()

    def pausing(move):
        def wrapper(**kwargs):
            result = move(**kwargs)
            if not getattr(moved, "once", False):
                moved.once = True
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait()
            return result

        return wrapper

    for name in names:
        monkeypatch.setattr(orders_module, name, pausing(getattr(orders_module, name)))


def test_placing_and_cancelling_the_same_variants_at_once_never_deadlock(shop, monkeypatch):
    """Placing allocates the tee then the mug; cancelling an order whose lines list the mug
    first releases them too. Both lock every stock row of their variants up front, in one
    order, so neither can hold one row while waiting for the other's."""
    placed = shop.placed((shop.mug, 1), (shop.tee, 1))
    draft = shop.draft((shop.tee, 1), (shop.mug, 1))
    pause_after_first_stock_move(monkeypatch, ["stock_allocate", "stock_release"])
    steps = [
        lambda: order_cancel(order=placed, actor=SYSTEM),
        lambda: order_place(order=draft, actor=SYSTEM),
    ]

    run_together(2, lambda which: steps[which]())

    assert Order.objects.get(pk=placed.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=draft.pk).status == OrderStatus.PLACED
    assert stock_of(shop.mug, shop.main) == (10, 1)
