"""Categories and customers from files: matched by slug and by email (whatever its case),
saved through their services, refused whole when a row is wrong."""

import pytest

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from imports.models import ImportStatus
from imports.revert import import_revert
from inventory.models import Category
from sales.models import Customer
from tests.factories import CategoryFactory, CustomerFactory
from tests.imports.conftest import imported, preview, problems


def test_categories_come_in_with_their_parents_and_paths(merchant):
    CategoryFactory(slug="apparel", name="Apparel")
    content = (
        b"slug,name,parent_slug,description\r\n"
        b"shirts,Shirts,apparel,\r\n"
        b"tees,Tees,shirts,Short sleeves\r\n"
        b"apparel,Clothing,,\r\n"
    )
    batch = imported(merchant, content, kind="categories", name="categories.csv")
    assert batch.preview["counts"] == {"new": 2, "changed": 1, "unchanged": 0, "invalid": 0}
    tees = Category.objects.get(slug="tees")
    assert (tees.full_path, tees.description) == ("Clothing › Shirts › Tees", "Short sleeves")
    assert tees.history.get().history_change_reason == f"Import #{batch.pk}: categories.csv"

    revert = import_revert(batch=batch, actor=Actor.for_user(merchant))
    assert revert.counts == {"restored": 1, "removed": 2, "kept": 0, "stock": 0}
    assert list(Category.objects.values_list("slug", "name")) == [("apparel", "Apparel")]


def test_bad_category_rows_are_named_and_nothing_is_written(merchant):
    content = (
        b"slug,name,parent_slug\r\n"
        b"loop,Loop,loop\r\n"
        b"orphan,Orphan,nowhere\r\n"
        b"Not A Slug,X,\r\n"
        b"nameless,,\r\n"
    )
    batch = preview(merchant, content, kind="categories")
    assert batch.status == ImportStatus.INVALID
    assert problems(batch) == [
        (2, "parent_slug", "loop", "would place the category inside itself"),
        (3, "parent_slug", "nowhere",
         "is not a category's slug (in the catalog, or on an earlier row)"),
        (4, "slug", "Not A Slug", "is not a slug (letters, digits, - and _ only, up to 200)"),
        (5, "name", "", "a new category needs a name"),
    ]  # fmt: skip
    assert Category.objects.count() == 0


def test_customers_are_matched_by_email_whatever_its_case(merchant):
    CustomerFactory(email="Ada@Example.com", first_name="Ada", last_name="")
    content = (
        b"email,first_name,last_name,phone\r\n"
        b"ada@example.com,,Lovelace,\r\n"
        b"grace@example.com,Grace,Hopper,+1 555 0100\r\n"
    )
    batch = imported(merchant, content, kind="customers", name="customers.csv")
    assert batch.preview["rows"][0] == [
        2, "customer ada@example.com", "changed", [["last_name", "", "Lovelace"]],
    ]  # fmt: skip
    people = Customer.objects.order_by("email").values_list("email", "first_name", "last_name")
    assert list(people) == [("Ada@Example.com", "Ada", "Lovelace"),
                            ("grace@example.com", "Grace", "Hopper")]  # fmt: skip


def test_bad_customer_rows_are_named_and_nothing_is_written(merchant):
    content = b"email,first_name\r\nnot-an-email,X\r\n,Y\r\na@example.com,A\r\nA@example.com,B\r\n"
    batch = preview(merchant, content, kind="customers")
    assert problems(batch) == [
        (2, "email", "not-an-email", "is not an email address"),
        (3, "email", "", "is required on every row"),
        (5, "email", "A@example.com", "is also on row 4"),
    ]
    assert Customer.objects.count() == 0


def test_the_accountant_cannot_import_customers(accountant):
    with pytest.raises(DomainError, match="Your role cannot import customers"):
        preview(accountant, b"email\r\na@example.com\r\n", kind="customers")
    assert Customer.objects.count() == 0
