"""Orders and documents under concurrency, on PostgreSQL with real transactions."""

from io import StringIO

from django.core.management import call_command

from sales.models import Invoice, LineAllocation, OrderStatus
from sales.services import OutOfStock, invoice_issue, order_place
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
