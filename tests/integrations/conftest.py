"""Stripe at its HTTP boundary: settings that turn it on, `responses` standing in for its API,
webhook events built and signed the way Stripe builds and signs them.

The small shop of the sales tests (`shop`) is shared from `tests/sales/conftest.py`.
"""

import hashlib
import hmac
import itertools
import json
import time

import pytest
import responses

from sales.services import payment_link_create
from tests.sales.conftest import SYSTEM, shop  # noqa: F401

SECRET_KEY = "sk_test_backoffice"
WEBHOOK_SECRET = "whsec_test_backoffice"
API = "https://api.stripe.com"
WEBHOOK_URL = "/integrations/stripe/webhook/"

_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}"


@pytest.fixture(autouse=True)
def _selling_store(store):
    """Every test here sells: the store names its seller and has a default tax class."""


@pytest.fixture
def stripe_on(settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_ENABLED = True
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return settings


@pytest.fixture
def stripe_off(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_ENABLED = False
    return settings


@pytest.fixture
def stripe_api():
    """Stripe's API, stubbed: a request nothing was registered for fails as if the network
    were down, and every registered stub must have been called."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


# --- signing and posting ----------------------------------------------------------------------


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """The Stripe-Signature header: `t=<time>,v1=<HMAC-SHA256 of "<time>.<payload>">`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def body_of(event: dict) -> bytes:
    return json.dumps(event, indent=2).encode()


def post_signed(client, event: dict, **sign_kwargs):
    payload = body_of(event)
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature(payload, **sign_kwargs)},
    )


def post_raw(client, payload: bytes, header: str | None):
    headers = {} if header is None else {"Stripe-Signature": header}
    return client.post(WEBHOOK_URL, data=payload, content_type="application/json", headers=headers)


# --- Stripe's objects -------------------------------------------------------------------------


def event(kind: str, obj: dict, *, created: int | None = None, event_id: str | None = None):
    return {
        "id": event_id or new_id("evt"),
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": int(time.time()) if created is None else created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


def cents(amount) -> int:
    return int(amount * 100)


def balance_transaction(*, fee: int, amount: int, currency: str = "eur") -> dict:
    return {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "currency": currency,
        "fee": fee,
        "net": amount - fee,
        "status": "pending",
        "type": "charge",
    }


def charge(*, payment_intent: str, amount: int, fee: int = 0, charge_id: str | None = None):
    return {
        "id": charge_id or new_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "balance_transaction": balance_transaction(fee=fee, amount=amount),
        "captured": True,
        "currency": "eur",
        "paid": True,
        "payment_intent": payment_intent,
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
        "refunded": False,
        "status": "succeeded",
    }


def payment_intent(
    *,
    order,
    amount: int,
    status: str = "succeeded",
    intent_id: str | None = None,
    latest_charge=None,
    last_payment_error: dict | None = None,
):
    intent_id = intent_id or new_id("pi")
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": "eur",
        "last_payment_error": last_payment_error,
        "latest_charge": latest_charge,
        "metadata": {"order_id": str(order.pk), "order_number": order.number},
        "status": status,
    }


def refund(
    *, payment_intent: str, amount: int, status: str, refund_id: str | None = None, charge_id=None
):
    return {
        "id": refund_id or new_id("re"),
        "object": "refund",
        "amount": amount,
        "charge": charge_id or new_id("ch"),
        "currency": "eur",
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": "requested_by_customer",
        "status": status,
    }


def stub_payment_intent(stripe_api, intent: dict):
    """GET /v1/payment_intents/<id>, answered with the charge and its balance transaction
    expanded, as our client asks."""
    return stripe_api.get(
        f"{API}/v1/payment_intents/{intent['id']}",
        json=intent,
        match=[
            responses.matchers.query_param_matcher(
                {"expand[0]": "latest_charge.balance_transaction"}
            )
        ],
    )


def stripe_error(stripe_api, method: str, path: str, *, status: int, message: str, **error):
    return stripe_api.add(
        method,
        f"{API}{path}",
        status=status,
        json={"error": {"message": message, **error}},
    )


def checkout_session(*, order, amount: int, session_id: str | None = None, **fields) -> dict:
    session_id = session_id or new_id("cs")
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "client_reference_id": str(order.pk),
        "currency": "eur",
        "customer_email": order.customer.email,
        "metadata": {"order_id": str(order.pk), "order_number": order.number},
        "mode": "payment",
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        **fields,
    }


def stub_checkout_session(stripe_api, session: dict):
    return stripe_api.post(f"{API}/v1/checkout/sessions", json=session)


def stub_session_closing(stripe_api, session: dict, *, paid: bool = False):
    """Stripe's answers when an open payment page is withdrawn: read it back (open, or
    complete when the customer has just paid), then expire it."""
    state = "complete" if paid else "open"
    stripe_api.get(f"{API}/v1/checkout/sessions/{session['id']}", json={**session, "status": state})
    if not paid:
        stripe_api.post(
            f"{API}/v1/checkout/sessions/{session['id']}/expire",
            json={**session, "status": "expired"},
        )


# --- the flows the webhook tests start from ---------------------------------------------------


def link_through_stripe(stripe_api, order):
    """A Stripe payment link for the order, through the service."""
    session = checkout_session(order=order, amount=cents(order.total))
    stub_checkout_session(stripe_api, session)
    return payment_link_create(order=order, actor=SYSTEM), session


def pay_through_stripe(client, stripe_api, order, *, fee: int = 118, created: int | None = None):
    """The order paid at Stripe, as Stripe tells it: payment_intent.succeeded, with the
    PaymentIntent read back (charge and fee expanded). Returns the PaymentIntent."""
    amount = cents(order.total)
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=amount, fee=fee)
    intent = payment_intent(order=order, amount=amount, intent_id=intent_id, latest_charge=paid)
    stub_payment_intent(stripe_api, intent)
    sent = {**intent, "latest_charge": paid["id"]}
    response = post_signed(client, event("payment_intent.succeeded", sent, created=created))
    assert response.status_code == 200, response.content
    assert response.json() == {"received": True, "state": "processed"}
    return intent
