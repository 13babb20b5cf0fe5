"""Stripe's webhook end to end: signed events posted to the view, Stripe's API stubbed with
`responses`, the effects read back from the database."""

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import responses
from django.db import connection, connections
from django.test import Client

from integrations.models import StripeEvent, StripeEventState
from sales.models import (
    CreditNote,
    EventKind,
    Invoice,
    Order,
    OrderEvent,
    Payment,
    PaymentProvider,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from sales.services import order_mark_paid, payment_refund
from tests.integrations.conftest import (
    API,
    SYSTEM,
    body_of,
    charge,
    checkout_session,
    event,
    link_through_stripe,
    new_id,
    pay_through_stripe,
    payment_intent,
    post_raw,
    post_signed,
    refund,
    signature,
    stripe_error,
    stub_payment_intent,
)

OK = {"received": True, "state": "processed"}


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


FULL_REFUND_CANCELS = "Refunded in full: 3 unit(s) not shipped are cancelled, their stock released"


def timeline(order, *kinds) -> list[tuple[str, str]]:
    events = OrderEvent.objects.filter(order=order).order_by("id")
    if kinds:
        events = events.filter(kind__in=kinds)
    return list(events.values_list("kind", "message"))


def snapshot(order) -> dict:
    """Everything a webhook may write, to show that a refused one wrote nothing."""
    order = Order.objects.get(pk=order.pk)
    return {
        "events": StripeEvent.objects.count(),
        "order": (order.payment_status, order.amount_paid, order.amount_refunded, order.paid_at),
        "payments": list(
            Payment.objects.order_by("id").values_list(
                "status", "amount", "fee", "stripe_payment_intent_id", "disputed"
            )
        ),
        "refunds": Refund.objects.count(),
        "credit_notes": CreditNote.objects.count(),
        "timeline": timeline(order),
        "history": (Order.history.count(), Payment.history.count()),
    }


@pytest.fixture
def order(shop):
    """Two tees (19.90, 20 % tax) and a mug (12.50, 5.5 % tax): 60.95 EUR."""
    placed = shop.placed((shop.tee, 2), (shop.mug, 1))
    assert placed.total == Decimal("60.95")
    return placed


# --- refused deliveries -----------------------------------------------------------------------


def test_stripe_off_answers_404_and_stores_nothing(client, stripe_off, stripe_api, order):
    intent = payment_intent(order=order, amount=6095)
    before = snapshot(order)

    response = post_signed(client, event("payment_intent.succeeded", intent))

    assert response.status_code == 404
    assert response.json() == {"error": "Stripe is not configured."}
    assert snapshot(order) == before
    assert len(stripe_api.calls) == 0


def _failed_payment_event(order):
    intent = payment_intent(
        order=order,
        amount=6095,
        status="requires_payment_method",
        last_payment_error={"message": "Your card was declined."},
    )
    return body_of(event("payment_intent.payment_failed", intent))


@pytest.mark.parametrize(
    ("header", "error"),
    [
        (lambda payload: None, "missing Stripe-Signature header"),
        (lambda payload: "", "missing Stripe-Signature header"),
        (
            lambda payload: signature(payload, secret="whsec_someone_else"),
            "bad signature: No signatures found matching the expected signature for payload",
        ),
        (
            lambda payload: signature(payload + b" "),
            "bad signature: No signatures found matching the expected signature for payload",
        ),
        (
            lambda payload: signature(payload, timestamp=int(time.time()) - 301),
            "bad signature: Timestamp outside the tolerance zone",
        ),
        (
            lambda payload: "v1=" + signature(payload).split("v1=")[1],
            "bad signature: Unable to extract timestamp and signatures from header",
        ),
        (
            lambda payload: signature(payload).replace("v1=", "v0="),
            "bad signature: No signatures found with expected scheme v1",
        ),
        (
            lambda payload: signature(payload, timestamp=int(time.time()) + 3600),
            "bad signature: its time is in the future",
        ),
    ],
    ids=[
        "missing",
        "empty",
        "other-secret",
        "tampered",
        "too-old",
        "no-timestamp",
        "v0-only",
        "from-the-future",
    ],
)
def test_a_bad_or_missing_signature_is_refused_and_stores_nothing(
    client, stripe_on, stripe_api, order, header, error
):
    link_through_stripe(stripe_api, order)
    payload = _failed_payment_event(order)
    before = snapshot(order)
    calls = len(stripe_api.calls)

    response = post_raw(client, payload, header(payload))

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert snapshot(order) == before
    assert before["payments"] == [("pending", Decimal("60.95"), None, None, False)]
    assert len(stripe_api.calls) == calls


def _signed_event(**changes) -> bytes:
    body = event("payment_intent.payment_failed", {"id": "pi_1", "object": "payment_intent"})
    body.update(changes)
    return body_of(body)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json at all", "it is not JSON"),
        (b'{"id": "evt_1", "object": "charge", "type": "x"}', "it is not an event object"),
        (
            b'{"id": "evt_1", "object": "event", "type": "charge.refunded", "created": 1}',
            "it has no data object",
        ),
        (b"[]", "it is not an event object"),
        (_signed_event(created=10**20), "its created time is missing or not a time"),
        (_signed_event(created="yesterday"), "its created time is missing or not a time"),
        (_signed_event(type="t" * 101), "its type is missing or longer than 100 characters"),
        (_signed_event(id="evt_" + "9" * 200), "its id is missing or longer than 100 characters"),
        (_signed_event(id="evt_nul\x00"), "it holds a NUL character"),
        (_signed_event(data={"object": {"object": "charge"}}), "its data object has no id"),
    ],
    ids=[
        "not-json",
        "not-an-event",
        "no-data",
        "a-list",
        "created-too-far",
        "created-not-a-number",
        "type-too-long",
        "id-too-long",
        "nul",
        "no-object-id",
    ],
)
def test_a_signed_body_that_is_not_an_event_is_acknowledged_and_kept_as_rejected(
    client, stripe_on, stripe_api, order, payload, reason
):
    """Stripe signed it, so it would deliver it again for days on any answer but a 2xx: it is
    acknowledged, kept for a person to read, and changes nothing else."""
    before = snapshot(order)

    response = post_raw(client, payload, signature(payload))

    assert response.status_code == 200
    assert response.json()["state"] == "rejected"
    assert response.json()["error"].startswith(reason)
    kept = StripeEvent.objects.get()
    assert (kept.state, kept.error[: len(reason)]) == (StripeEventState.REJECTED, reason)
    assert "\x00" not in kept.payload["rejected_body"]
    assert {**snapshot(order), "events": before["events"]} == before
    # Delivered again, it is the same row.
    assert post_raw(client, payload, signature(payload)).status_code == 200
    assert StripeEvent.objects.count() == 1


