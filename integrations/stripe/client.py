"""The one module that imports `stripe`. Everything else gets plain values from it and
turns its errors into `DomainError`s a person can read.

Amounts cross this boundary as `Decimal` in the currency's unit and leave as Stripe's
integer minor units, by the exponent Stripe uses for the currency (its documented
zero-decimal and three-decimal lists; two decimals otherwise, also for currencies shops
price in whole units such as HUF or ISK, which Stripe counts in hundredths).
"""

import json
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
# Currencies Stripe counts in thousandths, whose last digit must be 0 (a multiple of 0.010).
THREE_DECIMAL = {"BHD", "JOD", "KWD", "OMR", "TND"}


class StripeDisabled(DomainError):
    pass


class StripeError(DomainError):
    """Stripe refused or could not be reached; nothing was changed on our side."""


class StripeUnavailable(StripeError):
    """Stripe could not be reached, or failed on its side: asking again later may work."""


# Errors that say nothing about the request itself: the network, Stripe's servers, its rate
# limit, or our keys. Anything else (an unknown id, a refused card) is Stripe's final answer.
_TRANSIENT = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
    stripe.AuthenticationError,
    stripe.PermissionError,
)


class InvalidWebhook(Exception):
    """A webhook whose signature does not verify, or that is not a Stripe event."""


def is_enabled() -> bool:
    return settings.STRIPE_ENABLED


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The amount as Stripe takes it; refused (before anything is sent) when Stripe cannot
    charge it exactly."""
    exponent = stripe_exponent(currency)
    units = Decimal(amount).scaleb(exponent)
    if units != units.to_integral_value() or (exponent == 3 and units % 10):
        smallest = Decimal(10 if exponent == 3 else 1).scaleb(-exponent)
        raise StripeError(
            f"Stripe takes {currency.upper()} amounts in steps of {smallest}: "
            f"{amount} {currency.upper()} cannot be sent to it. Record this payment by hand."
        )
    return int(units)


def from_minor_units(value: int, currency: str) -> Decimal:
    exponent = stripe_exponent(currency)
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
        kind = StripeUnavailable if isinstance(error, _TRANSIENT) else StripeError
        raise kind(f"Stripe could not {what}: {message}") from error


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


def checkout_session_close(session_id: str) -> str:
    """Make sure nobody can pay a payment page any more: expire it if it is still open.
    Returns its final status, "expired" or "complete" (the customer paid it after all)."""
    session = _call(
        "read the payment page", lambda: _client().v1.checkout.sessions.retrieve(session_id)
    )
    if session.status != "open":
        return session.status
    session = _call(
        "withdraw the payment page",
        lambda: _client().v1.checkout.sessions.expire(session_id),
    )
    return session.status


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
    # StripeObjects are not dicts: read them as the plain data Stripe sent.
    intent = intent.to_dict()
    currency = intent["currency"].upper()
    charge = intent.get("latest_charge")
    charge_id = charge if isinstance(charge, str) else (charge or {}).get("id") or ""
    charge = charge if isinstance(charge, dict) else {}
    balance = charge.get("balance_transaction")
    fee = None
    # Stripe's fee is in the balance's currency, which is not always the payment's.
    if isinstance(balance, dict) and (balance.get("currency") or "").upper() == currency:
        fee = from_minor_units(balance["fee"], currency)
    order_id = str((intent.get("metadata") or {}).get("order_id") or "")
    return PaymentFacts(
        payment_intent_id=intent["id"],
        status=intent["status"],
        amount=from_minor_units(intent.get("amount_received") or intent["amount"], currency),
        currency=currency,
        charge_id=charge_id,
        fee=fee,
        order_id=int(order_id) if order_id.isdigit() else None,
        method=(charge.get("payment_method_details") or {}).get("type") or "",
    )


@dataclass(frozen=True)
class RefundFacts:
    refund_id: str
    status: str
    amount: Decimal
    currency: str


def refund_facts(refund: dict) -> RefundFacts:
    """A refund object, as an event carries it or the API answers it."""
    return RefundFacts(
        refund_id=refund["id"],
        status=refund["status"],
        amount=from_minor_units(refund["amount"], refund["currency"]),
        currency=refund["currency"].upper(),
    )


def refunds_of_charge(charge_id: str) -> list[RefundFacts]:
    """Every refund of a charge, newest first (Stripe no longer lists them on the charge)."""

    def read():
        page = _client().v1.refunds.list({"charge": charge_id, "limit": 100})
        return [refund.to_dict() for refund in page.auto_paging_iter()]

    return [refund_facts(refund) for refund in _call("read the refunds", read)]


def _is_event(event) -> bool:
    return (
        isinstance(event, dict)
        and event.get("object") == "event"
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("created"), int)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    )


def webhook_event_construct(payload: bytes, signature: str | None) -> dict:
    """The verified event as Stripe sent it (plain JSON data); `InvalidWebhook` when it does
    not verify or is not an event."""
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook(f"bad signature: {error}") from error
    except ValueError as error:
        raise InvalidWebhook(f"not a Stripe event: {error}") from error
    if not _is_event(event):
        raise InvalidWebhook("not a Stripe event: no id, type, created time or data object")
    return event
