"""The sales admin through Django's test client, as the Merchant and the Accountant use it."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from sales.models import CreditNote, Invoice, Order, OrderStatus, Payment, Refund
from sales.services import invoice_issue, order_fulfil, order_mark_paid, payment_refund
from tests.conftest import set_store
from tests.factories import CustomerFactory, UserFactory
from tests.sales.conftest import SYSTEM, ledger_count, stock_of


@pytest.fixture
def history(shop):
    """A refunded, shipped order and an open draft."""
    order = shop.placed((shop.tee, 2), (shop.mug, 1))
    payment = order_mark_paid(order=order, actor=SYSTEM)
    order_fulfil(order=order, warehouse=shop.main, actor=SYSTEM)
    refund = payment_refund(payment=payment, actor=SYSTEM, amount=Decimal("5.00"))
    order.refresh_from_db()
    return order, refund, shop.draft((shop.mug, 1))


def books():
    return (
        list(Order.objects.order_by("pk").values_list("status", "payment_status", "amount_paid")),
        Payment.objects.count(),
        Refund.objects.count(),
        Invoice.objects.count(),
        CreditNote.objects.count(),
        ledger_count(),
    )


def pages(order, refund, draft):
    invoice = order.invoice.pk
    return [
        "/admin/sales/order/",
        f"/admin/sales/order/{order.pk}/change/",
        f"/admin/sales/order/{draft.pk}/change/",
        "/admin/sales/customer/",
        f"/admin/sales/customer/{order.customer_id}/change/",
        "/admin/sales/payment/",
        "/admin/sales/refund/",
        "/admin/sales/fulfillment/",
        "/admin/sales/invoice/",
        f"/admin/sales/invoice/{invoice}/change/",
        f"/admin/sales/invoice/{invoice}/pdf/",
        f"/admin/sales/invoice/{invoice}/xlsx/",
        "/admin/sales/creditnote/",
        f"/admin/sales/creditnote/{refund.credit_note.pk}/change/",
        f"/admin/sales/creditnote/{refund.credit_note.pk}/pdf/",
        "/admin/sales/channel/",
    ]


@pytest.mark.parametrize("role", ["merchant", "accountant"])
def test_every_sales_page_renders_for_merchant_and_accountant(client, request, history, role):
    client.force_login(request.getfixturevalue(role))
    for page in pages(*history):
        assert client.get(page).status_code == 200, page


def test_the_order_page_offers_the_actions_that_fit_its_state(client, merchant, shop, history):
    order, _, draft = history
    client.force_login(merchant)

    def offered(pk):
        html = client.get(f"/admin/sales/order/{pk}/change/").content.decode()
        names = ["place", "mark-paid", "send-payment-link", "fulfil", "issue-invoice", "refund"]
        return {n for n in [*names, "cancel", "add-note"] if f"/{pk}/{n}/" in html}

    assert offered(draft.pk) == {"place", "cancel", "add-note"}
    assert offered(order.pk) == {"refund", "add-note"}  # shipped, paid, invoiced
    fresh = shop.placed((shop.mug, 1))
    assert offered(fresh.pk) == {
        "mark-paid",
        "send-payment-link",
        "fulfil",
        "issue-invoice",
        "cancel",
        "add-note",
    }


def test_a_merchant_takes_an_order_from_draft_to_refund(client, merchant, shop):
    client.force_login(merchant)
    customer = CustomerFactory(email="lou@example.com")
    response = client.post(
        "/admin/sales/order/add/",
        {
            "channel": shop.channel.pk,
            "customer": customer.pk,
            "shipping": "4.90",
            "source_reference": "",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-variant": shop.tee.pk,
            "lines-0-quantity": "2",
            "lines-0-discount": "0",
            "lines-1-variant": shop.mug.pk,
            "lines-1-quantity": "1",
            "lines-1-discount": "0",
            **empty_record_formsets(),
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    order = Order.objects.get(customer=customer)
    assert (order.status, order.total) == (OrderStatus.DRAFT, Decimal("66.83"))
    assert order.history.first().history_user == merchant

    base = f"/admin/sales/order/{order.pk}"
    assert client.post(f"{base}/place/").status_code == 302
    assert stock_of(shop.tee, shop.main) == (5, 2)
    assert (
        client.post(f"{base}/mark-paid/", {"method": "Cash", "reference": "R1"}).status_code == 302
    )
    shipped = client.post(
        f"{base}/fulfil/", {"warehouse": shop.main.pk, "carrier": "DHL", "tracking_number": "T9"}
    )
    assert shipped.status_code == 302
    tee_line = order.lines.get(sku="TEE-M")
    refund_form = {
        "payment": order.payments.get().pk,
        f"line_{tee_line.pk}": "1",
        "restock": "on",
        "reason": "Damaged in transit",
    }
    before = books()
    confirming = client.post(f"{base}/refund/", refund_form)
    assert confirming.status_code == 200
    assert confirming.context["confirmation"] == [
        "Refund €23.88 of the payment.",
        "The order's invoice is issued, then a credit note of €23.88 against it.",
        "1 × TEE-M shipped: back into stock at main.",
    ]
    assert books() == before  # nothing happens before the refund is confirmed
    refunded = client.post(f"{base}/refund/", {**refund_form, "confirmed": "1"})
    assert refunded.status_code == 302

    order.refresh_from_db()
    assert (order.status, order.payment_status, order.amount_refunded) == (
        OrderStatus.COMPLETED,
        "partially_refunded",
        Decimal("23.88"),
    )
    assert stock_of(shop.tee, shop.main) == (4, 0)
    assert order.fulfillments.get().tracking_number == "T9"
    assert order.invoice.credit_notes.get().total == Decimal("23.88")
    timeline = list(order.events.values_list("kind", flat=True))
    assert timeline == [
        "credit_note",
        "refunded",
        "invoiced",
        "fulfilled",
        "paid",
        "placed",
        "created",
    ]


def empty_record_formsets():
    return {
        f"{prefix}-{field}": "0"
        for prefix in ("payments", "fulfillments", "refunds", "notes", "events")
        for field in ("TOTAL_FORMS", "INITIAL_FORMS")
    }


def test_a_refused_action_says_why_and_changes_nothing(client, merchant, shop, history):
    order, _, _ = history
    client.force_login(merchant)
    before = books()

    response = client.post(f"/admin/sales/order/{order.pk}/cancel/", {"reason": "x"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        f"Order {order.number} has shipped: it cannot be cancelled. Refund what comes back."
    ]
    assert books() == before


def test_without_stripe_the_payment_link_page_only_explains(client, merchant, shop, settings):
    settings.STRIPE_ENABLED = False
    order = shop.placed((shop.mug, 1))
    client.force_login(merchant)
    before = books()

    page = client.get(f"/admin/sales/order/{order.pk}/send-payment-link/")
    posted = client.post(f"/admin/sales/order/{order.pk}/send-payment-link/", {})

    assert "Stripe is off" in page.content.decode()
    assert page.context["submit_label"] == ""
    assert posted.status_code == 200 and books() == before


def test_a_refund_form_with_both_amount_and_lines_is_refused(client, merchant, history):
    order, _, _ = history
    client.force_login(merchant)
    before = books()
    line = order.lines.get(sku="MUG")

    response = client.post(
        f"/admin/sales/order/{order.pk}/refund/",
        {"payment": order.payments.get().pk, "amount": "3.00", f"line_{line.pk}": "1"},
    )

    assert response.status_code == 200
    assert "Refund one of an amount or units of lines" in response.content.decode()
    assert books() == before


def test_the_accountant_reads_and_downloads_but_cannot_act(client, accountant, history):
    order, _, draft = history
    client.force_login(accountant)
    before = books()

    for action in ["place", "mark-paid", "fulfil", "refund", "cancel", "issue-invoice"]:
        target = draft if action == "place" else order
        assert client.post(f"/admin/sales/order/{target.pk}/{action}/").status_code == 403
    assert client.get("/admin/sales/order/add/").status_code == 403
    assert client.post(f"/admin/sales/order/{draft.pk}/change/", {}).status_code == 403

    download = client.get(f"/admin/sales/invoice/{order.invoice.pk}/xlsx/")
    sheet = load_workbook(BytesIO(download.content)).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    assert rows[0] == ("Invoice", order.invoice.number, *[None] * 6)
    totals = {row[0]: Decimal(str(row[7])) for row in rows if row[0] in ("Net", "Tax", "Total")}
    invoice = order.invoice
    assert totals == {"Net": invoice.subtotal, "Tax": invoice.tax, "Total": order.total}
    assert books() == before


def test_nobody_edits_or_deletes_an_issued_invoice(client, history):
    order, _, _ = history
    client.force_login(UserFactory(is_superuser=True))
    invoice = order.invoice

    assert client.post(f"/admin/sales/invoice/{invoice.pk}/change/", {}).status_code == 403
    assert (
        client.post(f"/admin/sales/invoice/{invoice.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Invoice.objects.get(pk=invoice.pk).total == order.total


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_sales_lists_run_a_constant_number_of_queries(client, merchant, shop):
    client.force_login(merchant)
    lists = [
        "/admin/sales/order/",
        "/admin/sales/customer/",
        "/admin/sales/payment/",
        "/admin/sales/invoice/",
    ]

    def add_orders(count):
        for _ in range(count):
            order = shop.placed((shop.mug, 1))
            order_mark_paid(order=order, actor=SYSTEM)
            invoice_issue(order=order, actor=SYSTEM)

    add_orders(2)
    for url in lists:  # the first request reads the store settings into the cache
        _queries(client, url)
    few = {url: _queries(client, url) for url in lists}
    add_orders(6)
    many = {url: _queries(client, url) for url in lists}
    assert many == few


def _draft_form(draft, customer, lines, **extra):
    form = {
        "customer": customer.pk,
        "shipping": "6.00",
        "source_reference": "PHONE-12",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(sum(1 for line in lines if line[0])),
        **empty_record_formsets(),
        **extra,
    }
    for row, (line_id, variant, quantity) in enumerate(lines):
        form.update(
            {
                f"lines-{row}-id": line_id or "",
                f"lines-{row}-order": draft.pk,
                f"lines-{row}-variant": variant.pk,
                f"lines-{row}-quantity": str(quantity),
                f"lines-{row}-discount": "0",
            }
        )
    return form


def test_a_draft_is_edited_in_place_and_repriced(client, merchant, shop, settings):
    set_store(prices_include_tax=True)
    draft = shop.draft((shop.tee, 1), shipping=Decimal("6.00"))
    client.force_login(merchant)
    other = CustomerFactory()
    line = draft.lines.get()
    url = f"/admin/sales/order/{draft.pk}/change/"

    edited = _draft_form(draft, other, [(line.pk, shop.tee, 3), (None, shop.mug, 1)])
    assert client.post(url, edited).status_code == 302
    # Saved again as the page now shows it: nothing moves (shipping is not taxed twice).
    lines = [(line.pk, line.variant, line.quantity) for line in draft.lines.all()]
    assert client.post(url, _draft_form(draft, other, lines)).status_code == 302

    draft.refresh_from_db()
    assert (draft.customer, draft.source_reference, draft.channel) == (
        other,
        "PHONE-12",
        shop.channel,
    )
    assert sorted(draft.lines.values_list("sku", "quantity")) == [("MUG", 1), ("TEE-M", 3)]
    # Prices include tax: 3 × 19.90 + 12.50 + 6.00 shipping.
    assert (draft.shipping, draft.shipping_tax, draft.total) == (
        Decimal("6.00"),
        Decimal("1.00"),
        Decimal("78.20"),
    )
