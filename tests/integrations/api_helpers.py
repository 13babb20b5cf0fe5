"""Helpers and fixtures for the storefront API tests: keys issued through the service, requests
sent the way a storefront sends them, pages and the change feed followed to their end.

Test modules import what they use; `fresh_cache` is autouse wherever it is imported, so a
response cached by one test (in Redis, in the PostgreSQL run) is never served to the next.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.forms import CheckboxInput
from django.utils import timezone

from backoffice.actors import Actor
from integrations.models import Scope
from integrations.services import api_client_create
from inventory.models import StockLevel, StockMovement
from inventory.services import variant_save
from sales.models import Address, Customer, Order, OrderLine
from sales.services import customer_save, order_note_add
from tests.factories import ChannelFactory, CustomerFactory, ProductFactory, VariantFactory

SYSTEM = Actor.system("test")
ALL_SCOPES = list(Scope.values)
API = "/api/v1"

# Values that exist in the database but must never leave the API.
SECRET_COST = Decimal("987.65")
SECRET_NOTE = "Internal: customer disputes everything"
HIDDEN_HANDLES = ("draft-hoodie", "archived-scarf")
HIDDEN_SKUS = ("HOODIE-DRAFT", "SCARF-OLD", "TEE-XL-RETIRED")


@pytest.fixture(autouse=True)
def fresh_cache():
    for alias in ("default", "limits"):
        caches[alias].clear()
    yield
    for alias in ("default", "limits"):
        caches[alias].clear()


def issue_key(channel, scopes=None, name="Storefront") -> str:
    scopes = ALL_SCOPES if scopes is None else scopes
    return api_client_create(name=name, channel=channel, scopes=scopes, actor=SYSTEM).key


def auth(key: str | None) -> dict:
    return {} if key is None else {"Authorization": f"Bearer {key}"}


def get(client, path: str, key: str | None, **headers):
    return client.get(f"{API}{path}", headers={**auth(key), **headers})


def state():
    """What a refused request must leave as it was."""
    from integrations.models import ApiOrderRequest

    return nothing_ordered(), ApiOrderRequest.objects.count()


def post_order(client, key: str | None, body: dict, idempotency_key: str | None = "order-1"):
    headers = auth(key)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return client.post(f"{API}/orders", data=body, content_type="application/json", headers=headers)


def order_body(*lines: tuple[str, int], email="ada@example.com", reference="web-1001") -> dict:
    return {
        "customer": {"email": email, "first_name": "Ada", "last_name": "Lovelace"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "12 St James's Square",
            "city": "London",
            "postal_code": "SW1Y 4JH",
            "country": "GB",
        },
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "shipping": "4.90",
        "source_reference": reference,
    }


def all_pages(client, path: str, key: str, *, limit: int) -> list[dict]:
    """Every item of a list endpoint, following `next` to the end."""
    items, cursor = [], None
    while True:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        separator = "&" if "?" in path else "?"
        response = get(client, f"{path}{separator}{query}", key)
        assert response.status_code == 200, response.content
        page = response.json()
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            return items


def replay_feed(client, key: str, copy: dict | None = None, since=None, limit=7):
    """Apply the change feed to a storefront's copy ({(type, id): state}), from `since` until
    `has_more` is false. Returns the copy and the cursor to resume from."""
    copy = {} if copy is None else copy
    while True:
        query = f"?limit={limit}" + (f"&since={since}" if since else "")
        response = get(client, f"/changes{query}", key)
        assert response.status_code == 200, response.content
        page = response.json()
        for change in page["changes"]:
            if change["deleted"]:
                copy.pop((change["type"], change["id"]), None)
            else:
                copy[(change["type"], change["id"])] = change[change["type"]]
        since = page["next"]
        if not page["has_more"]:
            return copy, since


def of_type(copy: dict, kind: str) -> dict:
    return {object_id: state for (type_, object_id), state in copy.items() if type_ == kind}


def nothing_ordered() -> tuple:
    """What an order submission writes: compared before and after a refused one."""
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Customer.objects.count(),
        Address.objects.count(),
        StockMovement.objects.count(),
        list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")),
    )


@pytest.fixture
def other_channel(db):
    return ChannelFactory(code="pos", name="Shop counter")


@pytest.fixture
def hidden(shop):
    """What the storefront must never see, next to the shop's two published variants: a
    draft and an archived product, a retired variant, a cost price, an internal note and a
    draft order. Returns the placed order (with `draft_number`, the draft's)."""
    VariantFactory(
        sku="HOODIE-DRAFT", product=ProductFactory(handle="draft-hoodie", status="draft")
    )
    VariantFactory(
        sku="SCARF-OLD", product=ProductFactory(handle="archived-scarf", status="archived")
    )
    VariantFactory(sku="TEE-XL-RETIRED", product=shop.tee.product, option1="XL", active=False)
    for variant in (shop.tee, shop.mug):
        variant.cost = SECRET_COST
        variant_save(variant=variant, actor=SYSTEM)
    shop.customer.notes = SECRET_NOTE
    customer_save(customer=shop.customer, actor=SYSTEM)
    order = shop.placed((shop.tee, 1))
    order_note_add(order=order, body=SECRET_NOTE, actor=SYSTEM)
    order.draft_number = shop.draft((shop.mug, 1), source_reference="DRAFT-REF").number
    return order


@pytest.fixture
def stranger(other_channel):
    """A customer who only ever bought through the other channel."""
    return CustomerFactory(email="stranger@example.com", first_name="Grace", last_name="Hopper")


def admin_form_data(page) -> dict:
    """What a browser would post back from an admin change page as it was rendered: the main
    form and every inline formset, with their management forms."""
    data = _form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(n): management[n].value() for n in management.fields})
        for form in formset.forms:
            data.update(_form_values(form))
    return data


def _form_values(form) -> dict:
    values = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                values[form.add_prefix(name)] = "on"
            continue
        values[form.add_prefix(name)] = "" if value is None else value
    return values


class Clock:
    """The wall clock, held still: `timezone.now()` answers `now` until moved."""

    def __init__(self, now):
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    held = Clock(timezone.now().replace(microsecond=300_000) + timedelta(seconds=5))
    monkeypatch.setattr(timezone, "now", lambda: held.now)
    return held
