"""Stored files by permission. A private file (a report, an export, an import's file or error
file, an invoice) is served only by its download view, which checks the permission for what
it is: the report's audience, the exported or imported rows' model. It is never served by its
name, to anyone, and its name holds a random folder. Product pictures are public (storefronts
show them); the store's logo is seen by those who may see the store's settings."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from backoffice import roles
from backoffice.models import StoreSettings
from imports.models import ImportBatch, ImportKind, ImportStatus
from inventory.models import ProductImage
from reporting.models import ReportRun, RunStatus
from tests.factories import ProductFactory, UserFactory

TOKEN = r"[A-Za-z0-9_-]{22}"


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every test here stores files in a folder of its own."""
    return media_root


@pytest.fixture
def people(db):
    def with_permissions(name, *codenames):
        user = UserFactory(username=name)
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
        return user

    return {
        "owner": UserFactory(username="owner", roles=[roles.OWNER]),
        "merchant": UserFactory(username="merchant", roles=[roles.MERCHANT]),
        "accountant": UserFactory(username="accountant", roles=[roles.ACCOUNTANT]),
        "no role": UserFactory(username="norole"),
        # May see reports and imports, but not customers: their files are not for it.
        "no customers": with_permissions(
            "nocustomers",
            "view_reportrun",
            "add_reportrun",
            "view_importbatch",
            "view_product",
        ),
        "anonymous": None,
    }


def run_with_file(kind: str) -> ReportRun:
    run = ReportRun.objects.create(kind=kind, format="csv", status=RunStatus.DONE)
    run.file.save(f"{kind}-{run.pk}.csv", ContentFile(b"secret,rows\n"))
    return run


def batch_with_files(kind: str) -> ImportBatch:
    batch = ImportBatch.objects.create(
        kind=kind, status=ImportStatus.INVALID, actor_name="test", file_name="rows.csv"
    )
    batch.file.save("rows.csv", ContentFile(b"email\nann@example.com\n"), save=False)
    batch.error_file.save("rows-errors.csv", ContentFile(b"email,error\n"), save=False)
    batch.save()
    return batch


@pytest.fixture
def files(db):
    logo = StoreSettings.objects.get()
    logo.logo.save("logo.png", ContentFile(b"\x89PNG logo"))
    image = ProductImage(product=ProductFactory())
    image.image.save("front.png", ContentFile(b"\x89PNG front"))
    return {
        "tax summary": run_with_file("tax_summary"),
        "customers export": run_with_file("export_customers"),
        "stock report": run_with_file("low_stock"),
        "customers import": batch_with_files(ImportKind.CUSTOMERS),
        "products import": batch_with_files(ImportKind.PRODUCTS),
        "logo": logo.logo.name,
        "product image": image.image.name,
    }


def download_url(thing) -> str:
    if isinstance(thing, ReportRun):
        return reverse("admin:reporting_reportrun_download", args=[thing.pk])
    return reverse("admin:imports_importbatch_errors", args=[thing.pk])


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


# Who gets each file from its download view: 200, or refused (403; the login page for
# somebody not signed in).
DOWNLOADS = {
    "tax summary": {"owner", "accountant"},
    "customers export": {"owner", "merchant", "accountant"},
    "stock report": {"owner", "merchant", "accountant", "no customers"},
    "customers import": {"owner", "merchant", "accountant"},
    "products import": {"owner", "merchant", "accountant", "no customers"},
}


@pytest.mark.parametrize("what", DOWNLOADS)
def test_each_file_is_downloaded_only_by_who_may_read_it(client, people, files, what):
    url = download_url(files[what])
    for who, user in people.items():
        response = get(client, user, url)
        if who in DOWNLOADS[what]:
            assert response.status_code == 200, (what, who)
            assert b"".join(response.streaming_content)
        elif user is None:
            assert response.status_code == 302 and "/login/" in response["Location"], what
        else:
            assert response.status_code == 403, (what, who, response.status_code)


def test_a_refused_import_page_shows_none_of_its_rows(client, people, files):
    batch = files["customers import"]
    url = reverse("admin:imports_importbatch_change", args=[batch.pk])
    assert get(client, people["no customers"], url).status_code == 403
    assert get(client, people["merchant"], url).status_code == 200


def test_no_private_file_is_served_by_its_name_to_anyone(client, people, files):
    superuser = UserFactory(username="root", is_superuser=True)
    names = [
        *(files[what].file.name for what in ("tax summary", "customers export", "stock report")),
        *(files[what].file.name for what in ("customers import", "products import")),
        *(files[what].error_file.name for what in ("customers import", "products import")),
    ]
    for name in names:
        for user in [*people.values(), superuser]:
            assert get(client, user, f"/media/{name}").status_code == 404, (name, user)


def test_private_files_are_named_with_a_random_folder(files):
    run, batch = files["tax summary"], files["customers import"]
    assert re.fullmatch(
        rf"reports/\d{{4}}/\d{{2}}/{TOKEN}/tax_summary-{run.pk}\.csv", run.file.name
    )
    assert re.fullmatch(rf"imports/\d{{4}}/\d{{2}}/{TOKEN}/rows\.csv", batch.file.name)
    assert re.fullmatch(rf"imports/errors/{TOKEN}/rows-errors\.csv", batch.error_file.name)
    assert files["stock report"].file.name.split("/")[3] != run.file.name.split("/")[3]


def test_product_pictures_are_public(client, files):
    response = client.get(f"/media/{files['product image']}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG front"
    assert response["Cache-Control"].startswith("public")


def test_the_logo_is_seen_by_who_may_see_the_store_settings(client, people, files):
    url = f"/media/{files['logo']}"
    for who in ("owner", "merchant", "accountant"):
        response = get(client, people[who], url)
        assert response.status_code == 200, who
        assert response["Cache-Control"] == "private, no-store"
    for who in ("no role", "anonymous"):
        assert get(client, people[who], url).status_code == 404, who


@pytest.mark.parametrize(
    "path",
    [
        "/media/../backoffice/settings.py",
        "/media/products/../../manage.py",
        "/media/products/%2e%2e/%2e%2e/manage.py",
        "/media/products/no-such-file.png",
    ],
)
def test_hostile_names_are_not_found(client, people, files, path):
    assert get(client, people["owner"], path).status_code == 404


@pytest.mark.parametrize("path", ["/media/products/%00.png", "/media/%00"])
def test_a_name_with_nul_is_refused(client, people, files, path):
    response = get(client, people["owner"], path)
    assert response.status_code == 400
    assert b"NUL" in response.content
