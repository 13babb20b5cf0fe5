"""Input that the database cannot hold is refused at the door with a 4xx and a message, and
writes nothing: a NUL character anywhere (address, query, JSON body, admin form), digits that
are not ASCII, ids beyond the column, dates that leave the calendar once in UTC, cursors the
API never gave out, amounts beyond the money columns."""

import base64
import json

import pytest

from tests.integrations import api_helpers
from tests.integrations.api_helpers import get, issue_key, order_body, post_order, state

fresh_cache = api_helpers.fresh_cache

NUL_MESSAGE = "The request holds a NUL character, which no address, field or value may hold."


@pytest.fixture
def key(shop):
    return issue_key(shop.channel)


def cursor(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path",
    [
        "/products/%00",
        "/products/tee%00",
        "/products?cursor=%00",
        "/orders?updated_since=2026-01-01T00:00:00Z%00",
        "/changes?since=abc&%00=1",
    ],
)
def test_a_nul_in_an_api_address_is_refused(client, key, path):
    response = get(client, path, key)
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


@pytest.mark.parametrize(
    "field", ["customer.first_name", "shipping_address.city", "source_reference", "lines.0.sku"]
)
def test_a_nul_in_an_order_field_is_refused_and_nothing_written(client, shop, key, field):
    body = order_body(("MUG", 1))
    *path, last = field.split(".")
    target = body
    for part in path:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = "Ada\x00"
    before = state()
    response = post_order(client, key, body)
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}
    assert state() == before


@pytest.mark.parametrize("ident", ["²", "١٢", "99999999999999999999999"])
def test_a_product_id_that_is_no_id_of_ours_is_not_found(client, key, ident):
    response = get(client, f"/products/{ident}", key)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:30:00%2B01:00", "9999-12-31T23:30:00-01:00"], ids=["year-1", "9999"]
)
@pytest.mark.parametrize("path", ["/products", "/stock", "/orders"])
def test_a_date_outside_the_calendar_in_utc_is_refused(client, key, path, moment):
    response = get(client, f"{path}?updated_since={moment}", key)
    assert response.status_code == 422
    assert "outside the years 1 to 9999" in str(response.json()["detail"])


@pytest.mark.parametrize(
    ("path", "forged"),
    [
        ("/products", cursor("2026-01-01T00:00:00+00:00", 2**70)),
        ("/products", cursor("2026-01-01T00:00:00", 1)),
        ("/products", cursor("9999-12-31T23:59:59-05:00", 1)),
        ("/orders", cursor("2026-01-01T00:00:00+00:00", -1)),
        ("/changes?since=", cursor(2**80, 1)),
    ],
    ids=["huge-id", "naive-time", "beyond-9999", "negative-id", "huge-txid"],
)
def test_a_cursor_beyond_what_the_columns_hold_is_refused(client, key, path, forged):
    separator = "" if path.endswith("=") else "?cursor="
    response = get(client, f"{path}{separator}{forged}", key)
    assert response.status_code == 422
    assert "is not one this API gave out" in response.json()["detail"]


def test_shipping_beyond_the_money_columns_is_refused_and_nothing_written(client, shop, key):
    body = {**order_body(("MUG", 1)), "shipping": "999999999999"}
    before = state()
    response = post_order(client, key, body)
    assert response.status_code == 422
    assert "beyond the largest amount Backoffice records" in response.json()["detail"]
    assert state() == before


@pytest.mark.parametrize(
    "url",
    [
        "/admin/inventory/product/%00/change/",
        "/admin/autocomplete/?term=%00&app_label=inventory&model_name=product&field_name=category",
        "/admin/inventory/product/?q=%00",
    ],
)
def test_a_nul_in_an_admin_address_is_refused(client, owner, url):
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 400
    assert response.content.decode() == NUL_MESSAGE


def test_a_nul_in_an_admin_form_is_refused_and_nothing_written(client, owner, shop):
    """Sent as a plain form, the door refuses it; sent with files (multipart, read by the
    view), the form's own check says so."""
    from urllib.parse import urlencode

    from inventory.models import Warehouse

    client.force_login(owner)
    count = Warehouse.objects.count()
    fields = {"code": "nul", "name": "Bad\x00name"}
    plain = client.post(
        "/admin/inventory/warehouse/add/",
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
    )
    assert plain.status_code == 400
    multipart = client.post("/admin/inventory/warehouse/add/", fields)
    assert multipart.status_code == 200
    assert "Null characters are not allowed." in multipart.content.decode()
    assert Warehouse.objects.count() == count
