"""Stripe's webhook: verify, record each event once, process it exactly once.

The event row is inserted (or found) and locked before anything else, so a second delivery
of the same event — later or at the same moment — waits for the first and then finds it
done. An event whose data does not fit ours (an unknown order), or that Stripe's own answer
rules out (an unknown PaymentIntent), is kept as failed, for a person to look at; when Stripe
cannot be reached or fails on its side, nothing is kept and the answer is 503, so Stripe
delivers the event again later.
"""

import hashlib
import json
import logging
import re

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backoffice.exceptions import DomainError
from backoffice.middleware import reads_nul_itself
from integrations.models import StripeEvent, StripeEventState
from integrations.stripe import client
from sales.models import Payment, PaymentStatus
from sales.services import stripe_events

logger = logging.getLogger(__name__)


def _payment_by_intent(payment_intent_id: str | None, occurred_at) -> Payment:
    """Our succeeded payment for a PaymentIntent. One we have not heard of, or do not know
    as succeeded yet, is fetched and recorded first (its success event may simply not have
    arrived yet): a PaymentIntent that was refunded or disputed was paid."""
    if not payment_intent_id:
        raise DomainError("The event names no PaymentIntent: it is not a payment of ours.")
    payment = Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).first()
    if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
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
    order_id = str((intent.get("metadata") or {}).get("order_id") or "")
    stripe_events.stripe_payment_failed(
        payment_intent_id=intent["id"],
        order_id=int(order_id) if order_id.isdigit() else None,
        message=error.get("message") or "",
        occurred_at=occurred_at,
    )


def _refund(refund: client.RefundFacts, payment: Payment) -> None:
    stripe_events.stripe_refund_updated(
        refund_id=refund.refund_id, status=refund.status, amount=refund.amount, payment=payment
    )


def on_refund_updated(refund: dict, occurred_at) -> None:
    payment = _payment_by_intent(refund.get("payment_intent"), occurred_at)
    _refund(client.refund_facts(refund), payment)


def on_charge_refunded(charge: dict, occurred_at) -> None:
    payment = _payment_by_intent(charge.get("payment_intent"), occurred_at)
    listed = charge.get("refunds")
    if isinstance(listed, dict) and not listed.get("has_more"):
        refunds = [client.refund_facts(refund) for refund in listed.get("data", [])]
    else:  # Stripe leaves the refunds off the charge (API versions since 2022-11-15)
        refunds = client.refunds_of_charge(charge["id"])
    for refund in reversed(refunds):  # Stripe lists the newest first
        _refund(refund, payment)


def on_dispute_created(dispute: dict, occurred_at) -> None:
    payment = _payment_by_intent(dispute.get("payment_intent"), occurred_at)
    stripe_events.stripe_dispute_opened(
        payment=payment,
        amount=client.from_minor_units(dispute["amount"], dispute["currency"]),
        reason=dispute.get("reason") or "",
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
        except client.StripeUnavailable:
            raise  # Stripe unreachable: keep nothing, let Stripe deliver again
        except DomainError as error:
            record.state, record.error = StripeEventState.FAILED, str(error)
            logger.warning("Stripe event %s failed: %s", event["id"], error)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            # Signed by Stripe, yet without what its type carries: kept for a person to read,
            # never answered with a 500 that Stripe would retry for days.
            record.state = StripeEventState.FAILED
            record.error = f"its data lacks what a {event['type']} event carries ({error!r})"
            logger.warning("Stripe event %s failed: %s", event["id"], record.error)
        else:
            record.state, record.error = StripeEventState.PROCESSED, ""
    record.processed_at = timezone.now()
    record.save()
    return record


REJECTED_BODY_CHARS = 65_536


def stripe_event_reject(payload: bytes, reason: str) -> StripeEvent:
    """Keep a signed payload that is not an event we can read, as rejected: its own id when
    it has a usable one (a redelivery is then the same row), else one from its content."""
    try:
        event = json.loads(payload)
    except ValueError:
        event = {}
    event = event if isinstance(event, dict) else {}

    def usable(name: str, longest: int) -> str | None:
        value = event.get(name)
        ok = isinstance(value, str) and 0 < len(value) <= longest and "\x00" not in value
        return value if ok else None

    digest = hashlib.sha256(payload).hexdigest()[:32]
    event_id = usable("id", client.EVENT_ID_MAX) or f"rejected_{digest}"
    text = payload.decode("utf-8", "replace").replace("\x00", "\ufffd")
    text = re.sub(r"\\u0000", r"\\ufffd", text, flags=re.IGNORECASE)
    now = timezone.now()
    StripeEvent.objects.bulk_create(
        [
            StripeEvent(
                event_id=event_id,
                type=usable("type", client.EVENT_TYPE_MAX) or "unknown",
                payload={"rejected_body": text[:REJECTED_BODY_CHARS]},
                state=StripeEventState.REJECTED,
                error=reason,
                stripe_created_at=now,
                processed_at=now,
                attempts=1,
            )
        ],
        ignore_conflicts=True,
    )
    logger.warning("Stripe webhook rejected: %s", reason)
    return StripeEvent.objects.get(event_id=event_id)


@reads_nul_itself
@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not client.is_enabled():
        return JsonResponse({"error": "Stripe is not configured."}, status=404)
    try:
        event = client.webhook_event_construct(
            request.body, request.headers.get("Stripe-Signature")
        )
    except client.MalformedEvent as error:
        record = stripe_event_reject(request.body, str(error))
        return JsonResponse({"received": True, "state": record.state, "error": str(error)})
    except client.InvalidWebhook as error:
        return JsonResponse({"error": str(error)}, status=400)
    try:
        record = stripe_event_process(event)
    except client.StripeUnavailable as error:
        return JsonResponse({"error": str(error)}, status=503)
    return JsonResponse({"received": True, "state": record.state})
