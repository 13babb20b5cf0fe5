"""What Stripe tells us about payments, applied to orders. Called by the webhook handlers,
once per event; each is safe to run again and ignores news older than what it has applied
(Stripe does not promise to deliver events in order)."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from integrations.stripe.client import PaymentFacts
from sales.models import (
    EventKind,
    Order,
    Payment,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from sales.services.payments import payment_received
from sales.services.refunds import refund_settle
from sales.services.timeline import order_event_record

STRIPE = Actor.system("Stripe")


def _is_stale(payment: Payment, occurred_at: datetime) -> bool:
    return payment.provider_updated_at is not None and occurred_at < payment.provider_updated_at


def _payment_for(facts: PaymentFacts, *, lock: bool) -> Payment | None:
    """The payment this PaymentIntent pays: known by its id, or the order's open link."""
    payments = Payment.objects.select_for_update() if lock else Payment.objects.all()
    payment = payments.filter(stripe_payment_intent_id=facts.payment_intent_id).first()
    if payment is not None or facts.order_id is None:
        return payment
    return (
        payments.filter(
            order_id=facts.order_id,
            provider=PaymentProvider.STRIPE,
            status=PaymentStatus.PENDING,
            stripe_payment_intent_id__isnull=True,
        )
        .order_by("-id")
        .first()
    )


def _locked_order_and_payment(facts: PaymentFacts) -> tuple[Order | None, Payment | None]:
    """Lock the order first, then find its payment (the order every service locks them in;
    a second delivery racing this one waits here and then finds the payment done)."""
    seen = _payment_for(facts, lock=False)
    order_id = seen.order_id if seen is not None else facts.order_id
    order = Order.objects.select_for_update().filter(pk=order_id).first() if order_id else None
    return order, _payment_for(facts, lock=True) if order else None


@transaction.atomic
def stripe_payment_succeeded(*, facts: PaymentFacts, occurred_at: datetime) -> Payment:
    order, payment = _locked_order_and_payment(facts)
    if order is None:
        raise DomainError(f"PaymentIntent {facts.payment_intent_id} names no known order.")
    if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
        return payment  # already counted
    payment = payment or Payment(order=order, provider=PaymentProvider.STRIPE)
    payment.status = PaymentStatus.SUCCEEDED
    payment.amount, payment.currency, payment.fee = facts.amount, facts.currency, facts.fee
    payment.stripe_payment_intent_id, payment.stripe_charge_id = (
        facts.payment_intent_id,
        facts.charge_id,
    )
    payment.method, payment.captured_at = facts.method, occurred_at
    payment.provider_updated_at, payment.failure_message = occurred_at, ""
    save_with_reason(payment, STRIPE, "Payment succeeded")
    if order.payment_status in (PaymentState.PAID, PaymentState.REFUNDED):
        order_event_record(
            order=order,
            kind=EventKind.PAID,
            message=f"Stripe payment of {payment.amount} on an order already paid: refund one",
            actor=STRIPE,
        )
    payment_received(order=order, payment=payment, actor=STRIPE)
    return payment


@transaction.atomic
def stripe_payment_failed(
    *, payment_intent_id: str, order_id: int | None, message: str, occurred_at: datetime
) -> None:
    facts = PaymentFacts(payment_intent_id, "failed", Decimal(0), "", "", None, order_id, "")
    order, payment = _locked_order_and_payment(facts)
    if (
        order is None
        or payment is None
        or payment.status == PaymentStatus.SUCCEEDED
        or _is_stale(payment, occurred_at)
    ):
        return  # nothing pending to fail, or the news is older than what we know
    payment.status, payment.failure_message = PaymentStatus.FAILED, message[:500]
    payment.stripe_payment_intent_id, payment.provider_updated_at = payment_intent_id, occurred_at
    save_with_reason(payment, STRIPE, "Payment failed")
    if order.payment_status == PaymentState.PENDING:
        order.payment_status = PaymentState.UNPAID
        save_with_reason(order, STRIPE, "Payment failed")
    order_event_record(
        order=order,
        kind=EventKind.PAYMENT_FAILED,
        message=f"Stripe payment failed: {message}" if message else "Stripe payment failed",
        actor=STRIPE,
    )


def _refund_made_at_stripe(payment: Payment, refund_id: str, amount: Decimal) -> Refund:
    """A refund someone made in Stripe's dashboard: recorded so the books agree."""
    refund = Refund(
        payment=payment,
        order=payment.order,
        amount=amount,
        currency=payment.currency,
        reason="Refunded in Stripe",
        stripe_refund_id=refund_id,
        idempotency_key=f"stripe-{refund_id}",
        created_by=str(STRIPE),
        status=RefundStatus.PENDING,
    )
    save_with_reason(refund, STRIPE, "Refund made in Stripe")
    return refund


@transaction.atomic
def stripe_refund_updated(
    *, refund_id: str, status: str, amount: Decimal, payment: Payment
) -> Refund | None:
    """Bring a refund to Stripe's status: settle it when it succeeded, mark it failed."""
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    payment.order = order
    refund = Refund.objects.select_for_update().filter(stripe_refund_id=refund_id).first()
    if refund is None and status in ("failed", "canceled"):
        return None
    refund = refund or _refund_made_at_stripe(payment, refund_id, amount)
    refund.payment, refund.order = payment, payment.order
    if refund.status != RefundStatus.PENDING:
        return refund  # already final: Stripe's later news changes nothing here
    if status == "succeeded":
        refund.status = RefundStatus.SUCCEEDED
        save_with_reason(refund, STRIPE, "Refund succeeded")
        refund_settle(refund=refund, actor=STRIPE)
        message = f"Stripe refund of {refund.amount} {refund.currency} succeeded"
    elif status in ("failed", "canceled"):
        refund.status = RefundStatus.FAILED
        save_with_reason(refund, STRIPE, "Refund failed")
        message = f"Stripe refund of {refund.amount} {refund.currency} {status}"
    else:
        return refund
    order_event_record(
        order=payment.order, kind=EventKind.REFUND_UPDATED, message=message, actor=STRIPE
    )
    return refund


@transaction.atomic
def stripe_dispute_opened(*, payment: Payment, amount: Decimal, reason: str) -> None:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.disputed:
        return
    payment.disputed = True
    save_with_reason(payment, STRIPE, "Dispute opened")
    order_event_record(
        order=payment.order,
        kind=EventKind.DISPUTE,
        message=f"Dispute opened at Stripe for {amount} {payment.currency}"
        + (f" ({reason})" if reason else ""),
        actor=STRIPE,
    )
