"""Refunds, invoices and credit notes through the services."""

from decimal import Decimal

import pytest
from django.db import transaction

from backoffice.exceptions import DomainError
from inventory.models import MovementReason, StockMovement
from sales.models import (
    CreditNote,
    DocumentSequence,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentState,
    Refund,
)
from sales.services import (
    RefundLineRequest,
    invoice_issue,
    order_cancel,
    order_fulfil,
    order_mark_paid,
    payment_refund,
)
from sales.services.numbering import next_document_number
from tests.sales.conftest import SYSTEM, ledger_count, stock_of


@pytest.fixture
def shipped(shop):
    """A paid order of 2 tees and 1 mug, all shipped from the main warehouse."""
    order = shop.placed((shop.tee, 2), (shop.mug, 1))
    payment = order_mark_paid(order=order, actor=SYSTEM)
    order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)
    order.refresh_from_db()
    return order, payment


def money_state(order, payment):
    order.refresh_from_db()
    payment.refresh_from_db()
    return (
        order.payment_status,
        order.amount_refunded,
        payment.amount_refunded,
        Refund.objects.count(),
        CreditNote.objects.count(),
        Invoice.objects.count(),
        ledger_count(),
        list(order.lines.values_list("quantity_cancelled", "quantity_returned")),
    )


def test_an_invoice_copies_the_order_and_numbers_gaplessly(shop):
    first = shop.placed((shop.tee, 2), (shop.mug, 1), shipping=Decimal("5"))
    second = shop.placed((shop.mug, 2))

    one = invoice_issue(order=first, actor=SYSTEM)
    two = invoice_issue(order=second, actor=SYSTEM)

    year = one.issued_at.year
    assert (one.number, two.number) == (f"INV-{year}-000001", f"INV-{year}-000002")
    assert one.total == first.total == Decimal("66.95")
    assert [(line.description, line.net, line.tax, line.total) for line in one.lines.all()] == [
        ("Linen tee — M", Decimal("39.80"), Decimal("7.96"), Decimal("47.76")),
        ("Stoneware mug — Speckled", Decimal("12.50"), Decimal("0.69"), Decimal("13.19")),
        ("Shipping", Decimal("5.00"), Decimal("1.00"), Decimal("6.00")),
    ]
    assert one.tax_breakdown() == [
        {
            "rate": Decimal("20.000"),
            "exempt": False,
            "net": Decimal("44.80"),
            "tax": Decimal("8.96"),
        },
        {
            "rate": Decimal("5.500"),
            "exempt": False,
            "net": Decimal("12.50"),
            "tax": Decimal("0.69"),
        },
    ]
    assert (one.subtotal + one.tax, one.customer_email) == (one.total, shop.customer.email)
    assert "1 Rue de la Paix" in one.billing_address


def test_an_order_is_invoiced_once_and_a_draft_never(shop):
    placed = shop.placed((shop.tee, 1))
    invoice_issue(order=placed, actor=SYSTEM)
    draft = shop.draft((shop.mug, 1))

    with pytest.raises(DomainError, match="already has invoice"):
        invoice_issue(order=placed, actor=SYSTEM)
    with pytest.raises(DomainError, match="only placed orders are invoiced"):
        invoice_issue(order=draft, actor=SYSTEM)

    assert Invoice.objects.count() == 1
    assert DocumentSequence.objects.get().last_number == 1


def test_a_rolled_back_issue_gives_its_number_back(db):
    with transaction.atomic():
        assert next_document_number(series="INV", year=2026) == (1, "INV-2026-000001")
        transaction.set_rollback(True)
    with transaction.atomic():
        assert next_document_number(series="INV", year=2026) == (1, "INV-2026-000001")
        assert next_document_number(series="INV", year=2026) == (2, "INV-2026-000002")
        assert next_document_number(series="CN", year=2026) == (1, "CN-2026-000001")
        assert next_document_number(series="INV", year=2027) == (1, "INV-2027-000001")


def test_refunding_returned_lines_restocks_them_and_issues_a_credit_note(shop, shipped):
    order, payment = shipped
    tee_line = order.lines.get(sku="TEE-M")

    refund = payment_refund(
        payment=payment,
        actor=SYSTEM,
        lines=[RefundLineRequest(line=tee_line, quantity=1, restock=True)],
        reason="Too small",
    )

    assert refund.amount == Decimal("23.88")
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (
        PaymentState.PARTIALLY_REFUNDED,
        Decimal("23.88"),
    )
    assert stock_of(shop.tee, shop.main) == (4, 0)
    back = StockMovement.objects.filter(reason=MovementReason.RETURN).get()
    assert (back.on_hand_delta, back.reference) == (1, order.number)
    tee_line.refresh_from_db()
    assert (tee_line.quantity_returned, tee_line.quantity_cancelled) == (1, 0)
    note = refund.credit_note
    assert note.invoice == order.invoice  # the order's invoice was issued first
    assert [(line.quantity, line.net, line.tax, line.total) for line in note.lines.all()] == [
        (1, Decimal("19.90"), Decimal("3.98"), Decimal("23.88"))
    ]
    assert note.number == f"CN-{note.issued_at.year}-000001"


