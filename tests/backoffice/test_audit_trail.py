"""Every write path leaves history rows that say who and why: an admin edit, a bulk admin
action, an API write, a system service (Stripe's, a nightly task's) and a management command.

Each test runs the real path and then reads every history row it wrote, across all the
audited models, so a row written without its actor or reason anywhere on the way fails it.
"""

import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone
from simple_history.models import registered_models

from backoffice import roles
from backoffice.activity import split_reason
from backoffice.actors import Actor
from backoffice.history import save_with_reason
from integrations.models import Scope
from integrations.stripe.client import PaymentFacts
from inventory.models import Product
from inventory.services import stock_receive
from sales.models import Customer, Invoice, Order, Payment
from sales.services import LineRequest, invoice_issue, order_create, order_place
from sales.services.stripe_events import stripe_payment_succeeded
from tests.factories import (
    AddressFactory,
    ChannelFactory,
    CustomerFactory,
    ProductFactory,
    TaxClassFactory,
    UserFactory,
    VariantFactory,
    WarehouseFactory,
)
from tests.integrations.api_helpers import admin_form_data, issue_key, order_body, post_order

SETUP = Actor.system("test setup")


def audited_history_models() -> list:
    models = {
        model
        for model in registered_models.values()
        if hasattr(model._meta, "simple_history_manager_attribute")
    }
    return [getattr(m, m._meta.simple_history_manager_attribute).model for m in models]


def history_marks() -> dict:
    """The newest history id of every audited model: what a path writes comes after it."""
    return {
        history: history._default_manager.aggregate(last=Max("history_id"))["last"] or 0
        for history in audited_history_models()
    }


def written_since(marks: dict) -> list:
    return [
        row
        for history, last in marks.items()
        for row in history._default_manager.filter(history_id__gt=last).order_by("history_id")
    ]


def actors(rows) -> set[tuple]:
    """(model, user id, actor kind, actor name, reason) of each row, as the Activity page
    reads them."""
    seen = set()
    for row in rows:
        kind, name, reason = split_reason(row.history_change_reason)
        label = row.instance_type._meta.label
        seen.add((label, row.history_user_id, kind, name, reason))
    return seen


@pytest.fixture
def merchant(db):
    return UserFactory(username="morgan", roles=[roles.MERCHANT])


@pytest.fixture
def stocked(store):
    """A sellable variant with stock, a channel and a customer."""
    warehouse = WarehouseFactory(code="main", is_default=True)
    variant = VariantFactory(
        sku="TEE-M",
        price=Decimal("20.00"),
        product__title="Linen tee",
        product__tax_class=TaxClassFactory(),
    )
    stock_receive(variant=variant, warehouse=warehouse, quantity=10, actor=SETUP)
    return variant


def placed_order(variant) -> Order:
    customer = CustomerFactory()
    draft = order_create(
        channel=ChannelFactory(),
        customer=customer,
        lines=[LineRequest(variant=variant, quantity=2)],
        shipping_address=AddressFactory(customer=customer),
        actor=SETUP,
    )
    return order_place(order=draft, actor=SETUP)


def test_an_admin_edit_records_the_user_and_a_reason(client, merchant, stocked):
    product = stocked.product
    client.force_login(merchant)
    url = f"/admin/inventory/product/{product.pk}/change/"
    data = admin_form_data(client.get(url))
    data["title"] = "Linen tee, washed"
    marks = history_marks()

    response = client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    written = written_since(marks)
    assert actors(written) == {("inventory.Product", merchant.pk, "", "", "Edited")}
    (record,) = [row for row in written if row.instance_type is Product]
    assert (record.history_type, record.title) == ("~", "Linen tee, washed")
    assert record.prev_record.title == "Linen tee"


def test_a_bulk_admin_action_records_one_row_per_product_with_the_user(client, merchant):
    drafts = [ProductFactory(status="draft") for _ in range(3)]
    client.force_login(merchant)
    marks = history_marks()

    response = client.post(
        "/admin/inventory/product/",
        {"action": "publish", "_selected_action": [p.pk for p in drafts[:2]]},
    )

    assert response.status_code == 302
    written = written_since(marks)
    assert sorted(row.id for row in written) == sorted(p.pk for p in drafts[:2])
    assert actors(written) == {
        ("inventory.Product", merchant.pk, "", "", "Status set to Active"),
    }
    assert all(row.history_type == "~" and row.status == "active" for row in written)