def test_a_signed_event_lacking_what_its_type_needs_is_kept_as_failed(
    client, stripe_on, stripe_api, order
):
    intent = pay_through_stripe(client, stripe_api, order)
    before = snapshot(order)
    dispute = {"id": "dp_1", "object": "dispute", "payment_intent": intent["id"]}  # no amount
    response = post_signed(client, event("charge.dispute.created", dispute))
    assert response.status_code == 200
    assert response.json()["state"] == StripeEventState.FAILED
    kept = StripeEvent.objects.get(type="charge.dispute.created")
    assert (
        kept.error
        == "its data lacks what a charge.dispute.created event carries (KeyError('amount'))"
    )
    assert {**snapshot(order), "events": before["events"]} == before


def test_only_post_is_accepted(client, stripe_on, order):
    response = client.get("/integrations/stripe/webhook/")

    assert response.status_code == 405
    assert StripeEvent.objects.count() == 0


# --- recording events -------------------------------------------------------------------------


def test_an_unknown_event_type_is_acknowledged_and_recorded_as_ignored(
    client, stripe_on, stripe_api, order
):
    sent = event("customer.created", {"id": "cus_test_1", "object": "customer"}, created=1700000000)
    before = snapshot(order)

    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == {"received": True, "state": "ignored"}
    record = StripeEvent.objects.get()
    assert (record.event_id, record.type, record.state, record.attempts, record.error) == (
        sent["id"],
        "customer.created",
        StripeEventState.IGNORED,
        1,
        "",
    )
    assert record.payload == sent
    assert record.stripe_created_at == at(1700000000)
    assert record.processed_at is not None
    assert {**snapshot(order), "events": 0} == before
    assert len(stripe_api.calls) == 0


# --- payments ---------------------------------------------------------------------------------


