"""Asking Stripe for money and giving it back: payment links and refunds through the
services, with Stripe's API stubbed by `responses` and every request it received checked."""

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from backoffice.exceptions import DomainError
from integrations.stripe.client import StripeDisabled
from inventory.models import StockMovement
from inventory.services import warehouse_save
from sales.models import (
    CreditNote,
    EventKind,
    Invoice,
    LineAllocation,
    Order,
    OrderEvent,
    Payment,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
)
from sales.services import (
    RefundLineRequest,
    order_cancel,
    order_fulfil,
    order_mark_paid,
    payment_link_create,
    payment_refund,
)
from tests.integrations.conftest import (
    API,
    SECRET_KEY,
    SYSTEM,
    checkout_session,
    event,
    pay_through_stripe,
    post_signed,
    refund,
    stripe_error,
    stub_checkout_session,
    stub_session_closing,
)


def form(request) -> dict[str, str]:
    """The form-encoded body stripe-python sent."""
    return dict(parse_qsl(request.body if isinstance(request.body, str) else request.body.decode()))


def snapshot(order) -> dict:
    """Everything a payment service may write, to show that a refused call wrote nothing."""
    order = Order.objects.get(pk=order.pk)
    return {
        "order": (
            order.status,
            order.payment_status,
            order.amount_paid,
            order.amount_refunded,
            order.fulfilment_status,
        ),
        "lines": list(order.lines.values_list("quantity_cancelled", "quantity_returned")),
        "allocations": list(LineAllocation.objects.order_by("id").values_list("id", "quantity")),
        "payments": list(
            Payment.objects.order_by("id").values_list(
                "status", "amount", "amount_refunded", "payment_url"
            )
        ),
        "refunds": Refund.objects.count(),
        "refund_lines": RefundLine.objects.count(),
        "ledger": StockMovement.objects.count(),
        "invoices": Invoice.objects.count(),
        "credit_notes": CreditNote.objects.count(),
        "timeline": OrderEvent.objects.filter(order=order).count(),
        "history": (Order.history.count(), Payment.history.count(), Refund.history.count()),
    }


@pytest.fixture
def order(shop):
    """Two tees (19.90, 20 % tax) and a mug (12.50, 5.5 % tax): 60.95 EUR."""
    placed = shop.placed((shop.tee, 2), (shop.mug, 1))
    assert placed.total == Decimal("60.95")
    return placed


@pytest.fixture
def paid(client, stripe_on, stripe_api, order):
    """The order paid through Stripe (payment_intent.succeeded); returns its payment."""
    pay_through_stripe(client, stripe_api, order)
    order.refresh_from_db()
    return Payment.objects.get()


# --- payment links ----------------------------------------------------------------------------


def test_payment_link_asks_stripe_for_a_checkout_session_for_the_amount_due(
    stripe_on, stripe_api, order
):
    session = checkout_session(order=order, amount=6095, session_id="cs_test_link")
    create = stub_checkout_session(stripe_api, session)

    payment = payment_link_create(order=order, actor=SYSTEM)

    assert create.call_count == 1
    request = stripe_api.calls[0].request
    assert request.headers["Idempotency-Key"] == f"backoffice-checkout-{order.pk}-1"
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert form(request) == {
        "mode": "payment",
        "customer_email": order.customer.email,
        "client_reference_id": str(order.pk),
        "success_url": stripe_on.STRIPE_SUCCESS_URL,
        "cancel_url": stripe_on.STRIPE_CANCEL_URL,
        "metadata[order_id]": str(order.pk),
        "metadata[order_number]": order.number,
        "payment_intent_data[metadata][order_id]": str(order.pk),
        "payment_intent_data[metadata][order_number]": order.number,
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "eur",
        "line_items[0][price_data][unit_amount]": "6095",
        "line_items[0][price_data][product_data][name]": f"Order {order.number}",
    }
    payment.refresh_from_db()
    assert (
        payment.order_id,
        payment.provider,
        payment.status,
        payment.amount,
        payment.currency,
        payment.stripe_checkout_session_id,
        payment.payment_url,
        payment.stripe_payment_intent_id,
    ) == (
        order.pk,
        PaymentProvider.STRIPE,
        PaymentStatus.PENDING,
        Decimal("60.95"),
        "EUR",
        "cs_test_link",
        "https://checkout.stripe.com/c/pay/cs_test_link",
        None,
    )
    order.refresh_from_db()
    assert order.payment_status == PaymentState.PENDING
    assert list(
        order.events.filter(kind=EventKind.PAYMENT_LINK).values_list("message", "actor_name")
    ) == [("Stripe payment link for 60.95 EUR", "test")]


