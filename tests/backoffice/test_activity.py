"""The Activity page: recent changes across every audited model, who made them, filters,
links to each version, who may read it, and a constant number of queries."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice import activity, roles
from backoffice.activity import split_reason
from backoffice.actors import Actor
from integrations.models import Scope
from inventory.models import Category, Product, Warehouse
from inventory.services import (
    category_save,
    product_save,
    product_set_status,
    stock_receive,
    warehouse_save,
)
from sales.models import Order
from tests.factories import (
    ChannelFactory,
    ProductFactory,
    TaxClassFactory,
    UserFactory,
    VariantFactory,
    WarehouseFactory,
)
from tests.imports.conftest import imported
from tests.integrations.api_helpers import admin_form_data, issue_key, order_body, post_order

URL = "/admin/activity/"
SYNC = Actor.system("catalog sync")
SETUP = Actor.system("test setup")


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", first_name="Olivia", roles=[roles.OWNER])


@pytest.fixture
def merchant(db):
    return UserFactory(username="morgan", roles=[roles.MERCHANT])


@pytest.fixture
def accountant(db):
    return UserFactory(username="avery", roles=[roles.ACCOUNTANT])


@pytest.fixture
def story(client, owner, merchant, store):
    """A merchant's edit in the admin, a storefront's order through the API and a system
    task's change, in that order."""
    warehouse = WarehouseFactory(code="main", is_default=True)
    variant = VariantFactory(
        sku="TEE-M", product__title="Linen tee", product__tax_class=TaxClassFactory()
    )
    stock_receive(variant=variant, warehouse=warehouse, quantity=10, actor=SETUP)

    client.force_login(merchant)
    url = f"/admin/inventory/product/{variant.product_id}/change/"
    data = {**admin_form_data(client.get(url)), "title": "Linen tee, washed"}
    assert client.post(url, data).status_code == 302

    key = issue_key(ChannelFactory(code="web"), scopes=[Scope.ORDERS_WRITE], name="Web shop")
    response = post_order(client, key, order_body(("TEE-M", 1)))
    assert response.status_code == 201, response.content

    warehouse.name = "Main hall"
    warehouse_save(warehouse=warehouse, actor=SYNC, reason="Synced")
    client.logout()
    return {
        "product": variant.product,
        "order": Order.objects.get(number=response.json()["number"]),
        "warehouse": warehouse,
        "api_client": f"Web shop ({key.split('_')[1]})",
    }


def rows(client, query: str = "") -> list:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.context["rows"]


def listed(response) -> str:
    """The table of changes, as rendered."""
    page = response.content.decode()
    return page[page.index('<table id="activity"') : page.index("</table>")]


def summary(found) -> list[tuple]:
    return [(r.audited.key, r.what, r.who, r.kind, r.action, r.reason) for r in found]


def test_the_page_shows_admin_api_and_system_changes_with_their_actors(client, owner, story):
    client.force_login(owner)
    found = rows(client)
    order, api = story["order"], story["api_client"]
    assert [r.when for r in found] == sorted((r.when for r in found), reverse=True)
    assert summary(found[:3]) == [
        ("inventory.warehouse", "main — Main hall", "catalog sync", "System", "~", "Synced"),
        ("sales.order", order.number, api, "API client", "~", "Placed"),
        ("sales.order", order.number, api, "API client", "~", "Created"),
    ]
    assert [(c["field"], c["new"]) for c in found[0].changes] == [("Name", "Main hall")]
    assert {"field": "Status", "old": "Draft", "new": "Placed"} in found[1].changes
    edit = next(r for r in found if r.audited.key == "inventory.product" and r.who)
    assert (edit.who, edit.kind, edit.action, edit.reason) == ("morgan", "User", "~", "Edited")
    assert edit.changes == [{"field": "Title", "old": "Linen tee", "new": "Linen tee, washed"}]

    table = listed(client.get(URL))
    for text in ("Linen tee, washed", "morgan", "catalog sync", api, ">API client<", ">System<"):
        assert text in table


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("api", {"API client"}),
        ("system", {"System"}),
    ],
)
def test_the_who_filter_picks_api_clients_or_the_system(client, owner, story, who, expected):
    client.force_login(owner)
    found = rows(client, f"?who={who}")
    assert found
    assert {r.kind for r in found} == expected


def test_the_who_filter_picks_one_person(client, owner, merchant, story):
    client.force_login(owner)
    found = rows(client, f"?who=user:{merchant.pk}")
    assert summary(found) == [
        ("inventory.product", "Linen tee, washed", "morgan", "User", "~", "Edited"),
    ]
    assert rows(client, f"?who=user:{owner.pk}") == []


