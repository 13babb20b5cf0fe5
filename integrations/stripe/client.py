"""The one module that imports `stripe`. Everything else gets plain values from it and
turns its errors into `DomainError`s a person can read.

Amounts cross this boundary as `Decimal` in the currency's unit and leave as Stripe's
integer minor units (cents), by the currency's exponent.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.conf import settings

from backoffice.exceptions import DomainError

# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL = {
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
    "VUV", "XAF", "XOF", "XPF",
}  # fmt: skip


class StripeDisabled(DomainError):
    pass


class StripeError(DomainError):
    """Stripe refused or could not be reached; nothing was changed on our side."""


class InvalidWebhook(Exception):
    """A webhook whose signature does not verify, or that is not a Stripe event."""


def is_enabled() -> bool:
    return settings.STRIPE_ENABLED


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return int((amount * 10**exponent).to_integral_exact())


def from_minor_units(value: int, currency: str) -> Decimal:
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return (Decimal(value) / 10**exponent).quantize(Decimal(1).scaleb(-exponent))


def timestamp(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _client() -> stripe.StripeClient:
    if not is_enabled():
        raise StripeDisabled(
            "Stripe is off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take card payments."
        )
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=20),
    )


def _call(what: str, request):
    try:
        return request()
    except stripe.StripeError as error:
        message = error.user_message or str(error) or error.__class__.__name__
        raise StripeError(f"Stripe could not {what}: {message}") from error


@dataclass(frozen=True)
class CheckoutLink:
    session_id: str
    url: str


def checkout_session_create(
    *,
    order_id: int,
    order_number: str,
    amount: Decimal,
    currency: str,
    customer_email: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> CheckoutLink:
    """A hosted payment page for the amount due on an order."""
    metadata = {"order_id": str(order_id), "order_number": order_number}
    params = {
        "mode": "payment",
        "customer_email": customer_email,
        "client_reference_id": str(order_id),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": to_minor_units(amount, currency),
                    "product_data": {"name": f"Order {order_number}"},
                },
            }
        ],
    }
    session = _call(
        "create the payment page",
        lambda: _client().v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key}),
    )
    return CheckoutLink(session_id=session.id, url=session.url)


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str  # pending, succeeded, failed, canceled, requires_action


def refund_create(
    *,
    payment_intent_id: str,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
    metadata: dict[str, str],
) -> RefundResult:
    params = {
        "payment_intent": payment_intent_id,
        "amount": to_minor_units(amount, currency),
        "metadata": metadata,
    }
    refund = _call(
        "refund the payment",
        lambda: _client().v1.refunds.create(params, {"idempotency_key": idempotency_key}),
    )
    return RefundResult(refund_id=refund.id, status=refund.status)


@dataclass(frozen=True)
class PaymentFacts:
    """What Stripe knows of a PaymentIntent, for recording a payment."""

    payment_intent_id: str
    status: str
    amount: Decimal
    currency: str
    charge_id: str
    fee: Decimal | None
    order_id: int | None
    method: str


def payment_intent_retrieve(payment_intent_id: str) -> PaymentFacts:
    intent = _call(
        "read the payment",
        lambda: _client().v1.payment_intents.retrieve(
            payment_intent_id, {"expand": ["latest_charge.balance_transaction"]}
        ),
    )
    currency = intent.currency.upper()
    charge = intent.latest_charge if not isinstance(intent.latest_charge, str) else None
    balance = getattr(charge, "balance_transaction", None) if charge else None
    fee = from_minor_units(balance.fee, currency) if balance and hasattr(balance, "fee") else None
    details = getattr(charge, "payment_method_details", None) if charge else None
    order_id = (intent.metadata or {}).get("order_id")
    return PaymentFacts(
        payment_intent_id=intent.id,
        status=intent.status,
        amount=from_minor_units(intent.amount_received or intent.amount, currency),
        currency=currency,
        charge_id=charge.id if charge else (intent.latest_charge or ""),
        fee=fee,
        order_id=int(order_id) if order_id and order_id.isdigit() else None,
        method=getattr(details, "type", "") if details else "",
    )


def webhook_event_construct(payload: bytes, signature: str | None) -> dict:
    """The verified event as a plain dict; `InvalidWebhook` when it does not verify."""
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook(f"bad signature: {error}") from error
    except ValueError as error:
        raise InvalidWebhook(f"not a Stripe event: {error}") from error
    return event.to_dict()
