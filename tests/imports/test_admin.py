"""Imports in the admin, through Django's test client: upload, read the preview, apply,
revert, download the error file; and who may do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportBatch, ImportKind, ImportStatus
from inventory.models import Product
from tests.imports.conftest import csv_bytes, native_rows

TEE = {"handle": "tee", "title": "Tee", "sku": "TEE-S", "option1": "S", "price": "19.00"}
NEW = reverse("admin:imports_importbatch_new_import")


def upload(client, content: bytes, kind="products", name="catalog.csv"):
    return client.post(NEW, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def page(batch: ImportBatch) -> str:
    return reverse("admin:imports_importbatch_change", args=[batch.pk])


def test_the_merchant_uploads_previews_applies_and_reverts(client, merchant):
    client.force_login(merchant)
    response = upload(client, csv_bytes(native_rows(TEE)))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == page(batch)
    preview = client.get(page(batch)).content.decode()
    assert "Ready to apply" in preview and "Apply this import" in preview
    assert "product tee" in preview and "TEE-S" in preview
    assert not Product.objects.exists()

    response = client.post(reverse("admin:imports_importbatch_apply", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert Product.objects.get().title == "Tee"
    applied = client.get(page(batch)).content.decode()
    assert "Revert this import" in applied and "Apply this import" not in applied

    response = client.post(reverse("admin:imports_importbatch_revert", args=[batch.pk]))
    revert = ImportBatch.objects.get(kind=ImportKind.REVERT)
    assert response["Location"] == page(revert)
    assert not Product.objects.exists()
    assert "Removed" in client.get(response["Location"]).content.decode()


def test_an_invalid_file_shows_its_problems_and_offers_its_error_file(client, merchant):
    client.force_login(merchant)
    upload(client, csv_bytes(native_rows({**TEE, "price": "nine"})))
    batch = ImportBatch.objects.get()
    content = client.get(page(batch)).content.decode()
    assert "Invalid rows (1 problem)" in content
    assert "nine" in content and "is not a number" in content
    assert "Apply this import" not in content
    errors = client.get(reverse("admin:imports_importbatch_errors", args=[batch.pk]))
    assert errors["Content-Disposition"] == 'attachment; filename="catalog-errors.csv"'
    body = b"".join(errors.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1].endswith(",price: is not a number")
    response = client.post(reverse("admin:imports_importbatch_apply", args=[batch.pk]))
    assert response.status_code == 302
    assert not Product.objects.exists()


def test_an_unreadable_upload_is_a_message_and_writes_nothing(client, merchant):
    client.force_login(merchant)
    response = upload(client, b"title\r\nMug\r\n")
    assert response.status_code == 200
    assert "A products file needs the column(s) handle" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_the_accountant_sees_imports_but_cannot_start_or_apply_them(client, merchant, accountant):
    client.force_login(merchant)
    upload(client, csv_bytes(native_rows(TEE)))
    batch = ImportBatch.objects.get()
    client.force_login(accountant)
    assert client.get(reverse("admin:imports_importbatch_changelist")).status_code == 200
    content = client.get(page(batch)).content.decode()
    assert "Apply this import" not in content
    assert client.get(NEW).status_code == 403
    client.post(reverse("admin:imports_importbatch_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY
    assert not Product.objects.exists()


@pytest.mark.parametrize("action", ["apply", "revert"])
def test_apply_and_revert_only_answer_posts(client, merchant, action):
    client.force_login(merchant)
    upload(client, csv_bytes(native_rows(TEE)))
    batch = ImportBatch.objects.get()
    response = client.get(reverse(f"admin:imports_importbatch_{action}", args=[batch.pk]))
    assert response.status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportStatus.READY


def test_a_model_page_can_open_the_form_on_its_kind(client, merchant):
    client.force_login(merchant)
    content = client.get(NEW + "?kind=prices").content.decode()
    assert '<option value="prices" selected>' in content


@pytest.mark.parametrize(
    ("changelist", "kind"),
    [
        ("admin:inventory_product_changelist", "products"),
        ("admin:inventory_category_changelist", "categories"),
        ("admin:inventory_stocklevel_changelist", "stock"),
        ("admin:sales_customer_changelist", "customers"),
    ],
)
def test_each_list_has_an_import_button_on_its_kind(client, merchant, accountant, changelist, kind):
    client.force_login(merchant)
    page = client.get(reverse(changelist)).content.decode()
    button = reverse(changelist).rstrip("/") + "/import-file/"
    assert button in page
    response = client.get(button)
    assert response["Location"] == f"{NEW}?kind={kind}"
    client.force_login(accountant)
    assert button not in client.get(reverse(changelist)).content.decode()
    assert client.get(button).status_code == 403


def test_a_page_for_no_import_is_not_found(client, merchant):
    client.force_login(merchant)
    assert client.get("/admin/imports/importbatch/nope/change/").status_code == 404
    assert client.get("/admin/imports/importbatch/999999/change/").status_code == 404