def test_a_new_payment_link_withdraws_the_open_one_first(stripe_on, stripe_api, order):
    first = checkout_session(order=order, amount=6095)
    stub_checkout_session(stripe_api, first)
    payment_link_create(order=order, actor=SYSTEM)
    stub_session_closing(stripe_api, first)

    payment_link_create(order=order, actor=SYSTEM)

    calls = [(call.request.method, call.request.url.split("?")[0]) for call in stripe_api.calls]
    assert calls == [
        ("POST", f"{API}/v1/checkout/sessions"),
        ("GET", f"{API}/v1/checkout/sessions/{first['id']}"),
        ("POST", f"{API}/v1/checkout/sessions/{first['id']}/expire"),
        ("POST", f"{API}/v1/checkout/sessions"),
    ]
    creates = [c for c in stripe_api.calls if c.request.url == f"{API}/v1/checkout/sessions"]
    assert [c.request.headers["Idempotency-Key"] for c in creates] == [
        f"backoffice-checkout-{order.pk}-1",
        f"backoffice-checkout-{order.pk}-2",
    ]
    assert list(order.payments.order_by("pk").values_list("status", "failure_message")) == [
        (PaymentStatus.FAILED, "Link withdrawn"),
        (PaymentStatus.PENDING, ""),
    ]


def test_marking_paid_withdraws_the_open_link(stripe_on, stripe_api, order):
    session = checkout_session(order=order, amount=6095)
    stub_checkout_session(stripe_api, session)
    link = payment_link_create(order=order, actor=SYSTEM)
    stub_session_closing(stripe_api, session)

    order_mark_paid(order=order, actor=SYSTEM, method="Cash")

    link.refresh_from_db()
    order.refresh_from_db()
    assert (link.status, order.payment_status, order.amount_paid) == (
        PaymentStatus.FAILED,
        PaymentState.PAID,
        order.total,
    )


@pytest.mark.parametrize("step", ["mark paid", "cancel"])
def test_a_link_the_customer_just_paid_blocks_mark_paid_and_cancel(
    stripe_on, stripe_api, order, step
):
    session = checkout_session(order=order, amount=6095)
    stub_checkout_session(stripe_api, session)
    payment_link_create(order=order, actor=SYSTEM)
    stub_session_closing(stripe_api, session, paid=True)
    before = snapshot(order)

    with pytest.raises(DomainError, match="has just paid order"):
        if step == "mark paid":
            order_mark_paid(order=order, actor=SYSTEM)
        else:
            order_cancel(order=order, actor=SYSTEM)

    assert snapshot(order) == before


def test_payment_link_with_stripe_off_is_refused_and_stores_nothing(stripe_off, stripe_api, order):
    before = snapshot(order)

    with pytest.raises(StripeDisabled) as refused:
        payment_link_create(order=order, actor=SYSTEM)

    assert str(refused.value) == (
        "Stripe is off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take card payments."
    )
    assert isinstance(refused.value, DomainError)
    assert snapshot(order) == before
    assert len(stripe_api.calls) == 0


def test_payment_link_refused_by_stripe_stores_nothing(stripe_on, stripe_api, order):
    stripe_error(
        stripe_api,
        "POST",
        "/v1/checkout/sessions",
        status=400,
        message="Invalid URL: An explicit scheme (such as https) must be provided.",
        type="invalid_request_error",
        param="success_url",
    )
    before = snapshot(order)

    with pytest.raises(DomainError) as refused:
        payment_link_create(order=order, actor=SYSTEM)

    assert str(refused.value) == (
        "Stripe could not create the payment page: "
        "Invalid URL: An explicit scheme (such as https) must be provided."
    )
    assert snapshot(order) == before


def test_payment_link_for_a_paid_order_is_refused_before_asking_stripe(
    stripe_on, stripe_api, order
):
    order_mark_paid(order=order, actor=SYSTEM)
    before = snapshot(order)

    with pytest.raises(DomainError) as refused:
        payment_link_create(order=order, actor=SYSTEM)

    assert str(refused.value) == f"Order {order.number} is already paid."
    assert snapshot(order) == before
    assert len(stripe_api.calls) == 0


# --- refunds through Stripe -------------------------------------------------------------------


