"""Webhooks in the admin: the Owner adds an endpoint (an address inside the network is
refused on the form), reads its secret and its delivery log, sends a message again; nobody
else opens these pages."""

import pytest

from integrations.models import MessageState, WebhookEndpoint, WebhookMessage
from integrations.webhooks.dispatch import webhooks_dispatch
from tests.integrations import api_helpers
from tests.integrations.test_api_admin import messages_of
from tests.integrations.test_api_sync import COMMITTED
from tests.integrations.test_webhooks import Receiver, send_everything

fresh_cache = api_helpers.fresh_cache  # autouse
pytestmark = COMMITTED

ENDPOINTS = "/admin/integrations/webhookendpoint/"
MESSAGES = "/admin/integrations/webhookmessage/"


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def add_in_admin(client, shop, url, events=("order.placed", "product.changed")):
    return client.post(
        f"{ENDPOINTS}add/",
        {"channel": shop.channel.pk, "url": url, "description": "Headless shop",
         "events": list(events)},
        follow=True,
    )  # fmt: skip


def test_the_owner_adds_an_endpoint_and_reads_its_secret(client, owner, shop, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client.force_login(owner)
    response = add_in_admin(client, shop, receiver.url)
    assert response.redirect_chain[0][1] == 302, response.context["adminform"].form.errors
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.created_by) == (
        receiver.url,
        ["order.placed", "product.changed"],
        owner,
    )
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    page = client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert endpoint.secret in page
    assert endpoint.history.get().history_change_reason.startswith("Endpoint created")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379/", "inside a private network"),
        ("http://169.254.169.254/latest/meta-data/", "inside a private network"),
        ("ftp://example.com/hooks", "starts with https://"),
    ],
)
def test_an_address_inside_the_network_is_refused_on_the_form(client, owner, shop, url, message):
    client.force_login(owner)
    response = add_in_admin(client, shop, url)
    assert response.status_code == 200 and not response.redirect_chain
    assert message in str(response.context["adminform"].form.errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_shows_each_answer_and_a_message_is_sent_again(
    client, owner, shop, receiver, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    client.force_login(owner)
    webhooks_dispatch()
    add_in_admin(client, shop, receiver.url, events=["order.placed"])
    receiver.answers = [500]
    shop.placed((shop.tee, 1))
    send_everything()
    message = WebhookMessage.objects.get()
    listing = client.get(MESSAGES).content.decode()
    assert "order.placed" in listing and "500" in listing
    page = client.get(f"{MESSAGES}{message.pk}/change/").content.decode()
    assert "Server error" in page and message.webhook_id in page

    confirm = client.get(f"{MESSAGES}{message.pk}/replay/")
    assert confirm.status_code == 200
    done = client.post(f"{MESSAGES}{message.pk}/replay/", follow=True)
    assert messages_of(done) == ["Sent 1: 1 accepted."]
    assert len(receiver.received) == 2
    assert message.tries.filter(replay=True, status_code=200).exists()
    message.refresh_from_db()
    assert message.state == MessageState.DELIVERED  # no retry is left to make
    assert message.next_attempt_at is None


@pytest.mark.parametrize("role", ["merchant", "accountant"])
def test_nobody_else_opens_webhook_pages_or_replays(
    client, shop, receiver, settings, role, request
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhooks_dispatch()
    from integrations.webhooks.endpoints import webhook_endpoint_create
    from tests.integrations.api_helpers import SYSTEM

    endpoint = webhook_endpoint_create(
        channel=shop.channel, url=receiver.url, events=["order.placed"], actor=SYSTEM
    )
    shop.placed((shop.tee, 1))
    send_everything()
    message = WebhookMessage.objects.get()
    client.force_login(request.getfixturevalue(role))
    for path in (ENDPOINTS, f"{ENDPOINTS}{endpoint.pk}/change/", MESSAGES,
                 f"{MESSAGES}{message.pk}/change/"):  # fmt: skip
        assert client.get(path).status_code == 403, path
    secret, tries = endpoint.secret, message.tries.count()
    assert client.post(f"{MESSAGES}{message.pk}/replay/").status_code == 403
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/rotate/").status_code == 403
    assert len(receiver.received) == 1 and message.tries.count() == tries
    endpoint.refresh_from_db()
    assert endpoint.secret == secret and endpoint.history.count() == 1