def test_the_model_filter_picks_one_model(client, owner, story):
    client.force_login(owner)
    found = rows(client, "?model=sales.order")
    assert [r.reason for r in found] == ["Placed", "Created"]
    assert {r.audited.key for r in rows(client, "?model=inventory.warehouse")} == {
        "inventory.warehouse"
    }


def test_the_date_filter_keeps_the_days_asked_for(client, owner, story):
    product = story["product"]
    history = Product.history.model
    last_week = timezone.now() - timedelta(days=7)
    history.objects.filter(id=product.pk).update(history_date=last_week)
    client.force_login(owner)
    day = timezone.localdate(last_week).isoformat()

    on_that_day = rows(client, f"?from={day}&to={day}")
    assert {(r.audited.key, r.record.id) for r in on_that_day} == {
        ("inventory.product", product.pk)
    }
    since_yesterday = rows(client, f"?from={(timezone.localdate() - timedelta(days=1))}")
    assert ("inventory.product", product.pk) not in {
        (r.audited.key, r.record.id) for r in since_yesterday
    }
    assert since_yesterday


def test_bad_filters_are_explained_and_list_nothing(client, owner, story):
    client.force_login(owner)
    response = client.get(URL + "?from=2025-03-02&to=2025-03-01")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "The end date comes before the start date." in response.content.decode()

    response = client.get(URL + "?before=yesterday")
    assert response.context["rows"] == []
    assert "This page link is broken" in response.content.decode()

    assert client.get(URL + "?who=user:999999").context["rows"] == []
    assert client.get(URL + "?model=auth.user").context["rows"] == []


def test_links_go_to_the_object_and_to_the_version_with_its_change(client, owner, story):
    client.force_login(owner)
    product = story["product"]
    edit = next(r for r in rows(client, "?model=inventory.product") if r.reason == "Edited")
    assert edit.what_url == f"/admin/inventory/product/{product.pk}/change/"
    assert edit.diff_url == (
        f"/admin/inventory/product/{product.pk}/history/{edit.record.history_id}/"
    )
    page = client.get(URL + "?model=inventory.product").content.decode()
    assert f'href="{edit.diff_url}"' in page
    assert f'href="{edit.what_url}"' in page

    version = client.get(edit.diff_url)
    assert version.status_code == 200
    assert version.context["adminform"].form["title"].value() == "Linen tee, washed"
    assert 'value="Linen tee, washed"' in version.content.decode()


def test_a_deleted_object_keeps_its_rows_and_its_version_link(client, owner):
    category = category_save(category=Category(name="Scarves", slug="scarves"), actor=SETUP)
    category._change_reason = "Removed"
    category.delete()
    client.force_login(owner)
    found = rows(client, "?model=inventory.category")
    assert [(r.action, r.action_label, r.what, r.what_url) for r in found] == [
        ("−", "deleted", "Scarves", None),
        ("+", "created", "Scarves", None),
    ]
    assert client.get(found[0].diff_url).status_code == 200


def test_each_role_reads_the_changes_of_what_it_may_view(client, owner, merchant, accountant):
    issue_key(ChannelFactory(code="web"), scopes=[Scope.ORDERS_READ], name="Web shop")
    ProductFactory()
    for user, sees_keys in ((owner, True), (merchant, False), (accountant, False)):
        client.force_login(user)
        keys = {r.audited.key for r in rows(client)}
        assert "inventory.product" in keys
        assert ("integrations.apiclient" in keys) is sees_keys
        menu = client.get("/admin/").content.decode()
        assert f'href="{URL}"' in menu