def test_payment_intent_succeeded_records_the_payment_with_stripe_fee(
    client, stripe_on, stripe_api, order
):
    created = int(time.time()) - 60
    intent_id = "pi_test_paid"
    paid = charge(payment_intent=intent_id, amount=6095, fee=118, charge_id="ch_test_paid")
    intent = payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid)
    retrieve = stub_payment_intent(stripe_api, intent)
    sent = event("payment_intent.succeeded", {**intent, "latest_charge": "ch_test_paid"})
    sent["created"] = created

    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == OK
    assert retrieve.call_count == 1
    payment = Payment.objects.get()
    assert (
        payment.order_id,
        payment.provider,
        payment.status,
        payment.amount,
        payment.fee,
        payment.currency,
        payment.stripe_payment_intent_id,
        payment.stripe_charge_id,
        payment.method,
        payment.captured_at,
        payment.provider_updated_at,
    ) == (
        order.pk,
        PaymentProvider.STRIPE,
        PaymentStatus.SUCCEEDED,
        Decimal("60.95"),
        Decimal("1.18"),
        "EUR",
        "pi_test_paid",
        "ch_test_paid",
        "card",
        at(created),
        at(created),
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid, order.paid_at) == (
        PaymentState.PAID,
        Decimal("60.95"),
        at(created),
    )
    assert timeline(order, EventKind.PAID) == [
        (EventKind.PAID, "Stripe payment of 60.95 EUR (card)")
    ]
    record = StripeEvent.objects.get()
    assert (record.event_id, record.state, record.attempts) == (sent["id"], "processed", 1)


def test_payment_intent_succeeded_completes_the_pending_payment_link(
    client, stripe_on, stripe_api, order
):
    link, session = link_through_stripe(stripe_api, order)

    intent = pay_through_stripe(client, stripe_api, order, fee=118)

    assert Payment.objects.count() == 1
    link.refresh_from_db()
    assert (
        link.status,
        link.stripe_checkout_session_id,
        link.payment_url,
        link.stripe_payment_intent_id,
        link.fee,
    ) == (
        PaymentStatus.SUCCEEDED,
        session["id"],
        session["url"],
        intent["id"],
        Decimal("1.18"),
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))
    assert timeline(order, EventKind.PAYMENT_LINK, EventKind.PAID) == [
        (EventKind.PAYMENT_LINK, "Stripe payment link for 60.95 EUR"),
        (EventKind.PAID, "Stripe payment of 60.95 EUR (card)"),
    ]


def test_checkout_session_completed_records_the_payment(client, stripe_on, stripe_api, order):
    link, session = link_through_stripe(stripe_api, order)
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=6095, fee=205)
    intent = payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid)
    retrieve = stub_payment_intent(stripe_api, intent)
    completed = {
        **session,
        "payment_intent": intent_id,
        "payment_status": "paid",
        "status": "complete",
        "url": None,
    }

    response = post_signed(client, event("checkout.session.completed", completed))

    assert response.status_code == 200
    assert response.json() == OK
    assert retrieve.call_count == 1
    link.refresh_from_db()
    assert (link.status, link.amount, link.fee, link.stripe_payment_intent_id) == (
        PaymentStatus.SUCCEEDED,
        Decimal("60.95"),
        Decimal("2.05"),
        intent_id,
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))
    assert timeline(order, EventKind.PAID) == [
        (EventKind.PAID, "Stripe payment of 60.95 EUR (card)")
    ]

    # Stripe also sends payment_intent.succeeded for the same payment: counted once.
    response = post_signed(
        client, event("payment_intent.succeeded", {**intent, "latest_charge": paid["id"]})
    )
    assert response.status_code == 200
    assert retrieve.call_count == 2
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))
    assert Payment.objects.count() == 1
    assert len(timeline(order, EventKind.PAID)) == 1