def test_refunding_a_stripe_payment_refunds_it_at_stripe(stripe_api, paid, order):
    create = stripe_api.post(
        f"{API}/v1/refunds",
        json=refund(
            payment_intent=paid.stripe_payment_intent_id,
            amount=6095,
            status="succeeded",
            refund_id="re_test_full",
        ),
    )
    calls = len(stripe_api.calls)

    made = payment_refund(payment=paid, actor=SYSTEM, reason="Changed their mind")

    assert create.call_count == 1
    request = stripe_api.calls[calls].request
    assert request.headers["Idempotency-Key"] == f"backoffice-refund-{paid.pk}-1"
    assert form(request) == {
        "payment_intent": paid.stripe_payment_intent_id,
        "amount": "6095",
        "metadata[order_number]": order.number,
        "metadata[refund_key]": f"backoffice-refund-{paid.pk}-1",
    }
    made.refresh_from_db()
    assert (
        made.stripe_refund_id,
        made.status,
        made.amount,
        made.currency,
        made.idempotency_key,
        made.reason,
    ) == (
        "re_test_full",
        RefundStatus.SUCCEEDED,
        Decimal("60.95"),
        "EUR",
        f"backoffice-refund-{paid.pk}-1",
        "Changed their mind",
    )
    paid.refresh_from_db()
    order.refresh_from_db()
    assert (paid.amount_refunded, order.amount_refunded, order.payment_status) == (
        Decimal("60.95"),
        Decimal("60.95"),
        PaymentState.REFUNDED,
    )
    note = CreditNote.objects.get()
    assert (note.refund_id, note.total, note.invoice_id) == (
        made.pk,
        Decimal("60.95"),
        Invoice.objects.get(order=order).pk,
    )
    assert list(order.events.filter(kind=EventKind.REFUNDED).values_list("message", flat=True)) == [
        "Refunded in full: 3 unit(s) not shipped are cancelled, their stock released",
        "Refunded 60.95 EUR: Changed their mind",
    ]


def test_stripes_webhook_for_a_refund_we_made_counts_nothing_twice(client, stripe_api, paid, order):
    stripe_api.post(
        f"{API}/v1/refunds",
        json=refund(
            payment_intent=paid.stripe_payment_intent_id,
            amount=1000,
            status="succeeded",
            refund_id="re_test_ours",
        ),
    )
    payment_refund(payment=paid, actor=SYSTEM, amount=Decimal("10.00"))
    before = snapshot(order)

    response = post_signed(
        client,
        event(
            "refund.created",
            refund(
                payment_intent=paid.stripe_payment_intent_id,
                amount=1000,
                status="succeeded",
                refund_id="re_test_ours",
            ),
        ),
    )

    assert response.status_code == 200
    assert response.json() == {"received": True, "state": "processed"}
    assert snapshot(order) == before
    assert before["payments"] == [("succeeded", Decimal("60.95"), Decimal("10.00"), "")]


def test_each_refund_of_a_payment_sends_its_own_idempotency_key(stripe_api, paid, order):
    for refund_id in ("re_test_one", "re_test_two"):
        stripe_api.post(
            f"{API}/v1/refunds",
            json=refund(
                payment_intent=paid.stripe_payment_intent_id,
                amount=500,
                status="succeeded",
                refund_id=refund_id,
            ),
        )
    calls = len(stripe_api.calls)

    payment_refund(payment=paid, actor=SYSTEM, amount=Decimal("5.00"))
    payment_refund(payment=paid, actor=SYSTEM, amount=Decimal("5.00"))

    assert [call.request.headers["Idempotency-Key"] for call in stripe_api.calls[calls:]] == [
        f"backoffice-refund-{paid.pk}-1",
        f"backoffice-refund-{paid.pk}-2",
    ]
    paid.refresh_from_db()
    assert paid.amount_refunded == Decimal("10.00")


