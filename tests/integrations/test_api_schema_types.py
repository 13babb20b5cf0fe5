"""The published schema types well for a generated client: every example is valid against
the schema it illustrates, every amount is an exact decimal string, the feed's entries are a
union a client tells apart on `deleted` and `type`, what a client sends is told apart from
what it receives, and the headers a client must handle are declared."""

import re
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter

from integrations.api.openapi import ETAG_PATTERN
from integrations.api.schemas import Money
from integrations.models import WebhookEvent
from inventory.models import Product
from inventory.services import product_set_status, variant_save
from sales.models import Order
from tests.integrations.api_helpers import (
    SYSTEM,
    get,
    issue_key,
    order_body,
    post_order,
    state,
)
from tests.integrations.api_helpers import fresh_cache as fresh_cache  # autouse


@pytest.fixture
def published(client, store):
    return client.get("/api/v1/openapi.json").json()


@pytest.fixture
def key(shop):
    return issue_key(shop.channel)


def validator(published: dict, schema: dict) -> Draft202012Validator:
    """A validator of `schema`, whose $refs point into the published components."""
    return Draft202012Validator(
        {**schema, "components": published["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def operations(published: dict):
    for path, methods in published["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_an_example_of_each_parameter_and_answer(published):
    for name, operation in operations(published):
        for parameter in operation.get("parameters", []):
            assert "example" in parameter, (name, parameter["name"])
            validator(published, parameter["schema"]).validate(parameter["example"])
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            schema = published["components"]["schemas"][body["schema"]["$ref"].rsplit("/")[-1]]
            for example in schema["examples"]:
                validator(published, body["schema"]).validate(example)
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            if content is None:
                assert status == "304", (name, status)
                continue
            assert "example" in content, (name, status)
            validator(published, content["schema"]).validate(content["example"])


def test_the_component_examples_are_valid_too(published):
    components = published["components"]["schemas"]
    illustrated = [name for name, schema in components.items() if "examples" in schema]
    assert {"ProductOut", "OrderOut", "ChangesPage", "OrderIn"} <= set(illustrated)
    for name in illustrated:
        for example in components[name]["examples"]:
            validator(published, {"$ref": f"#/components/schemas/{name}"}).validate(example)


def _properties(schema: dict):
    """Every (property name, schema) in a JSON Schema, however deeply nested."""
    if isinstance(schema, dict):
        for name, value in schema.get("properties", {}).items():
            yield name, value
        for value in schema.values():
            yield from _properties(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _properties(value)


def _types(schema: dict) -> set[str]:
    found = {schema["type"]} if "type" in schema else set()
    for option in schema.get("anyOf", []):
        found |= _types(option)
    return found


AMOUNTS = {"price", "compare_at_price", "subtotal", "discount", "shipping", "tax", "total",
           "unit_price", "tax_rate", "weight"}  # fmt: skip


def test_no_number_but_whole_ones_and_amounts_are_exact_strings(published):
    everything = list(_properties(published["components"]))
    assert not [name for name, schema in everything if "number" in _types(schema)]
    amounts = [(name, schema) for name, schema in everything if name in AMOUNTS]
    assert {name for name, _ in amounts} == AMOUNTS
    for name, schema in amounts:
        options = schema.get("anyOf", [schema])
        strings = [option for option in options if option.get("type") == "string"]
        assert len(strings) == 1 and strings[0]["pattern"], name
        assert re.fullmatch(strings[0]["pattern"].strip("^$"), "19.90"), name
        assert not re.fullmatch(strings[0]["pattern"].strip("^$"), "1.5e3"), name


def test_what_a_client_sends_is_apart_from_what_it_receives(published):
    components = published["components"]["schemas"]
    assert components["AddressIn"]["required"] == ["name", "line1", "city", "country"]
    assert components["AddressIn"]["additionalProperties"] is False
    address_out = components["AddressOut"]
    assert set(address_out["required"]) == set(address_out["properties"])
    for name, schema in components.items():
        if name.endswith("Out") or name.endswith("Page") or name.endswith("Change"):
            assert set(schema.get("required", [])) == set(schema["properties"]), name


def test_the_conditional_and_limit_headers_are_declared(published):
    for name, operation in operations(published):
        responses = operation["responses"]
        assert "WWW-Authenticate" in responses["401"]["headers"], name
        assert responses["429"]["headers"]["Retry-After"]["required"], name
        # Every read but the feed (whose cursor is its validator) answers 304.
        if name.startswith("GET ") and operation["operationId"] != "listChanges":
            sent = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert sent == {"If-None-Match", "If-Modified-Since"}, name
            for status in ("200", "304"):
                assert set(responses[status]["headers"]) >= {"ETag", "Last-Modified"}, name
        elif name.startswith("POST "):
            assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}


def test_an_answer_carries_the_etag_the_schema_declares(client, key):
    response = get(client, "/products", key)
    assert re.fullmatch(ETAG_PATTERN, response["ETag"])
    again = get(client, "/products", key, **{"If-None-Match": response["ETag"]})
    assert again.status_code == 304 and again["ETag"] == response["ETag"]


# The feed serves committed changes only (on PostgreSQL, those of settled transactions).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_feed_entries_each_match_exactly_one_member_of_the_union(published, client, key, shop):
    shop.placed((shop.tee, 1))
    shop.mug.price = Decimal("12.50")
    variant_save(variant=shop.mug, actor=SYSTEM)
    mug = Product.objects.filter(pk=shop.mug.product_id)
    product_set_status(products=mug, status="archived", actor=SYSTEM)
    changes = get(client, "/changes?limit=200", key).json()["changes"]
    assert {(entry["type"], entry["deleted"]) for entry in changes} >= {
        ("product", False),
        ("variant", False),
        ("stock", False),
        ("order", False),
        ("product", True),
        ("variant", True),
    }
    members = published["components"]["schemas"]["ChangesPage"]["properties"]["changes"]
    union = members["items"]["oneOf"]
    for entry in changes:
        matching = [
            member["$ref"].rsplit("/")[-1]
            for member in union
            if validator(published, member).is_valid(entry)
        ]
        expected = "Removal" if entry["deleted"] else f"{entry['type'].title()}Change"
        assert matching == [expected], entry


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shipping": 4.9}, 'an amount is a string of digits, e.g. \\"4.90\\"'),
        ({"shipping": "4,90"}, 'an amount is a string of digits, e.g. \\"4.90\\"'),
        ({"shipping": "4.9001"}, "no more than 3 decimal places"),
        ({"shiping": "4.90"}, "Extra inputs are not permitted"),
    ],
)
def test_a_number_for_an_amount_or_an_unknown_field_is_refused(client, key, change, message):
    before = state()
    response = post_order(client, key, {**order_body(("TEE-M", 1)), **change})
    assert response.status_code == 422, response.content
    assert message in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("where", ["customer", "shipping_address"])
def test_an_unknown_field_inside_the_order_is_refused(client, key, where):
    body = order_body(("TEE-M", 1))
    body[where] = {**body[where], "notes": "leave at the door"}
    before = state()
    response = post_order(client, key, body)
    assert response.status_code == 422, response.content
    assert where in response.content.decode() and "notes" in response.content.decode()
    assert state() == before


def test_an_order_with_only_the_required_address_fields_is_placed(client, key):
    body = order_body(("TEE-M", 1))
    body["shipping_address"] = {
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    }
    response = post_order(client, key, body)
    assert response.status_code == 201, response.content
    assert response.json()["shipping_address"]["company"] == ""
    assert response.json()["shipping"] == "4.90"
    assert Order.objects.get(number=response.json()["number"]).shipping == Decimal("4.90")


def test_an_exponent_never_reaches_a_client():
    """Decimal arithmetic may give 1E+2; a client's pattern (and parser) expects 100."""
    assert TypeAdapter(Money).dump_python(Decimal("1E+2"), mode="json") == "100"
    assert TypeAdapter(Money).dump_python(Decimal("0E-8"), mode="json") == "0.00000000"


def test_every_webhook_event_is_declared_with_its_signed_body(published):
    declared = published["webhooks"]
    assert set(declared) == set(WebhookEvent.values)
    for event, item in declared.items():
        post = item["post"]
        assert {p["name"] for p in post["parameters"]} == {
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        }
        body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        name = body.rsplit("/", 1)[-1]
        assert name == ("OrderMessage" if event.startswith("order.") else "CatalogMessage")
        assert event in published["components"]["schemas"][name]["properties"]["type"]["enum"]
