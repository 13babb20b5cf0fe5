"""Orders a storefront sends are checked as a carrier would check them (a country of ISO 3166,
the country's postal code format, its region where it needs one, a phone number that exists,
an e-mail address), refused whole with a message naming the field; and an order never tells
the storefront what the back office knows of a person."""

import pytest
from django.urls import reverse

from sales.models import Address, Customer, Order
from tests.factories import CustomerFactory
from tests.integrations.api_helpers import fresh_cache as fresh_cache  # autouse
from tests.integrations.api_helpers import get, issue_key, order_body, post_order, state


@pytest.fixture
def key(shop):
    return issue_key(shop.channel)


def with_address(**fields) -> dict:
    body = order_body(("TEE-M", 1))
    body["shipping_address"] = {"name": "Ada Lovelace", "line1": "1 rue du Port", **fields}
    return body


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        (
            {"city": "Paris", "postal_code": "75001", "country": "ZZ"},
            "shipping_address.country",
            "ZZ is not an ISO 3166 country code",
        ),
        (
            {"city": "Paris", "postal_code": "7500", "country": "FR"},
            "shipping_address.postal_code",
            "7500 is not a postal code of France (e.g. ",
        ),
        (
            {"city": "Paris", "country": "FR"},
            "shipping_address.postal_code",
            "An address in France needs its postal code (e.g. ",
        ),
        (
            {"city": "London", "postal_code": "75001", "country": "GB"},
            "shipping_address.postal_code",
            "75001 is not a postal code of United Kingdom",
        ),
        (
            {"city": "New York", "postal_code": "10001", "country": "US"},
            "shipping_address.region",
            "An address in United States of America needs its state (e.g. ",
        ),
        (
            {"city": "New York", "postal_code": "10001", "region": "Gotham", "country": "US"},
            "shipping_address.region",
            "Gotham is not a state of United States of America",
        ),
        (
            {"city": "Paris", "postal_code": "75001", "country": "FR", "phone": "12"},
            "shipping_address.phone",
            "12 is not a valid phone number.",
        ),
    ],
)
def test_an_undeliverable_address_is_refused_naming_the_field(
    client, shop, key, address, field, message
):
    before = state()
    response = post_order(client, key, with_address(**address))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(f"{field}: {message}"), detail
    assert state() == before


@pytest.mark.parametrize(
    ("customer", "field", "message"),
    [
        ({"phone": "+33 12"}, "customer.phone", "+33 12 is not a valid phone number."),
        (
            {"email": "ada@example..com"},
            "customer.email",
            "ada@example..com is not an e-mail address.",
        ),
    ],
)
def test_a_bad_phone_or_email_of_the_customer_is_refused(
    client, shop, key, customer, field, message
):
    body = order_body(("TEE-M", 1))
    body["customer"].update(customer)
    before = state()
    response = post_order(client, key, body)
    assert response.status_code == 422
    assert response.json()["detail"] == f"{field}: {message}"
    assert state() == before


def test_a_deliverable_address_is_kept_in_its_normal_form(client, shop, key):
    body = with_address(city="Lyon", postal_code="69002", country="fr", phone="06 12 34 56 78")
    body["customer"]["phone"] = "04.72.00.00.00"
    response = post_order(client, key, body)
    assert response.status_code == 201, response.content
    shown = response.json()["shipping_address"]
    assert (shown["country"], shown["phone"]) == ("FR", "+33 6 12 34 56 78")
    address = Address.objects.get(city="Lyon")
    assert (address.country, address.phone, address.postal_code) == (
        "FR",
        "+33 6 12 34 56 78",
        "69002",
    )
    assert Customer.objects.get(email="ada@example.com").phone == "+33 4 72 00 00 00"


def test_a_state_of_the_united_states_is_accepted(client, shop, key):
    body = with_address(city="New York", postal_code="10001", region="NY", country="US")
    assert post_order(client, key, body).status_code == 201


def test_an_order_with_a_known_email_tells_nothing_stored(client, shop, key):
    """Anyone with an orders:write key may send any e-mail: the answer (and the order, read
    back) shows what was sent, never the name the back office keeps for that person, which
    stays as it was."""
    known = CustomerFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")
    body = order_body(("TEE-M", 1), email="GRACE@example.com")
    body["customer"].update(first_name="Probe", last_name="Probe")
    response = post_order(client, key, body)
    assert response.status_code == 201, response.content
    sent = {"email": "GRACE@example.com", "first_name": "Probe", "last_name": "Probe"}
    assert response.json()["customer"] == sent
    number = response.json()["number"]
    assert get(client, f"/orders/{number}", key).json()["customer"] == sent
    assert "Grace" not in response.content.decode() and "Hopper" not in response.content.decode()
    known.refresh_from_db()
    assert (known.first_name, known.last_name) == ("Grace", "Hopper")
    assert Order.objects.get(number=number).customer == known  # the merchant sees who it is


def test_the_order_page_shows_who_the_order_was_placed_for(client, shop, key, merchant):
    CustomerFactory(email="grace@example.com", first_name="Grace", last_name="Hopper")
    body = order_body(("TEE-M", 1), email="grace@example.com")
    body["customer"].update(first_name="G.", last_name="Hopper")
    order = Order.objects.get(number=post_order(client, key, body).json()["number"])
    client.force_login(merchant)
    page = client.get(reverse("admin:sales_order_change", args=[order.pk])).content.decode()
    assert "G. Hopper &lt;grace@example.com&gt;" in page
