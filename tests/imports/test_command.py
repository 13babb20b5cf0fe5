"""`python manage.py import_catalog PATH [--format shopify|native] [--dry-run]`."""

import pytest
from django.core.management import CommandError, call_command

from imports.models import ImportBatch, ImportStatus
from inventory.models import Product
from tests.imports.conftest import csv_bytes, native_rows
from tests.imports.test_shopify import new_export

TEE = {"handle": "tee", "title": "Tee", "sku": "TEE-S", "option1": "S", "price": "19.00"}


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_catalog", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_the_summary_and_writes_nothing(tmp_path, db):
    path = tmp_path / "catalog.csv"
    path.write_bytes(csv_bytes(native_rows(TEE)))
    out = run(str(path), "--dry-run")
    batch = ImportBatch.objects.get()
    assert out.splitlines() == [
        f"Import #{batch.pk}: catalog.csv: 1 new, 0 changed, 0 unchanged, 0 invalid rows",
        "  product: 1 new",
        "  variant: 1 new",
        "Dry run: nothing was written.",
    ]
    assert not Product.objects.exists()


def test_a_shopify_file_is_imported_as_the_system(tmp_path, db):
    path = tmp_path / "products_export.csv"
    path.write_bytes(new_export())
    out = run(str(path), "--format", "shopify")
    batch = ImportBatch.objects.get()
    assert out.splitlines()[-1] == f"Import #{batch.pk}: products_export.csv applied."
    assert Product.objects.count() == 3
    assert (batch.status, batch.actor_name, batch.requested_by) == (
        ImportStatus.APPLIED, "import_catalog command (System)", None,
    )  # fmt: skip
    tee = Product.objects.get(handle="classic-tee").history.get()
    assert tee.history_change_reason == f"Import #{batch.pk}: products_export.csv"


def test_an_invalid_file_prints_its_problems_and_fails(tmp_path, db):
    path = tmp_path / "catalog.csv"
    path.write_bytes(csv_bytes(native_rows({**TEE, "price": "x"})))
    with pytest.raises(CommandError, match="the file has invalid rows; nothing was imported"):
        run(str(path))
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "There is no file at"),
        ("catalog.csv", b"title\r\nMug\r\n", "A products file needs the column"),
    ],
)
def test_an_unreadable_file_is_a_clear_error(tmp_path, db, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(path))
    assert ImportBatch.objects.count() == 0
