"""Webhooks to a storefront, against a receiver the test starts on a local port: the change
log becomes signed messages (verified with the Standard Webhooks library), a 500 or a
timeout is tried again on the backoff's schedule, an endpoint that keeps failing is disabled
and its owner told, and an address inside the network is refused.

Tests run in real transactions: on PostgreSQL the dispatcher reads settled changes only."""

import io
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from backoffice.exceptions import DomainError
from integrations.models import (
    MessageState,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
from integrations.tasks import webhooks_dispatch_task
from integrations.webhooks import targets
from integrations.webhooks.delivery import (
    RETRY_DELAYS,
    webhook_deliver,
    webhooks_due,
    webhooks_prune,
)
from integrations.webhooks.dispatch import webhooks_dispatch
from integrations.webhooks.endpoints import webhook_endpoint_create, webhook_endpoint_update
from inventory.services import variant_save
from sales.services import order_cancel, order_mark_paid
from tests.factories import ChannelFactory
from tests.integrations import api_helpers
from tests.integrations.api_helpers import SYSTEM
from tests.integrations.test_api_schema_types import validator
from tests.integrations.test_api_sync import COMMITTED

fresh_cache = api_helpers.fresh_cache  # autouse
pytestmark = COMMITTED


class Receiver:
    """A storefront's webhook handler: records what it is sent and answers as told (a status
    per request, or a pause longer than the sender waits)."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.answers: list[int | str] = []  # next answers: a status, or "slow"
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "slow":
                    receiver.release.wait(5)
                    answer = 200
                self.send_response(int(answer))
                self.end_headers()
                self.wfile.write(b"handled" if answer == 200 else b"<h1>Server error</h1>")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/backoffice"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


@pytest.fixture
def private_targets_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.WEBHOOK_DISABLE_AFTER = 3


@pytest.fixture
def endpoint(shop, receiver, private_targets_allowed):
    webhooks_dispatch()  # the dispatcher starts at the end of the log: only what follows
    return webhook_endpoint_create(
        channel=shop.channel, url=receiver.url, events=WebhookEvent.values, actor=SYSTEM
    )


def send_everything() -> list[WebhookAttempt | None]:
    ids, _ = webhooks_dispatch()
    return [webhook_deliver(message_id) for message_id in ids]


def later(monkeypatch, delta: timedelta):
    moved = timezone.now() + delta
    monkeypatch.setattr(timezone, "now", lambda: moved)


def test_an_order_paid_reaches_the_storefront_signed(shop, endpoint, receiver, client):
    order = shop.placed((shop.tee, 1))
    order_mark_paid(order=order, actor=SYSTEM)
    send_everything()

    events = receiver.events()
    order_events = [event for event in events if event["type"].startswith("order.")]
    assert [event["type"] for event in order_events] == ["order.placed", "order.paid"]
    assert order_events[1]["data"]["order"]["number"] == order.number
    assert order_events[1]["data"]["order"]["payment_status"] == "paid"
    assert {"product.changed", "variant.changed", "stock.changed"} <= {e["type"] for e in events}
    published = client.get("/api/v1/openapi.json").json()
    for headers, body in receiver.received:
        lowered = {name.lower(): value for name, value in headers.items()}
        message = Webhook(endpoint.secret).verify(body, lowered)
        declared = published["webhooks"][message["type"]]["post"]["requestBody"]["content"]
        validator(published, declared["application/json"]["schema"]).validate(message)
        with pytest.raises(WebhookVerificationError):
            Webhook(endpoint.secret).verify(body + b" ", lowered)
    assert set(WebhookMessage.objects.values_list("state", flat=True)) == {"delivered"}
    attempt = WebhookAttempt.objects.first()
    assert (attempt.status_code, attempt.response_excerpt) == (200, "handled")


def test_each_endpoint_gets_only_its_channel_orders_and_its_chosen_events(shop, endpoint, receiver):
    other = ChannelFactory(code="pos", name="Shop counter")
    elsewhere = webhook_endpoint_create(
        channel=other, url=receiver.url + "/pos", events=["order.placed"], actor=SYSTEM
    )
    endpoint.events = ["order.cancelled"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    order = shop.placed((shop.tee, 1))
    order_cancel(order=order, actor=SYSTEM)
    shop.tee.price = Decimal("30.00")
    variant_save(variant=shop.tee, actor=SYSTEM)
    send_everything()

    assert [event["type"] for event in receiver.events()] == ["order.cancelled"]
    assert not WebhookMessage.objects.filter(endpoint=elsewhere).exists()


def test_a_step_of_an_order_is_told_once_though_the_order_changes_again(shop, endpoint, receiver):
    order = shop.placed((shop.tee, 1))
    send_everything()
    order_mark_paid(order=order, actor=SYSTEM)
    send_everything()
    kinds = [event["type"] for event in receiver.events() if event["type"].startswith("order.")]
    assert kinds == ["order.placed", "order.paid"]


def test_a_500_and_a_timeout_are_tried_again_on_the_schedule(shop, endpoint, receiver, monkeypatch):
    endpoint.events = ["order.placed"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    receiver.answers = [500, "slow"]
    shop.placed((shop.tee, 1))
    (first,) = send_everything()
    assert (first.status_code, first.error) == (500, "Answered 500.")
    message = WebhookMessage.objects.get()
    assert message.state == MessageState.PENDING and message.attempts == 1
    assert message.next_attempt_at > timezone.now() + RETRY_DELAYS[0] - timedelta(seconds=2)
    assert webhooks_due() == [] and webhook_deliver(message.pk) is None  # not yet due

    later(monkeypatch, RETRY_DELAYS[0] + timedelta(seconds=1))
    assert webhooks_due() == [message.pk]
    second = webhook_deliver(message.pk)
    assert (second.status_code, second.error) == (None, "No answer within the time limit.")
    message.refresh_from_db()
    assert message.attempts == 2 and message.state == MessageState.PENDING

    later(monkeypatch, RETRY_DELAYS[0] + RETRY_DELAYS[1] + timedelta(seconds=2))
    third = webhook_deliver(message.pk)
    assert third.status_code == 200
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED and message.delivered_at
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert ids == {message.webhook_id}  # a receiver can drop repeats by id
    assert WebhookEndpoint.objects.get().failures_in_a_row == 0


def test_a_message_is_given_up_after_a_day_of_tries(shop, endpoint, receiver, monkeypatch):
    endpoint.events = ["order.placed"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    receiver.answers = [200]
    shop.placed((shop.tee, 1))
    message_id = webhooks_dispatch()[0][0]
    WebhookMessage.objects.filter(pk=message_id).update(attempts=len(RETRY_DELAYS))
    receiver.answers = [503]
    webhook_deliver(message_id)
    message = WebhookMessage.objects.get(pk=message_id)
    assert (message.state, message.next_attempt_at) == (MessageState.FAILED, None)
    assert sum(RETRY_DELAYS, timedelta()) > timedelta(days=1)


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told(
    shop, endpoint, receiver, owner, monkeypatch
):
    owner.email = "owner@example.com"
    owner.save()
    receiver.answers = [500] * 10
    shop.placed((shop.tee, 1))
    attempts = send_everything()
    assert [a.status_code for a in attempts if a] == [500, 500, 500]  # then it stopped
    endpoint.refresh_from_db()
    assert not endpoint.active and "3 failed attempts in a row" in endpoint.disabled_reason
    assert len(receiver.received) == 3
    (sent,) = mail.outbox
    assert sent.to == ["owner@example.com"] and endpoint.url in sent.body
    assert f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/" in sent.body

    later(monkeypatch, timedelta(days=2))
    assert webhooks_due() == []
    shop.placed((shop.mug, 1))
    assert webhooks_dispatch()[0] == []  # nothing queued for a disabled endpoint


def test_an_endpoint_enabled_again_counts_from_zero(shop, endpoint, receiver):
    receiver.answers = [500] * 3
    shop.placed((shop.tee, 1))
    send_everything()
    endpoint.refresh_from_db()
    endpoint.active = True
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    endpoint.refresh_from_db()
    assert (endpoint.failures_in_a_row, endpoint.disabled_reason) == (0, "")


def test_a_replay_sends_the_same_message_again(shop, endpoint, receiver):
    endpoint.events = ["order.placed"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    shop.placed((shop.tee, 1))
    send_everything()
    message = WebhookMessage.objects.get()
    attempt = webhook_deliver(message.pk, replay=True)
    assert attempt.replay and attempt.status_code == 200
    (first_headers, first_body), (again_headers, again_body) = receiver.received
    assert first_body == again_body
    assert first_headers["webhook-id"] == again_headers["webhook-id"]
    assert message.tries.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.1.2.3/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
        "ftp://example.com/hooks",
        "https://user:secret@example.com/hooks",
        "javascript:alert(1)",
    ],
)
def test_an_address_inside_the_network_is_refused(shop, url):
    with pytest.raises(DomainError):
        webhook_endpoint_create(
            channel=shop.channel, url=url, events=["order.placed"], actor=SYSTEM
        )
    assert not WebhookEndpoint.objects.exists()


def test_an_address_that_turns_private_is_not_called(shop, endpoint, receiver, settings):
    endpoint.events = ["order.placed"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # as in production, after it was saved
    shop.placed((shop.tee, 1))
    (attempt,) = send_everything()
    assert attempt.status_code is None and "private network" in attempt.error
    assert receiver.received == []


def test_unknown_events_and_none_are_refused(shop, private_targets_allowed, receiver):
    for events in (["order.exploded"], []):
        with pytest.raises(DomainError):
            webhook_endpoint_create(
                channel=shop.channel, url=receiver.url, events=events, actor=SYSTEM
            )
    assert not WebhookEndpoint.objects.exists()


def test_the_dispatch_task_delivers_in_process(shop, endpoint, receiver, eager_tasks):
    shop.placed((shop.tee, 1))
    assert webhooks_dispatch_task.delay().get() > 0
    assert "order.placed" in [event["type"] for event in receiver.events()]
    assert not WebhookMessage.objects.exclude(state=MessageState.DELIVERED).exists()


def test_a_real_worker_delivers_them(shop, endpoint, receiver, celery_worker):
    shop.placed((shop.tee, 1))
    assert webhooks_dispatch_task.delay().get(timeout=30) > 0
    deadline = timezone.now() + timedelta(seconds=30)
    while WebhookMessage.objects.exclude(state=MessageState.DELIVERED).exists():
        assert timezone.now() < deadline, "the worker did not deliver in 30 s"
        threading.Event().wait(0.2)
    assert "order.placed" in [event["type"] for event in receiver.events()]


def test_without_workers_the_command_sends_them(shop, endpoint, receiver, monkeypatch):
    receiver.answers = [500]
    shop.placed((shop.tee, 1))
    out = io.StringIO()
    call_command("send_webhooks", stdout=out)
    assert "delivered" in out.getvalue()
    assert WebhookMessage.objects.filter(state=MessageState.PENDING).count() == 1  # the 500
    later(monkeypatch, RETRY_DELAYS[0] + timedelta(seconds=1))
    call_command("send_webhooks", stdout=out)
    assert not WebhookMessage.objects.exclude(state=MessageState.DELIVERED).exists()


def test_settled_messages_leave_the_log_after_its_days(shop, endpoint, receiver, monkeypatch):
    receiver.answers = [200, 500]
    endpoint.events = ["order.placed"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    shop.placed((shop.tee, 1))
    shop.placed((shop.tee, 1))
    send_everything()
    assert sorted(WebhookMessage.objects.values_list("state", flat=True)) == [
        "delivered",
        "pending",
    ]
    later(monkeypatch, timedelta(days=31))
    assert webhooks_prune(30) == 2  # the delivered message and its attempt
    assert list(WebhookMessage.objects.values_list("state", flat=True)) == ["pending"]
    assert WebhookAttempt.objects.count() == 1


def test_a_name_that_resolves_inside_at_the_call_is_not_called(
    shop, endpoint, receiver, settings, monkeypatch
):
    """DNS rebinding: the check is told a public address, the call would reach a private
    one; the connection calls only the address it checked itself, and refuses."""
    endpoint.events = ["order.placed"]
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    monkeypatch.setattr(targets, "inside_address", lambda hostname, port: None)
    shop.placed((shop.tee, 1))
    (attempt,) = send_everything()
    assert (attempt.status_code, attempt.error) == (
        None,
        "Not sent: the address now leads inside the network.",
    )
    assert receiver.received == []
