"""Orders through their life, through the services: prices, stock, states and refusals."""

from decimal import Decimal

import pytest

from backoffice.exceptions import DomainError
from inventory.models import InventoryPolicy, MovementReason, ProductStatus, StockMovement
from sales.models import (
    EventKind,
    Fulfillment,
    FulfilmentState,
    LineAllocation,
    Order,
    OrderStatus,
    PaymentState,
)
from sales.services import (
    LineRequest,
    OrderNotCancellable,
    OrderStateError,
    OutOfStock,
    order_cancel,
    order_fulfil,
    order_lines_set,
    order_mark_paid,
    order_note_add,
    order_place,
)
from tests.conftest import set_store
from tests.factories import VariantFactory
from tests.sales.conftest import SYSTEM, ledger_count, stock_of


def snapshot(order: Order):
    """Everything a refused operation must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        order.payment_status,
        order.fulfilment_status,
        order.amount_paid,
        list(order.lines.values_list("quantity_fulfilled", "quantity_cancelled")),
        list(LineAllocation.objects.values_list("line_id", "warehouse_id", "quantity")),
        ledger_count(),
        order.payments.count(),
        Fulfillment.objects.count(),
        order.events.count(),
    )


# --- prices -------------------------------------------------------------------------------------


def test_a_draft_is_priced_per_line_with_tax_rounded_half_up_and_summed(shop):
    order = shop.draft((shop.tee, 3), (shop.mug, 1), shipping=Decimal("4.90"))

    lines = {line.sku: line for line in order.lines.all()}
    tee, mug = lines["TEE-M"], lines["MUG"]
    assert (tee.subtotal, tee.tax, tee.total) == (
        Decimal("59.70"),
        Decimal("11.94"),
        Decimal("71.64"),
    )
    # 12.50 × 5.5 % = 0.6875: rounded half-up once, on the line.
    assert (mug.subtotal, mug.tax, mug.total) == (
        Decimal("12.50"),
        Decimal("0.69"),
        Decimal("13.19"),
    )
    assert (order.subtotal, order.shipping, order.shipping_tax) == (
        Decimal("72.20"),
        Decimal("4.90"),
        Decimal("0.98"),
    )
    assert order.tax == tee.tax + mug.tax + order.shipping_tax == Decimal("13.61")
    assert order.total == tee.total + mug.total + Decimal("5.88") == Decimal("90.71")
    assert order.status == OrderStatus.DRAFT
    assert order.number == f"SO-{order.created_at.year}-{order.pk:06d}"
    assert LineAllocation.objects.count() == 0


def test_prices_that_include_tax_keep_the_total_and_take_the_tax_out(shop, settings):
    set_store(prices_include_tax=True)
    order = shop.draft((shop.tee, 1))

    line = order.lines.get()
    # 19.90 includes 20 %: tax = 19.90 × 20 / 120 = 3.3166… → 3.32.
    assert (line.subtotal, line.tax, line.total) == (
        Decimal("19.90"),
        Decimal("3.32"),
        Decimal("19.90"),
    )
    assert (order.total, order.tax, order.prices_include_tax) == (
        Decimal("19.90"),
        Decimal("3.32"),
        True,
    )


def test_a_line_discount_comes_off_before_tax(shop):
    order = shop.draft()
    order_lines_set(
        order=order,
        lines=[LineRequest(variant=shop.tee, quantity=2, discount=Decimal("4.80"))],
        actor=SYSTEM,
    )

    line = order.lines.get()
    assert (line.subtotal, line.discount, line.tax, line.total) == (
        Decimal("39.80"),
        Decimal("4.80"),
        Decimal("7.00"),
        Decimal("42.00"),
    )


def test_bad_lines_are_refused_and_the_draft_keeps_its_lines(shop):
    order = shop.draft((shop.tee, 1))
    bad = [
        [LineRequest(variant=shop.tee, quantity=0)],
        [LineRequest(variant=shop.tee, quantity=1), LineRequest(variant=shop.tee, quantity=2)],
        [LineRequest(variant=shop.tee, quantity=1, discount=Decimal("25"))],
    ]
    for lines in bad:
        with pytest.raises(DomainError):
            order_lines_set(order=order, lines=lines, actor=SYSTEM)

    order.refresh_from_db()
    assert list(order.lines.values_list("sku", "quantity")) == [("TEE-M", 1)]
    assert order.total == Decimal("23.88")


# --- placing ------------------------------------------------------------------------------------


def test_placing_allocates_the_default_warehouse_first_then_the_others(shop):
    order = shop.placed((shop.tee, 6), (shop.mug, 2))

    assert order.status == OrderStatus.PLACED and order.placed_at is not None
    assert stock_of(shop.tee, shop.main) == (5, 5)
    assert stock_of(shop.tee, shop.east) == (3, 1)
    assert stock_of(shop.mug, shop.main) == (10, 2)
    allocations = LineAllocation.objects.order_by("line__position", "warehouse__code")
    assert [(a.line.sku, a.warehouse.code, a.quantity) for a in allocations] == [
        ("TEE-M", "east", 1),
        ("TEE-M", "main", 5),
        ("MUG", "main", 2),
    ]
    movements = StockMovement.objects.filter(reason=MovementReason.ALLOCATION)
    assert sorted(movements.values_list("reference", "allocated_delta")) == [
        (order.number, 1),
        (order.number, 2),
        (order.number, 5),
    ]
    assert order.events.filter(kind=EventKind.PLACED).count() == 1
    assert order.history.first().history_change_reason == "Placed (test (System))"


def test_placing_re_prices_from_the_catalog(shop):
    order = shop.draft((shop.tee, 1))
    shop.tee.price = Decimal("25.00")
    shop.tee.save()

    order = order_place(order=order, actor=SYSTEM)

    line = order.lines.get()
    assert (line.unit_price, line.total, order.total) == (
        Decimal("25.00"),
        Decimal("30.00"),
        Decimal("30.00"),
    )


def test_placing_more_than_all_warehouses_hold_changes_nothing(shop):
    order = shop.draft((shop.mug, 2), (shop.tee, 9))
    before = snapshot(order)

    with pytest.raises(OutOfStock) as refused:
        order_place(order=order, actor=SYSTEM)

    assert str(refused.value) == (
        "Not enough stock of TEE-M: 9 ordered, 8 available in all warehouses."
    )
    assert snapshot(order) == before
    assert stock_of(shop.mug, shop.main) == (10, 0)


def test_a_backorder_variant_is_allocated_beyond_stock_in_the_default_warehouse(shop):
    shop.mug.inventory_policy = InventoryPolicy.CONTINUE
    from inventory.services import variant_save

    variant_save(variant=shop.mug, actor=SYSTEM)
    shop.placed((shop.mug, 12))

    assert stock_of(shop.mug, shop.main) == (10, 12)


@pytest.mark.parametrize("what", ["draft product", "inactive variant", "no lines"])
def test_what_cannot_be_sold_is_refused_at_placing(shop, what):
    if what == "no lines":
        order = shop.draft()
    else:
        variant = VariantFactory(product__status=ProductStatus.DRAFT)
        if what == "inactive variant":
            variant = VariantFactory(active=False)
        order = shop.draft((variant, 1))
    before = snapshot(order)

    with pytest.raises(DomainError):
        order_place(order=order, actor=SYSTEM)

    assert snapshot(order) == before


def test_an_order_is_placed_once(shop):
    order = shop.placed((shop.tee, 1))
    before = snapshot(order)

    with pytest.raises(OrderStateError, match="is placed: it cannot be placed"):
        order_place(order=order, actor=SYSTEM)

    assert snapshot(order) == before


# --- paying and shipping -----------------------------------------------------------------------


def test_marking_paid_records_a_manual_payment_once(shop):
    order = shop.placed((shop.tee, 1))

    payment = order_mark_paid(order=order, actor=SYSTEM, method="Bank transfer", reference="TR-9")
    order.refresh_from_db()
    assert (payment.provider, payment.status, payment.amount) == (
        "manual",
        "succeeded",
        Decimal("23.88"),
    )
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("23.88"))

    before = snapshot(order)
    with pytest.raises(OrderStateError, match="already paid"):
        order_mark_paid(order=order, actor=SYSTEM)
    assert snapshot(order) == before


def test_a_draft_cannot_be_paid_or_shipped(shop):
    order = shop.draft((shop.tee, 1))
    before = snapshot(order)

    with pytest.raises(OrderStateError):
        order_mark_paid(order=order, actor=SYSTEM)
    with pytest.raises(OrderStateError):
        order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)

    assert snapshot(order) == before


def test_fulfilling_ships_through_the_ledger_warehouse_by_warehouse(shop):
    order = shop.placed((shop.tee, 6))
    order_mark_paid(order=order, actor=SYSTEM)

    first = order_fulfil(
        order=order, warehouse=shop.main, actor=SYSTEM, carrier="La Poste", tracking_number="LP1"
    )
    order.refresh_from_db()
    assert (order.status, order.fulfilment_status) == (
        OrderStatus.PLACED,
        FulfilmentState.PARTIAL,
    )
    assert list(first.lines.values_list("quantity", flat=True)) == [5]
    assert stock_of(shop.tee, shop.main) == (0, 0)

    order_fulfil(order=order, warehouse="east", actor=SYSTEM)
    order.refresh_from_db()
    assert (order.status, order.fulfilment_status) == (
        OrderStatus.COMPLETED,
        FulfilmentState.FULFILLED,
    )
    assert stock_of(shop.tee, shop.east) == (2, 0)
    shipments = StockMovement.objects.filter(reason=MovementReason.SHIPMENT)
    assert sorted(shipments.values_list("warehouse__code", "on_hand_delta", "reference")) == [
        ("east", -1, order.number),
        ("main", -5, order.number),
    ]


def test_fulfilling_more_than_ordered_or_held_there_is_refused(shop):
    order = shop.placed((shop.tee, 6))
    line = order.lines.get()
    before = snapshot(order)

    with pytest.raises(DomainError, match="6 left to ship"):
        order_fulfil(order=order, warehouse=shop.main, quantities={line.pk: 7}, actor=SYSTEM)
    with pytest.raises(DomainError, match="1 allocated there"):
        order_fulfil(order=order, warehouse=shop.east, quantities={line.pk: 2}, actor=SYSTEM)
    with pytest.raises(DomainError, match="not a line of order"):
        order_fulfil(order=order, warehouse=shop.main, quantities={line.pk + 99: 1}, actor=SYSTEM)

    assert snapshot(order) == before


# --- cancelling and notes -----------------------------------------------------------------------


def test_cancelling_releases_every_allocation(shop):
    order = shop.placed((shop.tee, 6), (shop.mug, 1))

    order_cancel(order=order, actor=SYSTEM, reason="Customer changed their mind")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert (stock_of(shop.tee, shop.main), stock_of(shop.tee, shop.east)) == ((5, 0), (3, 0))
    assert stock_of(shop.mug, shop.main) == (10, 0)
    assert LineAllocation.objects.count() == 0
    assert order.events.first().message == "Cancelled: Customer changed their mind"


def test_a_shipped_or_paid_order_is_not_cancellable(shop):
    shipped = shop.placed((shop.tee, 1))
    order_fulfil(order=shipped, warehouse=shop.main, actor=SYSTEM)
    paid = shop.placed((shop.mug, 1))
    order_mark_paid(order=paid, actor=SYSTEM)
    before = (snapshot(shipped), snapshot(paid))

    with pytest.raises(OrderNotCancellable, match="has shipped"):
        order_cancel(order=shipped, actor=SYSTEM)
    with pytest.raises(OrderNotCancellable, match="refund it before cancelling"):
        order_cancel(order=paid, actor=SYSTEM)

    assert (snapshot(shipped), snapshot(paid)) == before


def test_notes_are_kept_with_their_visibility_and_empty_ones_refused(shop):
    order = shop.placed((shop.tee, 1))

    order_note_add(order=order, body="Gift wrap, please", visibility="customer", actor=SYSTEM)
    with pytest.raises(DomainError, match="needs some text"):
        order_note_add(order=order, body="  ", actor=SYSTEM)

    assert list(order.notes.values_list("body", "visibility", "author")) == [
        ("Gift wrap, please", "customer", "test (System)")
    ]
