"""An order never ships what was refunded: refunded units that had not shipped are cancelled
and their stock released, an order refunded in full ships nothing more, and every refund in
the admin is an explicit choice confirmed on a page that says what it will do."""

from decimal import Decimal

import pytest

from backoffice.exceptions import DomainError
from sales.models import Fulfillment, LineAllocation, OrderStatus, PaymentState
from sales.services import (
    RefundLineRequest,
    order_fulfil,
    order_mark_paid,
    payment_refund,
    refund_preview,
)
from tests.sales.conftest import SYSTEM, ledger_count, stock_of
from tests.sales.test_admin import books


@pytest.fixture
def paid(shop):
    """2 tees and 1 mug, paid, nothing shipped: 47.76 + 13.19 = €60.95."""
    order = shop.placed((shop.tee, 2), (shop.mug, 1))
    order_mark_paid(order=order, actor=SYSTEM)
    order.refresh_from_db()
    return order


def test_refunding_every_unit_before_shipping_releases_the_stock_and_ships_nothing(shop, paid):
    assert stock_of(shop.tee, shop.main) == (5, 2)
    requests = [RefundLineRequest(line=line, quantity=line.quantity) for line in paid.lines.all()]

    payment_refund(payment=paid.payments.get(), lines=requests, actor=SYSTEM)

    assert stock_of(shop.tee, shop.main) == (5, 0)
    assert stock_of(shop.mug, shop.main) == (10, 0)
    assert not LineAllocation.objects.filter(line__order=paid).exists()
    assert [line.quantity_open for line in paid.lines.all()] == [0, 0]
    moves = ledger_count()
    with pytest.raises(DomainError, match="is refunded in full: nothing of it may ship"):
        order_fulfil(order=paid, warehouse=shop.main, actor=SYSTEM)
    assert (ledger_count(), Fulfillment.objects.count()) == (moves, 0)


def test_refunding_the_whole_payment_cancels_what_was_left_to_ship(shop, paid):
    refund = payment_refund(payment=paid.payments.get(), actor=SYSTEM)  # the whole payment

    paid.refresh_from_db()
    assert (refund.amount, paid.payment_status) == (Decimal("60.95"), PaymentState.REFUNDED)
    assert stock_of(shop.tee, shop.main) == (5, 0)
    assert [line.quantity_cancelled for line in paid.lines.order_by("position")] == [2, 1]
    assert paid.events.filter(message__startswith="Refunded in full: 3 unit(s)").exists()
    with pytest.raises(DomainError, match="refunded in full"):
        order_fulfil(order=paid, warehouse=shop.main, actor=SYSTEM)
    assert Fulfillment.objects.count() == 0


def test_a_partial_refund_by_amount_leaves_the_units_to_ship(shop, paid):
    payment_refund(payment=paid.payments.get(), amount=Decimal("5.00"), actor=SYSTEM)

    shipment = order_fulfil(order=paid, warehouse=shop.main, actor=SYSTEM)

    assert sum(line.quantity for line in shipment.lines.all()) == 3
    paid.refresh_from_db()
    assert (paid.status, paid.payment_status) == (OrderStatus.COMPLETED, "partially_refunded")


def test_refunding_some_units_lowers_what_remains_to_ship(shop, paid):
    tee = paid.lines.get(sku="TEE-M")
    payment_refund(
        payment=paid.payments.get(), lines=[RefundLineRequest(line=tee, quantity=1)], actor=SYSTEM
    )

    shipment = order_fulfil(order=paid, warehouse=shop.main, actor=SYSTEM)

    shipped = {line.line.sku: line.quantity for line in shipment.lines.select_related("line")}
    assert shipped == {"TEE-M": 1, "MUG": 1}
    assert stock_of(shop.tee, shop.main) == (4, 0)  # one shipped, one released


def test_the_preview_says_what_a_refund_does_and_writes_nothing(shop, paid):
    tee = paid.lines.get(sku="TEE-M")
    before = books()

    whole = refund_preview(payment=paid.payments.get())
    some = refund_preview(
        payment=paid.payments.get(), lines=[RefundLineRequest(line=tee, quantity=1)]
    )

    assert (whole.amount, whole.currency) == (Decimal("60.95"), "EUR")
    assert whole.credit_note == (
        "The order's invoice is issued, then a credit note of €60.95 against it."
    )
    assert whole.stock == [
        "The order is refunded in full: the 3 other unit(s) still to ship are cancelled and "
        "their stock released."
    ]
    assert some.amount == Decimal("23.88")
    assert some.stock == ["1 × TEE-M not shipped yet: cancelled, stock released."]
    with pytest.raises(DomainError, match="left to refund"):
        refund_preview(payment=paid.payments.get(), amount=Decimal("61"))
    assert books() == before


# --- the admin --------------------------------------------------------------------------------


def refund_url(order) -> str:
    return f"/admin/sales/order/{order.pk}/refund/"


def test_an_empty_refund_form_refunds_nothing(client, merchant, paid):
    client.force_login(merchant)
    before = books()

    response = client.post(refund_url(paid), {"payment": paid.payments.get().pk})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Choose what to refund: the whole payment, an amount, or units of lines."
    ]
    assert books() == before


def test_a_whole_refund_is_confirmed_then_cancels_the_shipping(client, merchant, shop, paid):
    client.force_login(merchant)
    order_page = f"/admin/sales/order/{paid.pk}/change/"
    assert f"/admin/sales/order/{paid.pk}/fulfil/" in client.get(order_page).content.decode()
    form = {"payment": paid.payments.get().pk, "whole_payment": "on", "reason": "Out of stock"}
    before = books()

    confirming = client.post(refund_url(paid), form)

    page = confirming.content.decode()
    assert confirming.context["confirmation"] == [
        "Refund €60.95 of the payment.",
        "The order's invoice is issued, then a credit note of €60.95 against it.",
        "The order is refunded in full: the 3 other unit(s) still to ship are cancelled and "
        "their stock released.",
    ]
    assert 'name="confirmed"' in page and "Confirm: refund" in page
    assert books() == before

    done = client.post(refund_url(paid), {**form, "confirmed": "1"}, follow=True)

    assert "Refunded 60.95 EUR" in " ".join(str(m) for m in done.context["messages"])
    paid.refresh_from_db()
    assert paid.payment_status == PaymentState.REFUNDED
    assert paid.invoice.credit_notes.get().total == Decimal("60.95")
    assert stock_of(shop.tee, shop.main) == (5, 0)
    assert f"/admin/sales/order/{paid.pk}/fulfil/" not in client.get(order_page).content.decode()
    moves = ledger_count()
    refused = client.post(f"/admin/sales/order/{paid.pk}/fulfil/", {"warehouse": shop.main.pk})
    assert refused.status_code == 200 and refused.context["submit_label"] == ""
    assert "is refunded in full: nothing of it may ship" in refused.context["explanation"]
    assert (ledger_count(), Fulfillment.objects.count()) == (moves, 0)


def test_a_refund_amount_finer_than_the_currency_is_refused(client, merchant, shop, paid):
    client.force_login(merchant)
    before = books()

    response = client.post(refund_url(paid), {"payment": paid.payments.get().pk, "amount": "1.005"})

    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    assert books() == before