def test_checkout_session_completed_with_a_currency_conversion_is_stored_as_sent(
    client, stripe_on, stripe_api, order
):
    """Stripe's library would turn `fx_rate` into a Decimal, which JSON cannot store: the
    event is kept exactly as Stripe sent it."""
    intent_id = new_id("pi")
    stub_payment_intent(
        stripe_api,
        payment_intent(
            order=order,
            amount=6095,
            intent_id=intent_id,
            latest_charge=charge(payment_intent=intent_id, amount=6095, fee=118),
        ),
    )
    session = checkout_session(
        order=order,
        amount=6095,
        payment_intent=intent_id,
        payment_status="paid",
        status="complete",
        currency_conversion={
            "amount_subtotal": 6095,
            "amount_total": 6095,
            "fx_rate": "1.0825",
            "source_currency": "eur",
        },
    )
    sent = event("checkout.session.completed", session)

    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == OK
    assert StripeEvent.objects.get().payload == sent
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_a_checkout_session_not_paid_yet_changes_nothing(client, stripe_on, stripe_api, order):
    _, session = link_through_stripe(stripe_api, order)
    before = snapshot(order)
    async_session = {**session, "payment_intent": new_id("pi"), "status": "complete"}

    response = post_signed(client, event("checkout.session.completed", async_session))

    assert response.status_code == 200
    assert response.json() == OK
    assert {**snapshot(order), "events": 0} == {**before, "events": 0}
    assert StripeEvent.objects.count() == 1


def test_a_duplicate_delivery_is_processed_once(client, stripe_on, stripe_api, order):
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=6095, fee=118)
    intent = payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid)
    retrieve = stub_payment_intent(stripe_api, intent)
    sent = event("payment_intent.succeeded", {**intent, "latest_charge": paid["id"]})

    first = post_signed(client, sent)
    second = post_signed(client, sent)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json() == OK
    assert retrieve.call_count == 1
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))
    assert timeline(order, EventKind.PAID) == [
        (EventKind.PAID, "Stripe payment of 60.95 EUR (card)")
    ]
    assert list(StripeEvent.objects.values_list("event_id", "state", "attempts")) == [
        (sent["id"], "processed", 1)
    ]


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent deliveries need PostgreSQL: SQLite lets one writer in at a time "
    "(runs when DATABASE_URL points at PostgreSQL)",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deliveries_are_processed_once(stripe_on, stripe_api, order):
    threads_count = 6
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=6095, fee=118)
    intent = payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid)
    retrieve = stub_payment_intent(stripe_api, intent)
    payload = body_of(event("payment_intent.succeeded", {**intent, "latest_charge": paid["id"]}))
    header = signature(payload)
    barrier = threading.Barrier(threads_count)
    answers, errors = [], []

    def deliver():
        try:
            connections["default"].ensure_connection()
            barrier.wait(timeout=30)
            answers.append(post_raw(Client(), payload, header))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [thread.name for thread in threads if thread.is_alive()] == []
    assert errors == []
    assert [(answer.status_code, answer.json()) for answer in answers] == [(200, OK)] * 6
    assert retrieve.call_count == 1
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))
    assert len(timeline(order, EventKind.PAID)) == 1
    assert list(StripeEvent.objects.values_list("state", "attempts")) == [("processed", 1)]


def test_a_failed_payment_fails_the_pending_payment_and_the_order_is_unpaid_again(
    client, stripe_on, stripe_api, order
):
    link, _ = link_through_stripe(stripe_api, order)
    order.refresh_from_db()
    assert order.payment_status == PaymentState.PENDING
    intent = payment_intent(
        order=order,
        amount=6095,
        status="requires_payment_method",
        last_payment_error={"code": "card_declined", "message": "Your card was declined."},
    )
    created = int(time.time()) - 5

    response = post_signed(client, event("payment_intent.payment_failed", intent, created=created))

    assert response.status_code == 200
    assert response.json() == OK
    link.refresh_from_db()
    assert (
        link.status,
        link.failure_message,
        link.stripe_payment_intent_id,
        link.provider_updated_at,
    ) == (PaymentStatus.FAILED, "Your card was declined.", intent["id"], at(created))
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.UNPAID, Decimal(0))
    assert timeline(order, EventKind.PAYMENT_FAILED) == [
        (EventKind.PAYMENT_FAILED, "Stripe payment failed: Your card was declined.")
    ]


def test_a_failure_arriving_after_the_success_does_not_unpay_the_order(
    client, stripe_on, stripe_api, order
):
    link_through_stripe(stripe_api, order)
    now = int(time.time())
    intent = pay_through_stripe(client, stripe_api, order, created=now - 10)
    failed = {
        **intent,
        "status": "requires_payment_method",
        "amount_received": 0,
        "latest_charge": None,
        "last_payment_error": {"message": "Your card was declined."},
    }
    before = snapshot(order)

    response = post_signed(client, event("payment_intent.payment_failed", failed, created=now - 20))

    assert response.status_code == 200
    assert response.json() == OK
    assert {**snapshot(order), "events": 0} == {**before, "events": 0}
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_message) == (PaymentStatus.SUCCEEDED, "")
    order.refresh_from_db()
    assert order.payment_status == PaymentState.PAID
    assert timeline(order, EventKind.PAYMENT_FAILED) == []


