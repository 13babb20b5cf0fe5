"""A property-based run over the whole OpenAPI schema: Schemathesis generates requests for
every operation, valid and invalid, and no answer may be a server error, carry a status the
schema does not declare, or break the schema the API publishes. (How the API refuses bad
input is asserted exactly in the other test_api_* modules.)"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from integrations.services import api_client_create
from tests.sales.conftest import SYSTEM

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


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


@pytest.fixture
def key(shop):
    scopes = ["catalog:read", "stock:read", "orders:read", "orders:write"]
    return api_client_create(name="Fuzz", channel=shop.channel, scopes=scopes, actor=SYSTEM).key


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is never a fluke
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_published_schema(case, key):
    # Left to the exact tests: schema-valid requests the business still refuses (an unknown
    # SKU, a cursor the API never gave out, stock that ran out: declared 409/422), and
    # parameters the schema does not name, which the API ignores like most APIs do.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {key}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