def test_refunding_an_amount_spreads_it_over_the_invoiced_tax_rates(shipped):
    _, payment = shipped

    refund = payment_refund(payment=payment, actor=SYSTEM, amount=Decimal("10.00"))

    lines = list(refund.credit_note.lines.values_list("tax_rate", "net", "tax", "total"))
    # Invoiced: 47.76 at 20 %, 13.19 at 5.5 %; 10.00 split 7.84 / 2.16.
    assert lines == [
        (Decimal("20.000"), Decimal("6.53"), Decimal("1.31"), Decimal("7.84")),
        (Decimal("5.500"), Decimal("2.05"), Decimal("0.11"), Decimal("2.16")),
    ]
    assert refund.credit_note.total == Decimal("10.00")
    assert not StockMovement.objects.filter(reason=MovementReason.RETURN).exists()


def test_refunding_everything_marks_the_order_refunded(shipped):
    order, payment = shipped

    payment_refund(payment=payment, actor=SYSTEM)

    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentState.REFUNDED, order.total)
    assert order.status == OrderStatus.COMPLETED


def test_refunding_units_not_yet_shipped_releases_them_and_completes_the_order(shop):
    order = shop.placed((shop.tee, 6))
    payment = order_mark_paid(order=order, actor=SYSTEM)
    order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)  # 5 shipped, 1 waits in east
    line = order.lines.get()

    payment_refund(payment=payment, actor=SYSTEM, lines=[RefundLineRequest(line=line, quantity=1)])

    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.quantity_cancelled, line.quantity_returned, line.quantity_open) == (1, 0, 0)
    assert stock_of(shop.tee, shop.east) == (3, 0)
    assert (order.status, order.fulfilment_status) == (OrderStatus.COMPLETED, "fulfilled")


@pytest.mark.parametrize(
    "ask, message",
    [
        ({"amount": Decimal("1000")}, "left to refund"),
        ({"amount": Decimal("0")}, "above zero"),
        ({"lines": "three tees"}, "3 of TEE-M: 2 left to refund"),
        ({"lines": "tee and amount"}, "refund by amount without lines"),
    ],
)
def test_refusing_a_refund_changes_nothing(shipped, ask, message):
    order, payment = shipped
    tee = order.lines.get(sku="TEE-M")
    if ask.get("lines") == "three tees":
        ask = {"lines": [RefundLineRequest(line=tee, quantity=3)]}
    elif ask.get("lines") == "tee and amount":
        ask = {"lines": [RefundLineRequest(line=tee, quantity=1)], "amount": Decimal("1")}
    before = money_state(order, payment)

    with pytest.raises(DomainError, match=message):
        payment_refund(payment=payment, actor=SYSTEM, **ask)

    assert money_state(order, payment) == before


def test_nothing_is_refunded_twice(shipped):
    order, payment = shipped
    payment_refund(payment=payment, actor=SYSTEM)
    before = money_state(order, payment)

    with pytest.raises(DomainError, match=r"0\.00 of this payment is left to refund"):
        payment_refund(payment=payment, actor=SYSTEM, amount=Decimal("1"))

    assert money_state(order, payment) == before


def test_refunding_a_line_unit_by_unit_gives_back_exactly_its_total(shop):
    order = shop.placed((shop.mug, 3))  # 37.50 + 2.06 tax = 39.56: not a multiple of 3
    payment = order_mark_paid(order=order, actor=SYSTEM)
    order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)
    line = order.lines.get()

    refunds = [
        payment_refund(
            payment=payment, actor=SYSTEM, lines=[RefundLineRequest(line=line, quantity=1)]
        )
        for _ in range(3)
    ]

    assert [r.amount for r in refunds] == [Decimal("13.19"), Decimal("13.18"), Decimal("13.19")]
    assert sum(r.amount for r in refunds) == line.total
    taxes = [r.credit_note.tax for r in refunds]
    assert sum(taxes) == line.tax == Decimal("2.06")
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (PaymentState.REFUNDED, order.total)


def test_cancelling_an_invoiced_order_credits_its_invoice(shop):
    order = shop.placed((shop.tee, 1), shipping=Decimal("5"))
    invoice = invoice_issue(order=order, actor=SYSTEM)

    order_cancel(order=order, actor=SYSTEM)

    note = CreditNote.objects.get()
    assert (note.invoice, note.refund, note.reason, note.total) == (
        invoice,
        None,
        "Order cancelled",
        invoice.total,
    )
    assert list(note.lines.values_list("description", "total")) == list(
        invoice.lines.values_list("description", "total")
    )


def test_refunding_a_payment_received_twice_credits_nothing(shop):
    order = shop.placed((shop.mug, 1))
    first = order_mark_paid(order=order, actor=SYSTEM)
    # The customer also paid by card: a second payment the shop did not ask for.
    second = Payment.objects.create(
        order=order, provider="manual", status="succeeded", amount=first.amount
    )
    Order.objects.filter(pk=order.pk).update(amount_paid=first.amount * 2)
    invoice_issue(order=order, actor=SYSTEM)

    payment_refund(payment=second, actor=SYSTEM)

    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid - order.amount_refunded) == (
        PaymentState.PAID,
        order.total,
    )
    assert CreditNote.objects.count() == 0
