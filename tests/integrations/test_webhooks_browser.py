"""Webhooks in Chromium: the Owner adds an endpoint for the web shop, ticks its events, reads
the secret on its page; an order placed is delivered, and the delivery log shows the answer
and sends the message again."""

import pytest
from playwright.sync_api import expect

from backoffice import roles
from integrations.models import WebhookEndpoint, WebhookMessage
from integrations.webhooks.dispatch import webhooks_dispatch
from tests.factories import UserFactory
from tests.integrations import api_helpers
from tests.integrations.test_webhooks import Receiver, send_everything
from tests.sales.test_browser import sign_in

fresh_cache = api_helpers.fresh_cache  # autouse


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


def test_the_owner_sets_up_an_endpoint_and_reads_the_delivery_log(
    committed_db, shop, receiver, live_server, page, settings, tmp_path
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    UserFactory(username="boss", password="owner-pass", roles=[roles.OWNER])
    webhooks_dispatch()
    base = live_server.url
    sign_in(page, base, "boss", "owner-pass")

    page.goto(f"{base}/admin/integrations/webhookendpoint/add/")
    page.select_option("#id_channel", label=str(shop.channel))
    page.fill("#id_url", receiver.url)
    page.fill("#id_description", "Headless storefront")
    page.get_by_label("Order placed").check()
    page.get_by_label("Stock changed").check()
    page.screenshot(path=str(tmp_path / "endpoint-add.png"), full_page=True)
    page.locator("button[name=_continue]").click()
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["order.placed", "stock.changed"]
    expect(page.get_by_text(endpoint.secret)).to_be_visible()

    receiver.answers = [500] * 5  # whatever is sent first
    shop.placed((shop.tee, 1))
    send_everything()
    receiver.answers.clear()  # the storefront is fixed
    message = WebhookMessage.objects.get(event_type="order.placed")
    page.goto(f"{base}/admin/integrations/webhookmessage/")
    expect(page.locator("#result_list").get_by_text("Order placed")).to_be_visible()
    page.goto(f"{base}/admin/integrations/webhookmessage/{message.pk}/change/")
    expect(page.get_by_text("Answered 500.")).to_be_visible()
    page.get_by_role("link", name="Send again").click()
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_text("Sent 1: 1 accepted.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "message.png"), full_page=True)
    message.refresh_from_db()
    assert message.state == "delivered"
    assert len([body for _, body in receiver.received if b"order.placed" in body]) == 2
