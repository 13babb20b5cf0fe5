"""Money into an order: manual payments and Stripe payment links.

At most one payment link is open per order: a new link, a manual payment and a cancellation
first withdraw the open one at Stripe, so a customer can never pay an order twice or pay a
cancelled one by following an old link.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.history import save_with_reason
from integrations.stripe import client as stripe_client
from sales.models import (
    EventKind,
    Order,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
)
from sales.services.links import payment_links_withdraw
from sales.services.orders import OrderStateError, refresh_progress
from sales.services.timeline import order_event_record

SETTLED = (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)


def locked_order(order_id: int) -> Order:
    return Order.objects.select_for_update().select_related("customer").get(pk=order_id)


def _payable(order: Order, doing: str) -> Decimal:
    """The amount due on an order that may take a payment now."""
    if order.status not in (OrderStatus.PLACED, OrderStatus.COMPLETED):
        state = order.get_status_display().lower()
        raise OrderStateError(f"Order {order.number} is {state}: it cannot be {doing}.")
    due = order.total - order.amount_paid
    if order.payment_status in SETTLED or due <= 0:
        raise OrderStateError(f"Order {order.number} is already paid.")
    return due


def payment_received(*, order: Order, payment: Payment, actor: Actor) -> None:
    """Count a succeeded payment on its (locked) order."""
    order.amount_paid += payment.amount
    if order.amount_paid >= order.total:
        order.payment_status, order.paid_at = PaymentState.PAID, payment.captured_at
    refresh_progress(order)
    save_with_reason(order, actor, "Payment received")
    message = f"{payment.get_provider_display()} payment of {payment.amount} {payment.currency}"
    if payment.method:
        message += f" ({payment.method})"
    if order.status == OrderStatus.CANCELLED:
        message += " on a cancelled order: refund it"
    order_event_record(order=order, kind=EventKind.PAID, message=message, actor=actor)


@transaction.atomic
def order_mark_paid(
    *, order: Order, actor: Actor, method: str = "", reference: str = ""
) -> Payment:
    """Record that the amount due was paid outside Stripe (bank transfer, cash, …)."""
    order = locked_order(order.pk)
    due = _payable(order, "paid")
    payment_links_withdraw(order=order, actor=actor)
    payment = Payment(
        order=order,
        provider=PaymentProvider.MANUAL,
        status=PaymentStatus.SUCCEEDED,
        amount=due,
        currency=order.currency,
        method=method.strip(),
        reference=reference.strip(),
        captured_at=timezone.now(),
    )
    save_with_reason(payment, actor, "Manual payment recorded")
    payment_received(order=order, payment=payment, actor=actor)
    return payment


@transaction.atomic
def payment_link_create(*, order: Order, actor: Actor) -> Payment:
    """A Stripe payment page for the amount due (replacing any open one): a pending payment
    with its link."""
    order = locked_order(order.pk)
    due = _payable(order, "paid")
    payment_links_withdraw(order=order, actor=actor)
    attempt = order.payments.filter(provider=PaymentProvider.STRIPE).count() + 1
    link = stripe_client.checkout_session_create(
        order_id=order.pk,
        order_number=order.number,
        amount=due,
        currency=order.currency,
        customer_email=order.customer.email,
        success_url=settings.STRIPE_SUCCESS_URL,
        cancel_url=settings.STRIPE_CANCEL_URL,
        idempotency_key=f"backoffice-checkout-{order.pk}-{attempt}",
    )
    payment = Payment(
        order=order,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.PENDING,
        amount=due,
        currency=order.currency,
        stripe_checkout_session_id=link.session_id,
        payment_url=link.url,
    )
    save_with_reason(payment, actor, "Payment link created")
    order.payment_status = PaymentState.PENDING
    save_with_reason(order, actor, "Payment link sent")
    order_event_record(
        order=order,
        kind=EventKind.PAYMENT_LINK,
        message=f"Stripe payment link for {due} {order.currency}",
        actor=actor,
    )
    return payment
