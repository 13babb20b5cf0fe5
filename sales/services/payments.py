"""Money in and out of an order: manual payments, Stripe payment links, refunds.

A refund through Stripe is asked of Stripe inside the transaction that records it, with the
payment row locked and an idempotency key made of the payment and the refund's rank
(`backoffice-refund-<payment>-<n>`): if Stripe refuses, nothing is written here; if our
commit fails after Stripe said yes, asking again sends the same key and Stripe answers with
the refund it already made instead of paying twice.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from integrations.stripe import client as stripe_client
from inventory.models import MovementReason, Warehouse
from inventory.services import stock_adjust
from sales.models import (
    EventKind,
    Invoice,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
)
from sales.services.documents import credit_note_issue, invoice_issue
from sales.services.orders import (
    OrderStateError,
    refresh_progress,
    release_line_allocations,
)
from sales.services.pricing import ZERO, money, share
from sales.services.timeline import order_event_record

SETTLED = (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)


def _locked_order(order_id: int) -> Order:
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
    order_event_record(
        order=order,
        kind=EventKind.PAID,
        message=f"{payment.get_provider_display()} payment of {payment.amount} {payment.currency}"
        + (f" ({payment.method})" if payment.method else ""),
        actor=actor,
    )


@transaction.atomic
def order_mark_paid(
    *, order: Order, actor: Actor, method: str = "", reference: str = ""
) -> Payment:
    """Record that the amount due was paid outside Stripe (bank transfer, cash, …)."""
    order = _locked_order(order.pk)
    due = _payable(order, "paid")
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
    """A Stripe payment page for the amount due: a pending payment with its link."""
    order = _locked_order(order.pk)
    due = _payable(order, "paid")
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


# --- refunds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundLineRequest:
    """Units of a line to refund. Units not shipped yet are cancelled (their stock released);
    shipped ones come back, into `warehouse` (default: the default one) when `restock`."""

    line: OrderLine
    quantity: int
    restock: bool = False
    warehouse: Warehouse | None = None


@dataclass(frozen=True)
class PlannedRefundLine:
    request: RefundLineRequest
    line: OrderLine
    cancelled: int
    returned: int
    amount: Decimal


def _plan_lines(order: Order, requests: list[RefundLineRequest]) -> list[PlannedRefundLine]:
    lines = {line.pk: line for line in order.lines.select_related("variant")}
    planned = []
    for request in requests:
        line = lines.get(request.line.pk)
        if line is None:
            raise DomainError(f"{request.line} is not a line of order {order.number}.")
        quantity = request.quantity
        left = line.quantity - line.quantity_refunded
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise DomainError(f"{line.sku or line.title}: {quantity!r} is not a quantity.")
        if quantity > left:
            raise DomainError(
                f"Cannot refund {quantity} of {line.sku or line.title}: {left} left to refund."
            )
        cancelled = min(quantity, line.quantity_open)
        if (
            request.restock
            and quantity > cancelled
            and request.warehouse is None
            and not Warehouse.objects.filter(is_default=True).exists()
        ):  # refused before any money moves (at Stripe, the refund could not be undone)
            raise DomainError("Choose the warehouse the returned units go back into.")
        planned.append(
            PlannedRefundLine(
                request=request,
                line=line,
                cancelled=cancelled,
                returned=quantity - cancelled,
                amount=share(line.total, quantity, line.quantity),
            )
        )
    return planned


def _refund_amount(payment: Payment, amount, planned: list[PlannedRefundLine]) -> Decimal:
    lines_value = sum((item.amount for item in planned), ZERO)
    if planned and amount is not None and money(amount) != lines_value:
        raise DomainError(
            f"A refund by lines gives back their value, {lines_value}; to refund another "
            "amount, refund by amount without lines."
        )
    amount = lines_value if planned else money(amount if amount is not None else payment.refundable)
    if amount <= 0:
        raise DomainError(f"A refund must be above zero, not {amount}.")
    if amount > payment.refundable:
        raise DomainError(
            f"Cannot refund {amount} {payment.currency}: {payment.refundable} of this payment "
            "is left to refund."
        )
    return amount


def _ask_stripe(refund: Refund, payment: Payment) -> None:
    result = stripe_client.refund_create(
        payment_intent_id=payment.stripe_payment_intent_id,
        amount=refund.amount,
        currency=refund.currency,
        idempotency_key=refund.idempotency_key,
        metadata={"order_number": refund.order.number, "refund_key": refund.idempotency_key},
    )
    if result.status in ("failed", "canceled"):
        raise stripe_client.StripeError(f"Stripe refused the refund (status {result.status}).")
    refund.stripe_refund_id = result.refund_id
    refund.status = RefundStatus.SUCCEEDED if result.status == "succeeded" else RefundStatus.PENDING


def _apply_lines(refund: Refund, planned: list[PlannedRefundLine], actor: Actor) -> None:
    order = refund.order
    default = Warehouse.objects.filter(is_default=True).first()
    for item in planned:
        line, restock = item.line, item.request.restock and item.returned > 0
        warehouse = (item.request.warehouse or default) if restock else None
        if restock and warehouse is None:
            raise DomainError("Choose the warehouse the returned units go back into.")
        RefundLine.objects.create(
            refund=refund,
            line=line,
            quantity=item.request.quantity,
            amount=item.amount,
            restock=restock,
            warehouse=warehouse,
        )
        if item.cancelled:
            release_line_allocations(line, item.cancelled, actor, order.number)
        if restock:
            stock_adjust(
                variant=line.variant,
                warehouse=warehouse,
                delta=item.returned,
                reason=MovementReason.RETURN,
                actor=actor,
                reference=order.number,
            )
        line.quantity_cancelled += item.cancelled
        line.quantity_returned += item.returned
        line.save(update_fields=["quantity_cancelled", "quantity_returned"])


def refund_settle(*, refund: Refund, actor: Actor) -> None:
    """Count a succeeded refund on its payment and order, and issue its credit note (the
    order's invoice first, if it has none yet). Rows must be locked by the caller."""
    payment, order = refund.payment, refund.order
    payment.amount_refunded += refund.amount
    save_with_reason(payment, actor, "Refunded")
    order.amount_refunded += refund.amount
    fully = order.amount_refunded >= order.amount_paid
    order.payment_status = PaymentState.REFUNDED if fully else PaymentState.PARTIALLY_REFUNDED
    refresh_progress(order)
    save_with_reason(order, actor, f"Refunded {refund.amount}")
    invoice = Invoice.objects.filter(order=order).first() or invoice_issue(order=order, actor=actor)
    credit_note_issue(refund=refund, invoice=invoice, actor=actor)


@transaction.atomic
def payment_refund(
    *,
    payment: Payment,
    actor: Actor,
    amount: Decimal | None = None,
    lines: list[RefundLineRequest] = (),
    reason: str = "",
) -> Refund:
    """Give money back: the whole payment, an amount, or the value of some lines' units.
    Through Stripe for a Stripe payment; all or nothing."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    order = _locked_order(payment.order_id)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise DomainError(
            f"This payment is {payment.get_status_display().lower()}: nothing to refund."
        )
    planned = _plan_lines(order, list(lines))
    refund = Refund(
        payment=payment,
        order=order,
        amount=_refund_amount(payment, amount, planned),
        currency=payment.currency,
        reason=reason.strip(),
        idempotency_key=f"backoffice-refund-{payment.pk}-{payment.refunds.count() + 1}",
        created_by=str(actor),
        status=RefundStatus.SUCCEEDED,
    )
    payment.order = order  # the locked copy, so settling updates what we hold
    if payment.provider == PaymentProvider.STRIPE:
        _ask_stripe(refund, payment)
    save_with_reason(refund, actor, "Refund")
    _apply_lines(refund, planned, actor)
    state = "" if refund.status == RefundStatus.SUCCEEDED else " (pending at Stripe)"
    order_event_record(
        order=order,
        kind=EventKind.REFUNDED,
        message=f"Refunded {refund.amount} {refund.currency}{state}"
        + (f": {refund.reason}" if refund.reason else ""),
        actor=actor,
    )
    if refund.status == RefundStatus.SUCCEEDED:
        refund_settle(refund=refund, actor=actor)
    else:
        refresh_progress(order)
        save_with_reason(order, actor, "Refund requested")
    return refund