def test_a_paid_checkout_after_a_failed_attempt_pays_the_order(
    client, stripe_on, stripe_api, order
):
    """The customer's card is declined, then a second card pays on the same PaymentIntent;
    checkout.session.completed alone must be enough to count it."""
    link, session = link_through_stripe(stripe_api, order)
    intent_id = new_id("pi")
    declined = payment_intent(
        order=order,
        amount=6095,
        intent_id=intent_id,
        status="requires_payment_method",
        last_payment_error={"message": "Your card was declined."},
    )
    created = int(time.time()) - 30
    failed = post_signed(client, event("payment_intent.payment_failed", declined, created=created))
    assert failed.json() == OK
    link.refresh_from_db()
    assert (link.status, link.stripe_payment_intent_id) == (PaymentStatus.FAILED, intent_id)
    paid = charge(payment_intent=intent_id, amount=6095, fee=118)
    stub_payment_intent(
        stripe_api,
        payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid),
    )
    completed = {**session, "payment_intent": intent_id, "payment_status": "paid"}

    response = post_signed(
        client, event("checkout.session.completed", completed, created=created + 10)
    )

    assert response.status_code == 200
    assert response.json() == OK
    link.refresh_from_db()
    assert (link.status, link.failure_message, link.fee) == (
        PaymentStatus.SUCCEEDED,
        "",
        Decimal("1.18"),
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))
    assert Payment.objects.count() == 1


def test_an_event_naming_no_known_order_is_kept_as_failed(client, stripe_on, stripe_api, order):
    intent = payment_intent(order=order, amount=6095)
    intent["metadata"] = {"order_id": "987654"}
    retrieve = stub_payment_intent(stripe_api, intent)
    before = snapshot(order)
    sent = event("payment_intent.succeeded", intent)

    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == {"received": True, "state": "failed"}
    record = StripeEvent.objects.get()
    assert (record.state, record.error, record.attempts) == (
        StripeEventState.FAILED,
        f"PaymentIntent {intent['id']} names no known order.",
        1,
    )
    assert {**snapshot(order), "events": 0} == {**before, "events": 0}

    # Delivered again (from Stripe's dashboard, say), it is tried again.
    post_signed(client, sent)
    assert retrieve.call_count == 2
    assert StripeEvent.objects.get().attempts == 2


@pytest.mark.parametrize(
    "outage",
    ["network", "server"],
)
def test_stripe_unreachable_answers_503_keeps_nothing_and_the_redelivery_works(
    client, stripe_on, stripe_api, order, outage
):
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=6095, fee=118)
    intent = payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid)
    url = f"{API}/v1/payment_intents/{intent_id}"
    if outage == "network":
        stripe_api.get(url, body=ConnectionError("connection refused"))
    else:
        stripe_error(
            stripe_api, "GET", f"/v1/payment_intents/{intent_id}", status=500, message="Oops"
        )
    sent = event("payment_intent.succeeded", {**intent, "latest_charge": paid["id"]})
    before = snapshot(order)

    response = post_signed(client, sent)

    assert response.status_code == 503
    assert response.json()["error"].startswith("Stripe could not read the payment: ")
    assert snapshot(order) == before

    stripe_api.replace(responses.GET, url, json=intent)
    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == OK
    order.refresh_from_db()
    assert order.payment_status == PaymentState.PAID
    assert list(StripeEvent.objects.values_list("state", "attempts")) == [("processed", 1)]


def test_an_unknown_payment_intent_at_stripe_is_kept_as_failed(
    client, stripe_on, stripe_api, order
):
    stripe_error(
        stripe_api,
        "GET",
        "/v1/payment_intents/pi_test_gone",
        status=404,
        message="No such payment_intent: 'pi_test_gone'",
        type="invalid_request_error",
        code="resource_missing",
    )
    before = snapshot(order)
    sent = event(
        "refund.updated", refund(payment_intent="pi_test_gone", amount=500, status="succeeded")
    )

    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == {"received": True, "state": "failed"}
    assert StripeEvent.objects.get().error == (
        "Stripe could not read the payment: No such payment_intent: 'pi_test_gone'"
    )
    assert {**snapshot(order), "events": 0} == {**before, "events": 0}


