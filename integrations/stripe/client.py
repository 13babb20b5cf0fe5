"""The one module that imports `stripe`. Everything else gets plain values from it and
turns its errors into `DomainError`s a person can read.

Amounts cross this boundary as `Decimal` in the currency's unit and leave as Stripe's
integer minor units, by the exponent Stripe uses for the currency (its documented
zero-decimal and three-decimal lists; two decimals otherwise, also for currencies shops
price in whole units such as HUF or ISK, which Stripe counts in hundredths).
"""

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import stripe
from django.conf import settings
from stripe.params import RefundCreateParams
from stripe.params.checkout import SessionCreateParams

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
    params: SessionCreateParams = {
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
    params: RefundCreateParams = {
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


# What our event table holds: the lengths of its columns, and dates a database stores.
EVENT_ID_MAX = 100
EVENT_TYPE_MAX = 100
LATEST_TIME = 253402300799  # 9999-12-31T23:59:59Z
SIGNATURE_TOLERANCE = 300  # seconds, either way: Stripe's own default for the past


class MalformedEvent(InvalidWebhook):
    """A webhook that Stripe signed but that is not an event we can record: acknowledged
    (Stripe would otherwise deliver it again for days) and kept as rejected."""


def event_problem(event) -> str | None:
    """What makes a signed payload unusable as an event, or None."""
    if not isinstance(event, dict) or event.get("object") != "event":
        return "it is not an event object"
    for name, longest in (("id", EVENT_ID_MAX), ("type", EVENT_TYPE_MAX)):
        value = event.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= longest:
            return f"its {name} is missing or longer than {longest} characters"
    created = event.get("created")
    if not isinstance(created, int) or isinstance(created, bool) or not 0 < created <= LATEST_TIME:
        return "its created time is missing or not a time"
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "it has no data object"
    if not isinstance(data["object"].get("id"), str) or not data["object"]["id"]:
        return "its data object has no id"
    return None


def _signed_at(signature: str) -> int | None:
    match = re.search(r"(?:^|,)\s*t=(\d{1,12})\s*(?:,|$)", signature)
    return int(match[1]) if match else None


def webhook_event_construct(payload: bytes, signature: str | None) -> dict:
    """The verified event as Stripe sent it (plain JSON data). `InvalidWebhook` when it does
    not verify (a bad signature, or signed too long ago or in the future); `MalformedEvent`
    when it verifies but is not an event we can record."""
    if not signature:
        raise InvalidWebhook("missing Stripe-Signature header")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=SIGNATURE_TOLERANCE
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook(f"bad signature: {error}") from error
    signed_at = _signed_at(signature)
    if signed_at is None or signed_at > time.time() + SIGNATURE_TOLERANCE:
        raise InvalidWebhook("bad signature: its time is in the future")
    if b"\\u0000" in payload.lower() or b"\x00" in payload:
        raise MalformedEvent("it holds a NUL character")
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise MalformedEvent(f"it is not JSON ({error})") from error
    problem = event_problem(event)
    if problem:
        raise MalformedEvent(problem)
    return event
