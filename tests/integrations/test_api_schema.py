"""A property-based run over the whole OpenAPI schema, with every Schemathesis check and
phase: the schema's examples, coverage of each constraint's edges, random fuzzing (valid and
invalid requests), and stateful sequences that follow the links between operations (an order
placed, then read back). No answer may be a server error, carry a status or a header the
schema does not declare, break the published response schema, accept a request the schema
forbids, or refuse one it allows. (How the API refuses bad input is asserted exactly in the
other test_api_* modules.)"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig

from integrations import services
from integrations.api import examples
from integrations.api.schemas import ORDER_EXAMPLE
from inventory.services import stock_receive
from sales.models import Order
from tests.conftest import set_store
from tests.factories import TaxClassFactory, VariantFactory
from tests.sales.conftest import SYSTEM

# Valid requests the API may still refuse, because no schema can say so: a NUL character in
# a parameter the schema does not name (400, refused at the door), a cursor the API never
# gave out or a SKU that is not for sale (422), stock that ran out (409). Generated requests
# may meet those refusals; the schema's own examples may not.
BUSINESS_REFUSALS = ["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261207,  # the same requests on every run: a failure here is never a fluke
        "phases": {
            phase: {
                "checks": {"positive_data_acceptance": {"expected-statuses": BUSINESS_REFUSALS}}
            }
            for phase in ("coverage", "fuzzing", "stateful")
        },
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)
# What a storefront developer copies from the schema's examples works: only the examples
# phase, and nothing but a success is accepted. (An order number cannot be known before the
# order is placed: the stateful run reads orders back by the number they were given.)
EXAMPLES_ONLY = SchemathesisConfig.from_dict(
    {
        "phases": {
            "coverage": {"enabled": False},
            "fuzzing": {"enabled": False},
            "stateful": {"enabled": False},
        },
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx"]}},
    }
)
schema_examples = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=EXAMPLES_ONLY
).exclude(operation_id="getOrder")
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def requests_share_the_test_transaction():
    """Django's handler closes the connection after each request; inside a test that is the
    test's own transaction (the test client disconnects the same signal)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def limits_out_of_the_way(request):
    """Hundreds of generated requests, many with a bad key on purpose: the limits have tests
    of their own (test_api_limits), and would answer 429 here before the checks ran."""
    django_settings = request.getfixturevalue("settings")
    django_settings.API_AUTH_FAILURE_LIMIT = "1000000/m"
    django_settings.API_RATE_LIMIT = "1000000/m"


# The key is known before any test runs: Schemathesis builds the examples and coverage cases
# (headers included) when it collects the tests, before a fixture could issue a random one.
KEY_PREFIX, KEY_SECRET = "f022f022f022", "schema-run-secret-known-in-advance"
KEY = f"{services.KEY_START}{KEY_PREFIX}_{KEY_SECRET}"


@schema.auth()
@schema_examples.auth()
class BearerKey:
    """The key, given the way the schema declares it (so the authentication checks know to
    take it away and to spoil it)."""

    def get(self, case, context):
        return KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def key(shop, monkeypatch):
    """A key of every scope, issued by the service with its randomness pinned, in a shop that
    sells the product and SKU of the schema's examples."""
    sku = ORDER_EXAMPLE["lines"][0]["sku"]
    assert sku == examples.VARIANT.sku
    variant = VariantFactory(
        sku=sku,
        product__handle=examples.PRODUCT.handle,
        product__tax_class=TaxClassFactory(name="Apparel"),
    )
    stock_receive(variant=variant, warehouse=shop.main, quantity=10_000, actor=SYSTEM)
    scopes = ["catalog:read", "stock:read", "orders:read", "orders:write"]
    with monkeypatch.context() as pinned:
        pinned.setattr(services.secrets, "token_hex", lambda nbytes: KEY_PREFIX)
        pinned.setattr(services.secrets, "token_urlsafe", lambda nbytes: KEY_SECRET)
        issued = services.api_client_create(
            name="Fuzz", channel=shop.channel, scopes=scopes, actor=SYSTEM
        )
    assert issued.key == KEY
    return KEY


@schema.parametrize()
@HYPOTHESIS
def test_the_api_keeps_its_published_schema(case, key):
    case.call_and_validate()


def test_sequences_of_calls_keep_the_schema(key):
    machine = schema.as_state_machine()
    machine.run(settings=settings(HYPOTHESIS, max_examples=15, stateful_step_count=6))


@schema_examples.parametrize()
@HYPOTHESIS
def test_the_schema_examples_are_answered(case, key):
    response = case.call_and_validate()
    if case.operation.method.upper() == "GET":
        assert response.status_code == 200
        return
    assert response.status_code == 201
    example = case.body
    order = Order.objects.get(number=response.json()["number"])
    assert order.customer.email == example["customer"]["email"]
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [
        (line["sku"], line["quantity"]) for line in example["lines"]
    ]
    assert order.shipping_address.city == example["shipping_address"]["city"]


def test_the_published_schema_is_valid_openapi_that_types_well(client, store):
    """What a client generator reads: a valid OpenAPI document, the server to call, readable
    operation names, and closed sets as enums."""
    set_store(public_base_url="https://backoffice.example.com")
    published = client.get("/api/v1/openapi.json").json()
    validate(published)
    assert published["servers"] == [
        {"url": "https://backoffice.example.com", "description": "This store"}
    ]
    operations = {
        f"{method.upper()} {path}": operation["operationId"]
        for path, methods in published["paths"].items()
        for method, operation in methods.items()
    }
    assert operations == {
        "GET /api/v1/categories": "listCategories",
        "GET /api/v1/products": "listProducts",
        "GET /api/v1/products/{id_or_handle}": "getProduct",
        "GET /api/v1/variants/{sku}": "getVariant",
        "GET /api/v1/stock": "listStock",
        "GET /api/v1/stock/{sku}": "getStock",
        "GET /api/v1/orders": "listOrders",
        "POST /api/v1/orders": "submitOrder",
        "GET /api/v1/orders/{number}": "getOrder",
        "GET /api/v1/changes": "listChanges",
    }
    schemas = published["components"]["schemas"]
    assert schemas["OrderStatus"]["enum"] == ["draft", "placed", "completed", "cancelled"]
    assert schemas["ChangeKind"]["enum"] == ["category", "product", "variant", "stock", "order"]
    for name in ("PaymentState", "FulfilmentState", "WeightUnit", "InventoryPolicy"):
        assert schemas[name]["type"] == "string" and schemas[name]["enum"], name