def test_an_api_write_records_the_api_client_and_a_reason(client, stocked):
    channel = ChannelFactory(code="web", name="Web shop")
    key = issue_key(channel, scopes=[Scope.ORDERS_WRITE], name="Web shop")
    prefix = key.split("_")[1]
    marks = history_marks()

    response = post_order(client, key, order_body(("TEE-M", 2), email="new@example.com"))

    assert response.status_code == 201, response.content
    written = written_since(marks)
    client_name = f"Web shop ({prefix})"
    assert actors(written) == {
        ("sales.Customer", None, "API client", client_name, "Created by an order"),
        ("sales.Order", None, "API client", client_name, "Created"),
        ("sales.Order", None, "API client", client_name, "Placed"),
    }
    order = Order.objects.get(number=response.json()["number"])
    assert order.history.count() == 2
    assert Customer.objects.get(email="new@example.com").history.count() == 1


def test_long_names_are_clipped_to_the_history_column_and_still_read_back(client, stocked):
    """The reason column holds 100 characters: a long API client name (or import file
    name) is shortened, never a failed save (PostgreSQL refuses a longer value)."""
    name = "Maison Lin — boutique en ligne, France métropolitaine et outre-mer"
    key = issue_key(ChannelFactory(), scopes=[Scope.ORDERS_WRITE], name=name)
    prefix = key.split("_")[1]
    marks = history_marks()

    response = post_order(client, key, order_body(("TEE-M", 1)))

    assert response.status_code == 201, response.content
    written = written_since(marks)
    assert {len(row.history_change_reason) <= 100 for row in written} == {True}
    readers = {(kind, name, reason) for _, _, kind, name, reason in actors(written)}
    clipped = "Maison Lin — boutique en ligne, France métrop…" + f"({prefix})"
    assert readers == {
        ("API client", clipped, "Created by an order"),
        ("API client", clipped, "Created"),
        ("API client", clipped, "Placed"),
    }

    product = stocked.product
    product.title = "Renamed"
    save_with_reason(product, Actor.for_user(UserFactory()), "Import #7: " + "x" * 120 + ".csv")
    reason = product.history.first().history_change_reason
    assert (len(reason), reason[:12], reason[-1]) == (100, "Import #7: x", "…")


def test_a_system_service_records_the_task_as_actor(stocked):
    """Stripe's webhook and a nightly task run services as a system actor, with no user."""
    order = placed_order(stocked)
    marks = history_marks()

    stripe_payment_succeeded(
        facts=PaymentFacts(
            payment_intent_id="pi_123",
            status="succeeded",
            amount=order.total,
            currency=order.currency,
            charge_id="ch_123",
            fee=Decimal("0.90"),
            order_id=order.pk,
            method="card",
        ),
        occurred_at=timezone.now(),
    )
    invoice_issue(order=order, actor=Actor.system("nightly invoicing"))

    written = written_since(marks)
    assert actors(written) == {
        ("sales.Payment", None, "System", "Stripe", "Payment succeeded"),
        ("sales.Order", None, "System", "Stripe", "Payment received"),
        ("sales.Invoice", None, "System", "nightly invoicing", "Issued"),
    }
    assert Payment.objects.get(order=order).history.count() == 1
    assert Invoice.objects.get(order=order).history.get().history_type == "+"


def test_a_management_command_records_itself_as_the_actor(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    marks = history_marks()

    call_command("seed_demo", "--no-sales", stdout=open(os.devnull, "w"))  # noqa: SIM115

    written = written_since(marks)
    assert len(written) > 50
    assert {(user, kind, name, reason) for _, user, kind, name, reason in actors(written)} == {
        (None, "System", "seed_demo", "Demo catalog"),
        (None, "System", "seed_demo", "Demo store"),
    }
    assert {label for label, *_ in actors(written)} >= {
        "inventory.Product",
        "inventory.ProductVariant",
        "inventory.Category",
        "inventory.TaxClass",
        "inventory.Warehouse",
        "backoffice.StoreSettings",
    }


def test_admin_deletes_record_who_and_why(client, db):
    from django.urls import reverse

    from backoffice import roles
    from inventory.models import Category
    from tests.factories import CategoryFactory, UserFactory

    merchant = UserFactory(username="deleter", roles=[roles.MERCHANT])
    client.force_login(merchant)
    one, two, three = CategoryFactory(), CategoryFactory(), CategoryFactory()
    client.post(reverse("admin:inventory_category_delete", args=[one.pk]), {"post": "yes"})
    client.post(
        reverse("admin:inventory_category_changelist"),
        {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
    )
    deleted = Category.history.filter(history_type="-")
    assert sorted((h.id, h.history_user.pk, h.history_change_reason) for h in deleted) == [
        (one.pk, merchant.pk, "Deleted in the admin"),
        (two.pk, merchant.pk, "Deleted in the admin (several at once)"),
        (three.pk, merchant.pk, "Deleted in the admin (several at once)"),
    ]
    assert not Category.objects.filter(pk__in=[one.pk, two.pk, three.pk]).exists()
