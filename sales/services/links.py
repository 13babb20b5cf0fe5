"""Stripe payment links of an order: at most one open at a time."""

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from integrations.stripe import client as stripe_client
from sales.models import Order, PaymentProvider, PaymentState, PaymentStatus


def payment_links_withdraw(*, order: Order, actor: Actor) -> int:
    """Close the order's open Stripe payment pages (the order row is locked by the caller).
    Refuses when Stripe says the customer has just paid one: its payment is on its way."""
    pending = order.payments.select_for_update().filter(
        provider=PaymentProvider.STRIPE, status=PaymentStatus.PENDING
    )
    withdrawn = 0
    for payment in pending:
        if payment.stripe_checkout_session_id and stripe_client.is_enabled():
            status = stripe_client.checkout_session_close(payment.stripe_checkout_session_id)
            if status == "complete":
                raise DomainError(
                    f"The customer has just paid order {order.number} through its payment "
                    "link; Stripe's confirmation is on its way. Try again in a minute."
                )
        payment.status, payment.failure_message = PaymentStatus.FAILED, "Link withdrawn"
        save_with_reason(payment, actor, "Payment link withdrawn")
        withdrawn += 1
    if withdrawn and order.payment_status == PaymentState.PENDING:
        order.payment_status = PaymentState.UNPAID
    return withdrawn