def test_an_event_without_a_payment_intent_touches_no_other_payment(
    client, stripe_on, stripe_api, order
):
    """A manual payment has no PaymentIntent id: an event without one must not find it."""
    order_mark_paid(order=order, actor=SYSTEM, method="Bank transfer")
    before = snapshot(order)
    dispute = {
        "id": new_id("dp"),
        "object": "dispute",
        "amount": 6095,
        "charge": new_id("ch"),
        "currency": "eur",
        "payment_intent": None,
        "reason": "fraudulent",
        "status": "needs_response",
    }

    response = post_signed(client, event("charge.dispute.created", dispute))

    assert response.status_code == 200
    assert response.json() == {"received": True, "state": "failed"}
    assert StripeEvent.objects.get().error == (
        "The event names no PaymentIntent: it is not a payment of ours."
    )
    assert {**snapshot(order), "events": 0} == {**before, "events": 0}
    assert Payment.objects.get().disputed is False


# --- refunds and disputes ---------------------------------------------------------------------


def _refund_pending_at_stripe(stripe_api, payment, refund_id: str):
    stripe_api.post(
        f"{API}/v1/refunds",
        json=refund(
            payment_intent=payment.stripe_payment_intent_id,
            amount=6095,
            status="pending",
            refund_id=refund_id,
        ),
    )
    return payment_refund(payment=payment, actor=SYSTEM, reason="Returned")


def test_refund_updated_to_succeeded_settles_the_pending_refund(
    client, stripe_on, stripe_api, order
):
    intent = pay_through_stripe(client, stripe_api, order)
    payment = Payment.objects.get()
    pending = _refund_pending_at_stripe(stripe_api, payment, "re_test_pending")
    assert pending.status == RefundStatus.PENDING
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.amount_refunded, order.amount_refunded, order.payment_status) == (
        Decimal(0),
        Decimal(0),
        PaymentState.PAID,
    )
    assert CreditNote.objects.count() == 0

    response = post_signed(
        client,
        event(
            "refund.updated",
            refund(
                payment_intent=intent["id"],
                amount=6095,
                status="succeeded",
                refund_id="re_test_pending",
            ),
        ),
    )

    assert response.status_code == 200
    assert response.json() == OK
    pending.refresh_from_db()
    assert pending.status == RefundStatus.SUCCEEDED
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.amount_refunded, order.amount_refunded, order.payment_status) == (
        Decimal("60.95"),
        Decimal("60.95"),
        PaymentState.REFUNDED,
    )
    note = CreditNote.objects.get()
    assert (note.refund_id, note.total, note.invoice_id) == (
        pending.pk,
        Decimal("60.95"),
        Invoice.objects.get(order=order).pk,
    )
    assert timeline(order, EventKind.REFUNDED, EventKind.REFUND_UPDATED) == [
        (EventKind.REFUNDED, "Refunded 60.95 EUR (pending at Stripe): Returned"),
        (EventKind.REFUNDED, FULL_REFUND_CANCELS),
        (EventKind.REFUND_UPDATED, "Stripe refund of 60.95 EUR succeeded"),
    ]

    # The same news again, in another event: nothing more.
    post_signed(
        client,
        event(
            "refund.updated",
            refund(
                payment_intent=intent["id"],
                amount=6095,
                status="succeeded",
                refund_id="re_test_pending",
            ),
        ),
    )
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("60.95")
    assert CreditNote.objects.count() == 1


def test_refund_updated_to_failed_marks_the_refund_failed_and_settles_nothing(
    client, stripe_on, stripe_api, order
):
    intent = pay_through_stripe(client, stripe_api, order)
    payment = Payment.objects.get()
    pending = _refund_pending_at_stripe(stripe_api, payment, "re_test_fails")

    response = post_signed(
        client,
        event(
            "refund.updated",
            refund(
                payment_intent=intent["id"],
                amount=6095,
                status="failed",
                refund_id="re_test_fails",
            ),
        ),
    )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == RefundStatus.FAILED
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.amount_refunded, order.amount_refunded, order.payment_status) == (
        Decimal(0),
        Decimal(0),
        PaymentState.PAID,
    )
    assert CreditNote.objects.count() == 0
    assert timeline(order, EventKind.REFUND_UPDATED) == [
        (EventKind.REFUND_UPDATED, "Stripe refund of 60.95 EUR failed")
    ]


