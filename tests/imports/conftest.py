"""Import tests: people, files written from the format notes, and the import as the admin
runs it (create → preview → apply)."""

import csv
import io

import pytest

from backoffice.actors import Actor
from imports.models import ImportBatch, ImportStatus
from imports.services import import_apply, import_create

NATIVE_HEADER = [
    "handle", "title", "description", "vendor", "product_type", "tags", "status",
    "option1_name", "option2_name", "sku", "option1", "option2", "price",
    "compare_at_price", "cost", "weight", "weight_unit", "inventory_policy",
]  # fmt: skip


@pytest.fixture(autouse=True)
def media_root(media_root):
    """Every test here stores files in a folder of its own."""
    return media_root


class Upload(io.BytesIO):
    def __init__(self, content: bytes, name: str):
        super().__init__(content)
        self.name = name


def csv_bytes(rows: list[list], *, delimiter=",", encoding="utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def native_rows(*rows: dict) -> list[list]:
    return [NATIVE_HEADER, *([row.get(c, "") for c in NATIVE_HEADER] for row in rows)]


def preview(user, content: bytes, kind="products", name="catalog.csv") -> ImportBatch:
    return import_create(kind=kind, upload=Upload(content, name), actor=Actor.for_user(user))


def apply(user, batch: ImportBatch) -> ImportBatch:
    batch = import_apply(batch=batch, actor=Actor.for_user(user))
    batch.refresh_from_db()
    return batch


def imported(user, content: bytes, kind="products", name="catalog.csv") -> ImportBatch:
    batch = preview(user, content, kind, name)
    assert batch.status == ImportStatus.READY, (batch.message, batch.preview.get("problems"))
    batch = apply(user, batch)
    assert batch.status == ImportStatus.APPLIED, batch.message
    return batch


def problems(batch: ImportBatch) -> list[tuple]:
    return [(p["row"], p["column"], p["value"], p["message"]) for p in batch.preview["problems"]]