def test_a_refund_pending_at_stripe_is_recorded_but_not_settled(stripe_api, paid, order):
    stripe_api.post(
        f"{API}/v1/refunds",
        json=refund(
            payment_intent=paid.stripe_payment_intent_id,
            amount=2388,
            status="pending",
            refund_id="re_test_wait",
        ),
    )
    tee = order.lines.get(sku="TEE-M")
    ledger = StockMovement.objects.count()

    made = payment_refund(
        payment=paid, actor=SYSTEM, lines=[RefundLineRequest(line=tee, quantity=1)]
    )

    assert (made.stripe_refund_id, made.status, made.amount) == (
        "re_test_wait",
        RefundStatus.PENDING,
        Decimal("23.88"),
    )
    paid.refresh_from_db()
    order.refresh_from_db()
    assert (paid.amount_refunded, order.amount_refunded, order.payment_status) == (
        Decimal(0),
        Decimal(0),
        PaymentState.PAID,
    )
    assert CreditNote.objects.count() == 0
    tee.refresh_from_db()
    # Its units stay reserved until Stripe says the refund went through.
    assert (tee.quantity_cancelled, tee.quantity_open) == (0, 2)
    assert StockMovement.objects.count() == ledger
    assert list(made.lines.values_list("line", "quantity")) == [(tee.pk, 1)]
    assert list(order.events.filter(kind=EventKind.REFUNDED).values_list("message", flat=True)) == [
        "Refunded 23.88 EUR (pending at Stripe)"
    ]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            400,
            {"type": "invalid_request_error", "code": "charge_already_refunded"},
            "Charge ch_test_1 has already been refunded.",
        ),
        (
            402,
            {"type": "card_error", "code": "insufficient_funds"},
            "Your balance is too low to refund this payment.",
        ),
    ],
    ids=["400", "402"],
)
def test_a_refund_stripe_refuses_writes_nothing(stripe_api, paid, order, status, body, message):
    stripe_error(stripe_api, "POST", "/v1/refunds", status=status, message=message, **body)
    tee = order.lines.get(sku="TEE-M")
    before = snapshot(order)
    calls = len(stripe_api.calls)

    with pytest.raises(DomainError) as refused:
        payment_refund(
            payment=paid,
            actor=SYSTEM,
            lines=[RefundLineRequest(line=tee, quantity=2)],
            reason="Damaged",
        )

    assert str(refused.value) == f"Stripe could not refund the payment: {message}"
    assert snapshot(order) == before
    assert before["payments"] == [("succeeded", Decimal("60.95"), Decimal(0), "")]
    request = stripe_api.calls[calls].request
    assert request.headers["Idempotency-Key"] == f"backoffice-refund-{paid.pk}-1"
    assert form(request)["amount"] == "4776"


def test_a_refund_while_stripe_is_unreachable_writes_nothing(stripe_api, paid, order):
    stripe_api.post(f"{API}/v1/refunds", body=ConnectionError("connection refused"))
    before = snapshot(order)

    with pytest.raises(DomainError) as refused:
        payment_refund(payment=paid, actor=SYSTEM)

    assert str(refused.value).startswith("Stripe could not refund the payment: ")
    assert snapshot(order) == before


def test_a_refund_retried_after_a_refusal_sends_the_same_key(stripe_api, paid, order):
    stripe_error(
        stripe_api,
        "POST",
        "/v1/refunds",
        status=400,
        message="Refund amount is invalid.",
        type="invalid_request_error",
    )
    with pytest.raises(DomainError):
        payment_refund(payment=paid, actor=SYSTEM)
    stripe_api.replace(
        "POST",
        f"{API}/v1/refunds",
        json=refund(
            payment_intent=paid.stripe_payment_intent_id,
            amount=6095,
            status="succeeded",
            refund_id="re_test_retry",
        ),
    )

    made = payment_refund(payment=paid, actor=SYSTEM)

    assert [call.request.headers["Idempotency-Key"] for call in stripe_api.calls[-2:]] == [
        f"backoffice-refund-{paid.pk}-1",
        f"backoffice-refund-{paid.pk}-1",
    ]
    assert (made.stripe_refund_id, made.idempotency_key) == (
        "re_test_retry",
        f"backoffice-refund-{paid.pk}-1",
    )
    assert Refund.objects.count() == 1


def test_a_refund_stripe_reports_as_failed_writes_nothing(stripe_api, paid, order):
    stripe_api.post(
        f"{API}/v1/refunds",
        json=refund(payment_intent=paid.stripe_payment_intent_id, amount=6095, status="failed"),
    )
    before = snapshot(order)

    with pytest.raises(DomainError) as refused:
        payment_refund(payment=paid, actor=SYSTEM)

    assert str(refused.value) == "Stripe refused the refund (status failed)."
    assert snapshot(order) == before


def test_a_restock_with_no_warehouse_to_take_it_is_refused_before_asking_stripe(
    stripe_api, paid, order, shop
):
    order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)
    shop.main.is_default = False
    warehouse_save(warehouse=shop.main, actor=SYSTEM)
    tee = order.lines.get(sku="TEE-M")
    before = snapshot(order)
    calls = len(stripe_api.calls)

    with pytest.raises(DomainError) as refused:
        payment_refund(
            payment=paid,
            actor=SYSTEM,
            lines=[RefundLineRequest(line=tee, quantity=1, restock=True)],
        )

    assert str(refused.value) == "Choose the warehouse the returned units go back into."
    assert len(stripe_api.calls) == calls
    assert snapshot(order) == before


def test_a_manual_payment_is_refunded_without_asking_stripe(stripe_on, stripe_api, order):
    payment = order_mark_paid(order=order, actor=SYSTEM, method="Cash")

    made = payment_refund(payment=payment, actor=SYSTEM, amount=Decimal("5.00"))

    assert (made.status, made.stripe_refund_id, made.amount) == (
        RefundStatus.SUCCEEDED,
        None,
        Decimal("5.00"),
    )
    assert len(stripe_api.calls) == 0