def test_a_refund_made_in_stripes_dashboard_is_recorded(client, stripe_on, stripe_api, order):
    intent = pay_through_stripe(client, stripe_api, order)

    response = post_signed(
        client,
        event(
            "refund.created",
            refund(
                payment_intent=intent["id"],
                amount=1000,
                status="succeeded",
                refund_id="re_test_dashboard",
            ),
        ),
    )

    assert response.status_code == 200
    assert response.json() == OK
    made = Refund.objects.get()
    assert (
        made.stripe_refund_id,
        made.amount,
        made.currency,
        made.status,
        made.reason,
        made.idempotency_key,
        made.created_by,
    ) == (
        "re_test_dashboard",
        Decimal("10.00"),
        "EUR",
        RefundStatus.SUCCEEDED,
        "Refunded in Stripe",
        "stripe-re_test_dashboard",
        "Stripe (System)",
    )
    payment = Payment.objects.get()
    order.refresh_from_db()
    assert (payment.amount_refunded, order.amount_refunded, order.payment_status) == (
        Decimal("10.00"),
        Decimal("10.00"),
        PaymentState.PARTIALLY_REFUNDED,
    )
    assert CreditNote.objects.get(refund=made).total == Decimal("10.00")
    assert timeline(order, EventKind.REFUND_UPDATED) == [
        (EventKind.REFUND_UPDATED, "Stripe refund of 10.00 EUR succeeded")
    ]


def test_charge_refunded_for_a_payment_not_recorded_yet_records_the_payment_first(
    client, stripe_on, stripe_api, order
):
    intent_id, charge_id = "pi_test_late", "ch_test_late"
    paid = charge(payment_intent=intent_id, amount=6095, fee=118, charge_id=charge_id)
    retrieve = stub_payment_intent(
        stripe_api,
        payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid),
    )
    refunds = stripe_api.get(
        f"{API}/v1/refunds",
        json={
            "object": "list",
            "url": "/v1/refunds",
            "has_more": False,
            "data": [
                refund(
                    payment_intent=intent_id,
                    amount=6095,
                    status="succeeded",
                    refund_id="re_test_late",
                    charge_id=charge_id,
                )
            ],
        },
        match=[responses.matchers.query_param_matcher({"charge": charge_id, "limit": "100"})],
    )
    refunded = {
        **paid,
        "amount_refunded": 6095,
        "refunded": True,
        "balance_transaction": "txn_test_late",
    }

    response = post_signed(client, event("charge.refunded", refunded))

    assert response.status_code == 200
    assert response.json() == OK
    assert (retrieve.call_count, refunds.call_count) == (1, 1)
    payment = Payment.objects.get()
    assert (
        payment.status,
        payment.amount,
        payment.fee,
        payment.stripe_charge_id,
        payment.amount_refunded,
    ) == (PaymentStatus.SUCCEEDED, Decimal("60.95"), Decimal("1.18"), charge_id, Decimal("60.95"))
    made = Refund.objects.get()
    assert (made.stripe_refund_id, made.amount, made.status) == (
        "re_test_late",
        Decimal("60.95"),
        RefundStatus.SUCCEEDED,
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid, order.amount_refunded) == (
        PaymentState.REFUNDED,
        Decimal("60.95"),
        Decimal("60.95"),
    )
    assert CreditNote.objects.get(refund=made).total == Decimal("60.95")
    assert [kind for kind, _ in timeline(order, *EventKind.values)][-5:] == [
        EventKind.PAID,
        EventKind.REFUNDED,  # in full: the units not shipped are cancelled
        EventKind.INVOICED,
        EventKind.CREDIT_NOTE,
        EventKind.REFUND_UPDATED,
    ]


def test_refund_updated_for_a_payment_not_recorded_yet_records_the_payment_first(
    client, stripe_on, stripe_api, order
):
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=6095, fee=118)
    retrieve = stub_payment_intent(
        stripe_api,
        payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid),
    )

    response = post_signed(
        client,
        event(
            "refund.updated",
            refund(payment_intent=intent_id, amount=2000, status="succeeded"),
        ),
    )

    assert response.status_code == 200
    assert response.json() == OK
    assert retrieve.call_count == 1
    payment = Payment.objects.get()
    assert (payment.status, payment.amount, payment.amount_refunded) == (
        PaymentStatus.SUCCEEDED,
        Decimal("60.95"),
        Decimal("20.00"),
    )
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid, order.amount_refunded) == (
        PaymentState.PARTIALLY_REFUNDED,
        Decimal("60.95"),
        Decimal("20.00"),
    )
    assert Refund.objects.get().amount == Decimal("20.00")


