"""Stripe's webhook: verify, record each event once, process it exactly once.

The event row is inserted (or found) and locked before anything else, so a second delivery
of the same event — later or at the same moment — waits for the first and then finds it
done. An event whose data does not fit ours (an unknown order) is kept as failed, for a
person to look at; when Stripe itself cannot be reached, nothing is kept and the answer is
503, so Stripe delivers the event again later.
"""

import logging

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.exceptions import DomainError
from integrations.models import StripeEvent, StripeEventState
from integrations.stripe import client
from sales.models import Payment
from sales.services import stripe_events

logger = logging.getLogger(__name__)


def _payment_by_intent(payment_intent_id: str, occurred_at) -> Payment:
    """Our payment for a PaymentIntent; one we have not heard of is fetched and recorded
    first (its success event may simply not have arrived yet)."""
    payment = Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).first()
    if payment is not None:
        return payment
    facts = client.payment_intent_retrieve(payment_intent_id)
    if facts.status != "succeeded":
        raise DomainError(f"PaymentIntent {payment_intent_id} has not succeeded ({facts.status}).")
    return stripe_events.stripe_payment_succeeded(facts=facts, occurred_at=occurred_at)


def on_checkout_completed(session: dict, occurred_at) -> None:
    if session.get("payment_status") == "paid" and session.get("payment_intent"):
        _payment_by_intent(session["payment_intent"], occurred_at)


def on_payment_succeeded(intent: dict, occurred_at) -> None:
    facts = client.payment_intent_retrieve(intent["id"])  # with the charge and Stripe's fee
    stripe_events.stripe_payment_succeeded(facts=facts, occurred_at=occurred_at)


def on_payment_failed(intent: dict, occurred_at) -> None:
    error = intent.get("last_payment_error") or {}
    order_id = (intent.get("metadata") or {}).get("order_id", "")
    stripe_events.stripe_payment_failed(
        payment_intent_id=intent["id"],
        order_id=int(order_id) if order_id.isdigit() else None,
        message=error.get("message", ""),
        occurred_at=occurred_at,
    )


def _refund(refund: dict, occurred_at) -> None:
    payment = _payment_by_intent(refund["payment_intent"], occurred_at)
    stripe_events.stripe_refund_updated(
        refund_id=refund["id"],
        status=refund["status"],
        amount=client.from_minor_units(refund["amount"], refund["currency"]),
        payment=payment,
    )


def on_refund_updated(refund: dict, occurred_at) -> None:
    _refund(refund, occurred_at)


def on_charge_refunded(charge: dict, occurred_at) -> None:
    for refund in (charge.get("refunds") or {}).get("data", []):
        _refund({**refund, "payment_intent": charge["payment_intent"]}, occurred_at)


def on_dispute_created(dispute: dict, occurred_at) -> None:
    payment = _payment_by_intent(dispute["payment_intent"], occurred_at)
    stripe_events.stripe_dispute_opened(
        payment=payment,
        amount=client.from_minor_units(dispute["amount"], dispute["currency"]),
        reason=dispute.get("reason", ""),
    )


HANDLERS = {
    "checkout.session.completed": on_checkout_completed,
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "refund.created": on_refund_updated,
    "refund.updated": on_refund_updated,
    "charge.refunded": on_charge_refunded,
    "charge.dispute.created": on_dispute_created,
}


@transaction.atomic
def stripe_event_process(event: dict) -> StripeEvent:
    """Record the event once and process it once; returns its row."""
    occurred_at = client.timestamp(event["created"])
    StripeEvent.objects.bulk_create(
        [
            StripeEvent(
                event_id=event["id"],
                type=event["type"],
                payload=event,
                stripe_created_at=occurred_at,
            )
        ],
        ignore_conflicts=True,
    )
    record = StripeEvent.objects.select_for_update().get(event_id=event["id"])
    if record.state != StripeEventState.RECEIVED and record.state != StripeEventState.FAILED:
        return record  # a redelivery: done already
    record.attempts += 1
    handler = HANDLERS.get(event["type"])
    if handler is None:
        record.state = StripeEventState.IGNORED
    else:
        try:
            with transaction.atomic():
                handler(event["data"]["object"], occurred_at)
        except client.StripeError:
            raise  # Stripe unreachable: keep nothing, let Stripe deliver again
        except DomainError as error:
            record.state, record.error = StripeEventState.FAILED, str(error)
            logger.warning("Stripe event %s failed: %s", event["id"], error)
        else:
            record.state, record.error = StripeEventState.PROCESSED, ""
    record.processed_at = timezone.now()
    record.save()
    return record


@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not client.is_enabled():
        return JsonResponse({"error": "Stripe is not configured."}, status=404)
    try:
        event = client.webhook_event_construct(
            request.body, request.headers.get("Stripe-Signature")
        )
    except client.InvalidWebhook as error:
        return JsonResponse({"error": str(error)}, status=400)
    try:
        record = stripe_event_process(event)
    except client.StripeError as error:
        return JsonResponse({"error": str(error)}, status=503)
    return JsonResponse({"received": True, "state": record.state})
