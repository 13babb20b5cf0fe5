"""Money back out of an order: refunds of a whole payment, an amount, or lines' units.

Everything that could refuse is checked and written before Stripe is asked, and Stripe is
asked last, inside the same transaction, with the payment row locked and an idempotency key
made of the payment and the refund's rank (`backoffice-refund-<payment>-<n>`): if Stripe
refuses, nothing is written here; if our commit failed after Stripe said yes, asking again
sends the same key and Stripe answers with the refund it already made instead of paying twice.

A refund's effects — units released or returned to stock, the amounts refunded, the credit
note — happen when it succeeds: at once for a manual payment or an immediate Stripe refund,
or when Stripe's webhook says a pending one succeeded.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.db import transaction
from django.db.models import Sum

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from backoffice.money import format_money
from integrations.stripe import client as stripe_client
from inventory.models import MovementReason, Warehouse
from inventory.services import stock_adjust, stock_levels_lock
from reporting.rollups import refresh_after_commit
from sales.models import (
    CreditNote,
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
from sales.services.orders import refresh_progress, release_line_allocations
from sales.services.payments import locked_order
from sales.services.pricing import ZERO, money, share
from sales.services.timeline import order_event_record


@dataclass(frozen=True)
class RefundLineRequest:
    """Units of a line to refund. Units not shipped yet are cancelled (their stock released);
    shipped ones come back, into `warehouse` (default: the default one) when `restock`."""

    line: OrderLine
    quantity: int
    restock: bool = False
    warehouse: Warehouse | None = None


def _refunded_units(order: Order) -> dict[int, int]:
    """Units of each line already refunded or waiting on a pending refund."""
    rows = (
        RefundLine.objects.filter(line__order=order)
        .exclude(refund__status=RefundStatus.FAILED)
        .values("line")
        .annotate(units=Sum("quantity"))
    )
    return {row["line"]: row["units"] for row in rows}


def _planned_line(line: OrderLine, request: RefundLineRequest, done: int) -> RefundLine:
    quantity = request.quantity
    label = line.sku or line.title
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise DomainError(f"{label}: {quantity!r} is not a quantity.")
    if quantity > line.quantity - done:
        raise DomainError(
            f"Cannot refund {quantity} of {label}: {line.quantity - done} left to refund."
        )
    warehouse = request.warehouse if request.restock else None
    if request.restock and warehouse is None:
        warehouse = Warehouse.objects.filter(is_default=True).first()
        if warehouse is None:
            raise DomainError("Choose the warehouse the returned units go back into.")
    # Shares of the line's total and tax counted from the first unit, so refunding a line
    # unit by unit gives back exactly its total: the roundings cancel out.
    currency = line.order.currency
    amount = share(line.total, done + quantity, line.quantity, currency) - share(
        line.total, done, line.quantity, currency
    )
    tax = share(line.tax, done + quantity, line.quantity, currency) - share(
        line.tax, done, line.quantity, currency
    )
    return RefundLine(
        line=line,
        quantity=quantity,
        amount=amount,
        tax=tax,
        restock=request.restock,
        warehouse=warehouse,
    )


def _plan_lines(order: Order, requests: list[RefundLineRequest]) -> list[RefundLine]:
    lines = {line.pk: line for line in order.lines.all()}
    refunded = _refunded_units(order)
    planned = []
    for request in requests:
        line = lines.get(request.line.pk)
        if line is None:
            raise DomainError(f"{request.line} is not a line of order {order.number}.")
        planned.append(_planned_line(line, request, refunded.get(line.pk, 0)))
        refunded[line.pk] = refunded.get(line.pk, 0) + request.quantity
    return planned


def _refund_amount(payment: Payment, amount, planned: list[RefundLine]) -> Decimal:
    currency = payment.currency
    lines_value = sum((line.amount for line in planned), ZERO)
    if planned and amount is not None and money(amount, currency) != lines_value:
        raise DomainError(
            f"A refund by lines gives back their value, {lines_value}; to refund another "
            "amount, refund by amount without lines."
        )
    if not planned:
        amount = money(amount if amount is not None else payment.refundable, currency)
    else:
        amount = lines_value
    if amount <= 0:
        raise DomainError(f"A refund must be above zero, not {amount}.")
    if amount > payment.refundable:
        raise DomainError(
            f"Cannot refund {amount} {payment.currency}: {payment.refundable} of this payment "
            "is left to refund."
        )
    return amount


def _ask_stripe(refund: Refund, payment: Payment) -> None:
    if not payment.stripe_payment_intent_id:
        raise DomainError(
            f"Payment {payment.pk} names no Stripe payment intent: refund it in Stripe's "
            "dashboard, then record the refund by hand."
        )
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


def _invoice_of(order: Order, actor: Actor) -> Invoice | None:
    """The invoice a refund's credit note goes against: the order's, issued now if it has
    none; none for an order cancelled before it was invoiced."""
    invoice = Invoice.objects.filter(order=order).first()
    if invoice is None and order.status != OrderStatus.CANCELLED:
        invoice = invoice_issue(order=order, actor=actor)
    return invoice


def _apply_lines(refund: Refund, actor: Actor) -> None:
    """Units refunded: those not shipped yet are cancelled (released), shipped ones are
    returned (and restocked when asked)."""
    order = refund.order
    refund_lines = list(refund.lines.select_related("line__variant", "warehouse"))
    stock_levels_lock(variant_ids=[item.line.variant_id for item in refund_lines])
    for item in sorted(refund_lines, key=lambda item: item.line.variant_id):
        line = OrderLine.objects.select_for_update().get(pk=item.line_id)
        cancelled = min(item.quantity, line.quantity_open)
        returned = item.quantity - cancelled
        if cancelled:
            release_line_allocations(line, cancelled, actor, order.number)
        if returned and item.restock:
            stock_adjust(
                variant=item.line.variant,
                # A restocking line always names one: _planned_line fills in the default.
                warehouse=cast(Warehouse, item.warehouse),
                delta=returned,
                reason=MovementReason.RETURN,
                actor=actor,
                reference=order.number,
            )
        line.quantity_cancelled += cancelled
        line.quantity_returned += returned
        line.save(update_fields=["quantity_cancelled", "quantity_returned"])


def _payment_state(order: Order) -> str:
    kept = order.amount_paid - order.amount_refunded
    if kept <= 0:
        return PaymentState.REFUNDED
    return PaymentState.PAID if kept >= order.total else PaymentState.PARTIALLY_REFUNDED


def _creditable(invoice: Invoice | None, invoiced: Decimal, kept: Decimal, amount) -> Decimal:
    """How much of a refund the books must credit: what takes the money kept (after the
    refund) below what is still invoiced. Refunding a payment made twice credits nothing."""
    credited = ZERO
    if invoice is not None:
        notes = CreditNote.objects.filter(invoice=invoice).aggregate(total=Sum("total"))
        credited = notes["total"] or ZERO
    return min(amount, max(invoiced - credited - kept, ZERO))


def _cancel_left_to_ship(order: Order, actor: Actor) -> int:
    """An order refunded in full ships nothing more: its units still to ship are cancelled
    and their stock released. Returns how many units were."""
    lines = [
        line
        for line in OrderLine.objects.select_for_update().filter(order=order).order_by("pk")
        if line.quantity_open
    ]
    if not lines:
        return 0
    stock_levels_lock(variant_ids=[line.variant_id for line in lines])
    units = 0
    for line in sorted(lines, key=lambda line: line.variant_id):
        left = line.quantity_open
        release_line_allocations(line, left, actor, order.number)
        line.quantity_cancelled += left
        line.save(update_fields=["quantity_cancelled"])
        units += left
    order_event_record(
        order=order,
        kind=EventKind.REFUNDED,
        message=f"Refunded in full: {units} unit(s) not shipped are cancelled, their stock "
        "released",
        actor=actor,
    )
    return units


def refund_settle(*, refund: Refund, actor: Actor) -> None:
    """A refund succeeded: apply its lines, count it, and credit the invoice. The payment and
    the order are locked by the caller and set on the refund."""
    payment, order = refund.payment, refund.order
    _apply_lines(refund, actor)
    payment.amount_refunded += refund.amount
    save_with_reason(payment, actor, "Refunded")
    order.amount_refunded += refund.amount
    order.payment_status = _payment_state(order)
    if order.payment_status == PaymentState.REFUNDED:
        _cancel_left_to_ship(order, actor)
    refresh_progress(order)
    save_with_reason(order, actor, f"Refunded {refund.amount}")
    refresh_after_commit(moment=refund.created_at, channel_id=order.channel_id)
    invoice = _invoice_of(order, actor)
    kept = order.amount_paid - order.amount_refunded
    credit = _creditable(invoice, invoice.total, kept, refund.amount) if invoice else ZERO
    if invoice is not None and credit > 0:
        credit_note_issue(refund=refund, invoice=invoice, amount=credit, actor=actor)


@dataclass(frozen=True)
class RefundPreview:
    """What a refund would do, for the page that asks to confirm it."""

    amount: Decimal
    currency: str
    credit_note: str
    stock: list[str]
    pending_at_stripe: bool


def _stock_effects(order: Order, planned: list[RefundLine], in_full: bool) -> list[str]:
    effects: list[str] = []
    cancelled: dict[int, int] = {}
    for item in planned:
        line, label = item.line, item.line.sku or item.line.title
        cancel = min(item.quantity, line.quantity_open - cancelled.get(line.pk, 0))
        cancelled[line.pk] = cancelled.get(line.pk, 0) + cancel
        back = item.quantity - cancel
        if cancel:
            effects.append(f"{cancel} × {label} not shipped yet: cancelled, stock released.")
        if back and item.restock and item.warehouse is not None:
            effects.append(f"{back} × {label} shipped: back into stock at {item.warehouse.code}.")
        elif back:
            effects.append(f"{back} × {label} shipped: not put back into stock.")
    if in_full:
        left = sum(line.quantity_open - cancelled.get(line.pk, 0) for line in order.lines.all())
        if left:
            effects.append(
                f"The order is refunded in full: the {left} other unit(s) still to ship are "
                "cancelled and their stock released."
            )
    return effects or ["Stock does not change."]


def refund_preview(
    *, payment: Payment, amount: Decimal | None = None, lines: Sequence[RefundLineRequest] = ()
) -> RefundPreview:
    """What `payment_refund` with these arguments would do, refused for the same reasons;
    writes nothing."""
    order = payment.order
    if payment.status != PaymentStatus.SUCCEEDED:
        state = payment.get_status_display().lower()
        raise DomainError(f"This payment is {state}: nothing to refund.")
    planned = _plan_lines(order, list(lines))
    total = _refund_amount(payment, amount, planned)
    kept = order.amount_paid - order.amount_refunded - total
    invoice = Invoice.objects.filter(order=order).first()
    credit = _creditable(invoice, invoice.total if invoice else order.total, kept, total)
    money_text = format_money(credit, order.currency)
    if invoice is None and order.status == OrderStatus.CANCELLED:
        note = "No credit note: the order was cancelled before it was invoiced."
    elif credit <= 0:
        note = "No credit note: what stays paid still covers what is invoiced."
    elif invoice is not None:
        note = f"A credit note of {money_text} is issued against invoice {invoice.number}."
    else:
        note = f"The order's invoice is issued, then a credit note of {money_text} against it."
    return RefundPreview(
        amount=total,
        currency=order.currency,
        credit_note=note,
        stock=_stock_effects(order, planned, in_full=kept <= 0),
        pending_at_stripe=payment.provider == PaymentProvider.STRIPE,
    )


@transaction.atomic
def payment_refund(
    *,
    payment: Payment,
    actor: Actor,
    amount: Decimal | None = None,
    lines: Sequence[RefundLineRequest] = (),
    reason: str = "",
) -> Refund:
    """Give money back: the whole payment, an amount, or the value of some lines' units.
    Through Stripe for a Stripe payment; all or nothing."""
    order = locked_order(payment.order_id)  # the order first, then its payment, always
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.SUCCEEDED:
        state = payment.get_status_display().lower()
        raise DomainError(f"This payment is {state}: nothing to refund.")
    planned = _plan_lines(order, list(lines))
    refund = Refund(
        payment=payment,
        order=order,
        amount=_refund_amount(payment, amount, planned),
        currency=payment.currency,
        reason=reason.strip(),
        idempotency_key=f"backoffice-refund-{payment.pk}-{payment.refunds.count() + 1}",
        created_by=str(actor),
        status=RefundStatus.PENDING
        if payment.provider == PaymentProvider.STRIPE
        else RefundStatus.SUCCEEDED,
    )
    payment.order = order
    _invoice_of(order, actor)  # before Stripe: an invoice that cannot be issued refuses here
    save_with_reason(refund, actor, "Refund")
    for line in planned:
        line.refund = refund
    RefundLine.objects.bulk_create(planned)
    if payment.provider == PaymentProvider.STRIPE:
        _ask_stripe(refund, payment)  # last: past this point nothing may refuse
        save_with_reason(refund, actor, f"Stripe: {refund.get_status_display().lower()}")
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
    return refund