def test_a_refund_event_for_a_payment_intent_that_did_not_succeed_is_kept_as_failed(
    client, stripe_on, stripe_api, order
):
    intent = payment_intent(order=order, amount=6095, status="requires_payment_method")
    stub_payment_intent(stripe_api, intent)
    before = snapshot(order)

    response = post_signed(
        client,
        event("refund.created", refund(payment_intent=intent["id"], amount=100, status="pending")),
    )

    assert response.status_code == 200
    assert response.json() == {"received": True, "state": "failed"}
    assert StripeEvent.objects.get().error == (
        f"PaymentIntent {intent['id']} has not succeeded (requires_payment_method)."
    )
    assert {**snapshot(order), "events": 0} == {**before, "events": 0}


def test_a_dispute_flags_the_payment_and_is_on_the_timeline(client, stripe_on, stripe_api, order):
    intent = pay_through_stripe(client, stripe_api, order)
    dispute = {
        "id": new_id("dp"),
        "object": "dispute",
        "amount": 6095,
        "charge": new_id("ch"),
        "currency": "eur",
        "payment_intent": intent["id"],
        "reason": "fraudulent",
        "status": "needs_response",
    }
    sent = event("charge.dispute.created", dispute)

    response = post_signed(client, sent)

    assert response.status_code == 200
    assert response.json() == OK
    payment = Payment.objects.get()
    assert payment.disputed is True
    assert timeline(order, EventKind.DISPUTE) == [
        (EventKind.DISPUTE, "Dispute opened at Stripe for 60.95 EUR (fraudulent)")
    ]
    order.refresh_from_db()
    assert (order.payment_status, order.amount_paid) == (PaymentState.PAID, Decimal("60.95"))

    # A second dispute event for the same payment adds nothing.
    post_signed(client, event("charge.dispute.created", {**dispute, "id": new_id("dp")}))
    assert len(timeline(order, EventKind.DISPUTE)) == 1


def test_charge_refunded_carrying_its_refunds_settles_them_without_asking_stripe(
    client, stripe_on, stripe_api, order
):
    intent = pay_through_stripe(client, stripe_api, order)
    calls = len(stripe_api.calls)
    listed = [
        refund(payment_intent=intent["id"], amount=1500, status="succeeded", refund_id=refund_id)
        for refund_id in ("re_test_second", "re_test_first")
    ]
    refunded = {
        **charge(payment_intent=intent["id"], amount=6095),
        "amount_refunded": 3000,
        "refunds": {"object": "list", "has_more": False, "data": listed, "url": "/v1/refunds"},
    }

    response = post_signed(client, event("charge.refunded", refunded))

    assert response.status_code == 200
    assert response.json() == OK
    assert len(stripe_api.calls) == calls
    assert list(Refund.objects.order_by("id").values_list("stripe_refund_id", "amount")) == [
        ("re_test_first", Decimal("15.00")),
        ("re_test_second", Decimal("15.00")),
    ]
    order.refresh_from_db()
    assert (order.payment_status, order.amount_refunded) == (
        PaymentState.PARTIALLY_REFUNDED,
        Decimal("30.00"),
    )
    assert CreditNote.objects.count() == 2


def test_a_fee_charged_in_another_currency_is_not_taken_for_the_payments(
    client, stripe_on, stripe_api, order
):
    intent_id = new_id("pi")
    paid = charge(payment_intent=intent_id, amount=6095)
    paid["balance_transaction"] = {
        **paid["balance_transaction"],
        "currency": "usd",
        "fee": 210,
        "amount": 6610,
    }
    intent = payment_intent(order=order, amount=6095, intent_id=intent_id, latest_charge=paid)
    stub_payment_intent(stripe_api, intent)

    response = post_signed(
        client, event("payment_intent.succeeded", {**intent, "latest_charge": paid["id"]})
    )

    assert response.json() == OK
    payment = Payment.objects.get()
    assert (payment.status, payment.amount, payment.currency, payment.fee) == (
        PaymentStatus.SUCCEEDED,
        Decimal("60.95"),
        "EUR",
        None,
    )