def test_an_import_s_changes_show_with_their_actor_and_link_to_the_import(
    client, merchant, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    content = b"handle,title,sku,price\r\nshirt,Shirt,SH-1,20.00\r\n"
    batch = imported(merchant, content, name="shirts.csv")  # preview, then apply
    client.force_login(merchant)

    found = rows(client, f"?who=user:{merchant.pk}")
    name, reason = merchant.get_username(), f"Import #{batch.pk}: shirts.csv"
    assert {(r.audited.key, r.who, r.kind, r.reason) for r in found} == {
        ("inventory.product", name, "User", reason),
        ("inventory.productvariant", name, "User", reason),
    }
    assert {r.reason_url for r in found} == {f"/admin/imports/importbatch/{batch.pk}/change/"}
    assert 'href="/admin/imports/importbatch/"' in client.get("/admin/").content.decode()


def test_who_may_not_read_it_is_refused(client, db):
    nobody = UserFactory(username="noroles")
    client.force_login(nobody)
    assert client.get(URL).status_code == 403
    assert f'href="{URL}"' not in client.get("/admin/").content.decode()

    client.force_login(UserFactory(username="customer", is_staff=False))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")

    client.logout()
    assert client.get(URL).status_code == 302


def test_older_pages_follow_on_without_gaps_or_repeats(client, owner, monkeypatch):
    monkeypatch.setattr(activity, "PAGE_SIZE", 4)
    products = [ProductFactory(title=f"Shirt {n}") for n in range(3)]
    for n in range(3):
        WarehouseFactory(code=f"w{n}")
    for product in products:
        product.title += " (new)"
        product_save(product=product, actor=SYNC)
    # Rows of several models at the very same moment: the keyset still orders them.
    same_moment = timezone.now() - timedelta(hours=1)
    Product.history.model.objects.update(history_date=same_moment)
    Warehouse.history.model.objects.filter(history_type="+").update(history_date=same_moment)
    expected = Product.history.count() + Warehouse.history.count()
    assert expected == 9

    client.force_login(owner)
    seen, query, pages = [], "", 0
    while True:
        response = client.get(URL + query)
        page = response.context["rows"]
        assert len(page) <= 4
        seen += [(r.audited.key, r.record.pk) for r in page]
        pages += 1
        if not response.context["older_url"]:
            break
        query = response.context["older_url"]
        assert response.context["older_url"] in response.content.decode().replace("&amp;", "&")
    assert pages == 3
    assert len(seen) == len(set(seen)) == expected


def test_older_pages_keep_the_filters(client, owner, monkeypatch):
    monkeypatch.setattr(activity, "PAGE_SIZE", 2)
    for _ in range(5):
        product_set_status(
            products=Product.objects.filter(pk=ProductFactory(status="draft").pk),
            status="active",
            actor=SYNC,
        )
    client.force_login(owner)
    response = client.get(URL + "?who=system")
    older = response.context["older_url"]
    assert "who=system" in older
    second = client.get(URL + older)
    assert {r.kind for r in second.context["rows"]} == {"System"}
    assert second.context["newest_url"] == "?who=system"


def _history(n_products: int) -> None:
    """n_products products changed by a person, an API client and the system, plus
    warehouses and categories: at least 3 history rows per product over four models."""
    person = UserFactory(username=f"p{n_products}")
    categories = [
        category_save(category=Category(name=f"C{n}", slug=f"c{n}-{n_products}"), actor=SETUP)
        for n in range(2)
    ]
    for n in range(n_products):
        variant = VariantFactory(product__category=categories[n % 2], price=Decimal("5.00"))
        product = variant.product
        product.title += " v2"
        product_save(product=product, actor=Actor.for_user(person))
        product.vendor = "Other"
        product_save(product=product, actor=Actor.api_client("Feed (x1)"))
    warehouse = WarehouseFactory()
    warehouse.name = "Renamed"
    warehouse_save(warehouse=warehouse, actor=SYNC)


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries), len(response.context["rows"])


def test_the_page_runs_a_constant_number_of_queries(client, owner, django_assert_max_num_queries):
    client.force_login(owner)
    _history(2)
    few, shown_few = _count(client)
    _history(70)
    many, shown_many = _count(client)
    assert shown_few < shown_many == activity.PAGE_SIZE
    # A page of fewer models may cost a query or two less; never more with more rows.
    assert many <= few
    with django_assert_max_num_queries(few):
        client.get(URL + "?who=system")
    with django_assert_max_num_queries(few):
        client.get(URL + "?model=inventory.product")


def test_split_reason_reads_the_actor_back():
    assert split_reason("Placed (Web shop (ab12) (API client))") == (
        "API client",
        "Web shop (ab12)",
        "Placed",
    )
    assert split_reason("Import #3: shirts (1).csv (bot (System))") == (
        "System",
        "bot",
        "Import #3: shirts (1).csv",
    )
    assert split_reason("Edited") == ("", "", "Edited")
    assert split_reason(None) == ("", "", "")
    assert split_reason("Odd(System))") == ("", "", "Odd(System))")


def test_dates_are_read_in_the_current_time_zone(client, owner):
    product = ProductFactory()
    moment = timezone.make_aware(datetime(2025, 3, 2, 0, 30), timezone.get_fixed_timezone(780))
    Product.history.model.objects.filter(id=product.pk).update(history_date=moment)
    client.force_login(owner)
    with timezone.override("Pacific/Auckland"):
        assert [r.record.id for r in rows(client, "?model=inventory.product&from=2025-03-02")] == [
            product.pk
        ]
        assert rows(client, "?model=inventory.product&to=2025-03-01") == []
