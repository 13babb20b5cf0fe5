"""Imports: bring a file in (`import_create`), see what it would do (`import_preview`), apply
it whole or not at all (`import_apply`), and take it back (`import_revert`, in `revert.py`).

The upload is kept in storage, so a worker on another machine can read it. Files above
`IMPORT_BACKGROUND_ROWS` are previewed and applied by Celery workers, with progress in the
cache (an apply runs in one transaction, so progress written to the database would not be
seen until the end); smaller ones in the request."""

import csv
import gc
import io
import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.workers import queue_check, send_on_commit, stale_after
from imports import limits
from imports.catalog.importer import CatalogImport
from imports.catalog.shopify import is_shopify_export
from imports.images import image_copies_queue
from imports.models import ImportBatch, ImportKind, ImportStatus
from imports.outcome import Outcome
from imports.people_and_places import CategoriesImport, CustomersImport
from imports.reading import ImportFileError, Table, file_format_of, read_table
from imports.simple import PricesImport, StockCountImport
from inventory.models import Warehouse
from reporting.writers import escape_text

logger = logging.getLogger(__name__)

# A request opens an xlsx file only when its shared strings are few (openpyxl holds them all).
REQUEST_SHARED_STRINGS = 50_000


class Importer(Protocol):
    """What each kind of import does: read a table in chunks of rows, plan a chunk against
    the database (recording problems in its outcome), write what it planned."""

    unit: str  # what "apply the valid ones" counts: products, rows
    skips_invalid: bool  # whether the valid units may be applied without the invalid ones

    def chunks(self, table: Table) -> Iterable[list]: ...

    def plan(self, chunk: list) -> list: ...

    def write(self, plans: list, batch: ImportBatch, actor: Actor) -> None: ...


IMPORTERS: dict[str, Callable[[Outcome], Importer]] = {
    ImportKind.PRODUCTS: lambda outcome: CatalogImport(outcome, shopify=False),
    ImportKind.SHOPIFY: lambda outcome: CatalogImport(outcome, shopify=True),
    ImportKind.PRICES: PricesImport,
    ImportKind.STOCK: StockCountImport,
    ImportKind.CATEGORIES: CategoriesImport,
    ImportKind.CUSTOMERS: CustomersImport,
}

# What a person needs, beyond importing itself, to bring each kind of file in.
KIND_PERMISSIONS: dict[str, list[str]] = {
    ImportKind.PRODUCTS: ["inventory.add_product", "inventory.change_product"],
    ImportKind.SHOPIFY: ["inventory.add_product", "inventory.change_product"],
    ImportKind.PRICES: ["inventory.change_productvariant"],
    ImportKind.STOCK: ["inventory.change_stocklevel"],
    ImportKind.CATEGORIES: ["inventory.add_category", "inventory.change_category"],
    ImportKind.CUSTOMERS: ["sales.add_customer", "sales.change_customer"],
}


# What reading an import's rows (its page, its error file) asks beyond seeing imports: the
# rows are the kind's, so a role that may not read customers never reads a customers file.
KIND_READ_PERMISSIONS: dict[str, list[str]] = {
    ImportKind.PRODUCTS: ["inventory.view_product"],
    ImportKind.SHOPIFY: ["inventory.view_product"],
    ImportKind.PRICES: ["inventory.view_productvariant"],
    ImportKind.STOCK: ["inventory.view_stocklevel"],
    ImportKind.CATEGORIES: ["inventory.view_category"],
    ImportKind.CUSTOMERS: ["sales.view_customer"],
}


def may_read_import(user, batch: ImportBatch) -> bool:
    """Whether `user` may read the batch's rows: a revert's are those of the import it
    reverts."""
    kind = batch.reverts.kind if batch.kind == ImportKind.REVERT and batch.reverts else batch.kind
    return user.has_perm("imports.view_importbatch") and user.has_perms(
        KIND_READ_PERMISSIONS.get(kind, ["imports.apply_importbatch"])
    )


def may_import(user, kind: str) -> bool:
    return (
        kind in IMPORTERS
        and user.has_perm("imports.add_importbatch")
        and user.has_perms(KIND_PERMISSIONS[kind])
    )


class ImportInvalid(DomainError):
    """Rows of the file are invalid: nothing was written."""

    def __init__(self, outcome: Outcome):
        super().__init__(f"{outcome.problem_count} problem(s) in the file; nothing was imported.")
        self.outcome = outcome


# --- creating a batch --------------------------------------------------------------------------


def import_create(*, kind: str, upload, actor: Actor, wait: bool = False) -> ImportBatch:
    """Check the file can be read as a table of that kind (size, format, encoding, columns),
    store it and preview it — now, or on a worker for a big file unless the caller `wait`s
    (the command line). A refused file writes nothing."""
    if kind not in IMPORTERS:
        raise DomainError(f"{kind!r} is not an import; use one of: {', '.join(IMPORTERS)}.")
    if actor.user is not None and not may_import(actor.user, kind):
        raise DomainError(f"Your role cannot import {ImportKind(kind).label.lower()}.")
    name = getattr(upload, "name", "") or "upload"
    file_format = file_format_of(name)
    kind, rows = _check_readable(kind, upload, name, actor)
    if rows > settings.IMPORT_BACKGROUND_ROWS and not wait:
        queue_check()
    with transaction.atomic():
        batch = ImportBatch(
            kind=kind,
            file_name=name.rsplit("/", 1)[-1][:255],
            file_format=file_format,
            row_count=rows,
            requested_by=actor.user,
            actor_name=str(actor),
        )
        batch.created_at = timezone.now()
        upload.seek(0)
        batch.file.save(batch.file_name, upload, save=False)
        batch.save()
        background = rows > settings.IMPORT_BACKGROUND_ROWS and not wait
        if background:
            _send_preview(batch.pk)
    if not background:
        # A file larger than it said (an xlsx's stated size is the file's word) moves to a
        # worker once the request has read the rows it may.
        import_preview(batch.pk, row_limit=None if wait else settings.IMPORT_BACKGROUND_ROWS)
        batch.refresh_from_db()
    return batch


def _send_preview(batch_id: int) -> None:
    from imports.tasks import import_preview_task

    def not_sent(error: str) -> None:
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PREVIEWING).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), message=error
        )

    send_on_commit(import_preview_task, batch_id, on_failure=not_sent)


def _apply_not_sent(batch_id: int, status: str, error: str) -> None:
    """The apply never left: the batch is as it was before the click, and says why."""
    ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.APPLYING).update(
        status=status, started_at=None, message=error
    )


def _check_readable(kind: str, upload, name: str, actor: Actor) -> tuple[str, int]:
    """Open the file and its header once, as the import will: the kind it really is, and its
    number of data rows (an estimate: a csv cell may hold line breaks, an xlsx sheet states
    its own size). A workbook whose shared strings alone outweigh a request's work is not
    opened here: its worker checks it."""
    if file_format_of(name) == "xlsx" and limits.xlsx_shared_strings(upload) > (
        REQUEST_SHARED_STRINGS
    ):
        return kind, settings.IMPORT_BACKGROUND_ROWS + 1
    table = read_table(upload, name)
    try:
        kind = _recognised_kind(kind, table.columns, actor)
        importer = IMPORTERS[kind](Outcome())
        rows = table.estimated_rows
        table.rows = iter(())  # the header is enough to check the required columns
        next(iter(importer.chunks(table)), None)
    finally:
        table.release()
    if table.file_format != "xlsx":
        upload.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: upload.read(1 << 20), b""))
        rows = max(lines - 1, 0)  # the header's line
    upload.seek(0)
    if rows > limits.max_rows():
        raise limits.FileTooBig(
            f"The file has {rows:,} rows; one import takes at most {limits.max_rows():,}: split it."
        )
    return kind, rows


def _recognised_kind(kind: str, columns: list[str], actor: Actor) -> str:
    """A Shopify product export chosen as another kind of file is imported as what it is
    (the caller sees the batch's kind differ from its choice, and says so)."""
    if kind == ImportKind.SHOPIFY or not is_shopify_export(columns):
        return kind
    if actor.user is not None and not may_import(actor.user, ImportKind.SHOPIFY):
        return kind
    return ImportKind.SHOPIFY


# --- running a batch ---------------------------------------------------------------------------


def _progress_key(batch_id: int) -> str:
    return f"import:{batch_id}:progress"


def import_progress(batch: ImportBatch) -> int:
    if batch.status not in (ImportStatus.PREVIEWING, ImportStatus.APPLYING):
        return 100
    beat = cache.get(_progress_key(batch.pk))
    return beat["percent"] if beat else 0


def _beat(batch: ImportBatch, outcome: Outcome) -> None:
    total = max(batch.row_count, 1)
    percent = min(99, int(100 * outcome.rows_seen / total))
    cache.set(
        _progress_key(batch.pk),
        {"percent": percent, "at": timezone.now().isoformat()},
        int(stale_after().total_seconds() * 6),
    )


@contextmanager
def _few_collections():
    """Python's cyclic garbage collector runs whenever allocations outnumber frees by 700;
    a pass over a big file allocates millions of long-lived objects, and the collections
    (each walking the whole heap) took 40 % of the time. Collect rarely while it runs."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


class TooBigForRequest(Exception):
    """The file has more rows than a request may read: its preview moves to a worker."""


def _run(batch: ImportBatch, *, actor: Actor | None = None, row_limit=None) -> Outcome:
    """One pass over the stored file: plan every chunk, and write it when `actor` is given."""
    with _few_collections():
        return _pass(batch, actor, row_limit)


def _limited(rows, limit: int):
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise TooBigForRequest
        yield row


def _pass(batch: ImportBatch, actor: Actor | None, row_limit=None) -> Outcome:
    outcome = Outcome()
    importer = IMPORTERS[batch.kind](outcome)
    with batch.file.open("rb") as stored:
        table = read_table(stored, batch.file_name)
        if row_limit is not None:
            table.rows = _limited(table.rows, row_limit)
        outcome.notices.extend(table.notices)
        for chunk in importer.chunks(table):
            plans = importer.plan(chunk)
            valid = [p for p in plans if not outcome.touches_problem(p.rows)]
            outcome.units["valid"] += len(valid)
            outcome.units["skipped"] += len(plans) - len(valid)
            if actor is not None and (outcome.valid or batch.skips_invalid):
                importer.write(valid, batch, actor)
            _beat(batch, outcome)
    return outcome


def skippable(batch: ImportBatch) -> dict | None:
    """For an invalid batch whose kind allows it: how many products (or rows) the apply of
    the valid ones would write and skip; None when it cannot."""
    preview = batch.preview or {}
    units = preview.get("units") or {}
    importer = IMPORTERS.get(batch.kind)
    if batch.status != ImportStatus.INVALID or importer is None or not units.get("valid"):
        return None
    if not importer(Outcome()).skips_invalid:
        return None
    unit = _unit(importer(Outcome()).unit, units["valid"])
    return {"valid": units["valid"], "skipped": units.get("skipped", 0), "unit": unit}


def _unit(plural: str, count: int) -> str:
    return plural if count != 1 else plural.removesuffix("s")


def _claim(batch_id: int, status_from: tuple, status_to: str) -> ImportBatch | None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status not in status_from:
            return None
        batch.status, batch.started_at, batch.message = status_to, timezone.now(), ""
        batch.save(update_fields=["status", "started_at", "message"])
    cache.delete(_progress_key(batch_id))
    return batch


def import_preview(batch_id: int, *, row_limit: int | None = None) -> ImportBatch | None:
    """Read the whole file and plan it without writing: the preview, the counts, and for an
    invalid file a copy with an error column. Safe to call twice. With `row_limit` (a
    request), a file with more rows is handed to a worker instead."""
    batch = _claim(batch_id, (ImportStatus.PREVIEWING,), ImportStatus.PREVIEWING)
    if batch is None:
        return None
    try:
        outcome = _run(batch, row_limit=row_limit)
    except TooBigForRequest:
        _send_preview(batch_id)
        return batch
    except ImportFileError as error:
        return _finish(batch, ImportStatus.INVALID, message=str(error))
    except Exception as error:
        logger.exception("Preview of import %s failed", batch_id)
        return _finish(batch, ImportStatus.FAILED, message=_failure(error))
    status = ImportStatus.READY if outcome.valid else ImportStatus.INVALID
    return _finish(batch, status, outcome=outcome)


def import_apply(
    *,
    batch: ImportBatch,
    actor: Actor,
    opening_stock_warehouse: Warehouse | None = None,
    skip_invalid: bool = False,
) -> ImportBatch:
    """Queue the apply of a previewed, valid batch (on a worker for a big file), with the
    file's quantities counted into `opening_stock_warehouse` when one is given. With
    `skip_invalid`, an invalid batch writes its valid products (or rows) and skips the rest,
    still in one transaction."""
    user = actor.user
    if (
        not user
        or not user.has_perm("imports.apply_importbatch")
        or not may_import(user, batch.kind)
    ):
        raise DomainError("Your role cannot apply this import.")
    if opening_stock_warehouse is not None:
        _check_opening_stock(batch, opening_stock_warehouse, user)
    background = batch.row_count > settings.IMPORT_BACKGROUND_ROWS
    if background:
        queue_check()
    expected = ImportStatus.READY
    if skip_invalid:
        batch.refresh_from_db()
        if skippable(batch) is None:
            raise DomainError(f"{batch} has no valid rows to apply without the invalid ones.")
        expected = ImportStatus.INVALID
    # Ready → applying in one statement: of two clicks at once, one applies.
    taken = ImportBatch.objects.filter(pk=batch.pk, status=expected).update(
        status=ImportStatus.APPLYING,
        started_at=timezone.now(),
        opening_stock_warehouse=opening_stock_warehouse,
        skips_invalid=skip_invalid,
    )
    if not taken:
        batch.refresh_from_db()
        raise DomainError(f"{batch} is {batch.get_status_display().lower()}: it cannot be applied.")
    if background:
        from imports.tasks import import_apply_task

        _beat(batch, Outcome())  # queued: the stale check counts from now
        send_on_commit(
            import_apply_task, batch.pk, user.pk,
            on_failure=lambda error: _apply_not_sent(batch.pk, expected, error),
        )  # fmt: skip
        batch.refresh_from_db()
        return batch
    return import_apply_run(batch.pk, actor) or batch


def _check_opening_stock(batch: ImportBatch, warehouse: Warehouse, user) -> None:
    if not (batch.preview or {}).get("opening_stock", {}).get("variants"):
        raise DomainError(f"{batch} has no quantities to set as opening stock.")
    if not warehouse.active:
        raise DomainError(f"{warehouse.code} is not an active warehouse.")
    if not user.has_perm("inventory.change_stocklevel"):
        raise DomainError("Your role cannot set stock.")


def import_apply_run(
    batch_id: int,
    actor: Actor,
    *,
    opening_stock_warehouse: Warehouse | None = None,
    skip_invalid: bool = False,
) -> ImportBatch | None:
    """Write the batch in one transaction: every row or none (or, when it skips invalid
    rows, every valid product or row). A file whose rows turned invalid since the preview
    (the catalog changed) is refused whole. The command line gives its choices here; the
    admin's are already on the batch."""
    statuses: tuple[str, ...] = (ImportStatus.APPLYING, ImportStatus.READY)
    if skip_invalid:
        statuses += (ImportStatus.INVALID,)
    batch = _claim(batch_id, statuses, ImportStatus.APPLYING)
    if batch is None:
        return None
    if opening_stock_warehouse is not None or skip_invalid:
        batch.opening_stock_warehouse = opening_stock_warehouse or batch.opening_stock_warehouse
        batch.skips_invalid = batch.skips_invalid or skip_invalid
        batch.save(update_fields=["opening_stock_warehouse", "skips_invalid"])
    try:
        with transaction.atomic():
            outcome = _run(batch, actor=actor)
            if not outcome.valid and not batch.skips_invalid:
                raise ImportInvalid(outcome)
            # Images are copied home by workers once the rows they belong to are committed.
            if settings.IMPORT_IMAGE_COPY_AFTER_APPLY:
                transaction.on_commit(lambda: image_copies_queue(batch_id))
            # "Applied" commits with the data: a worker killed at any moment leaves both or
            # neither.
            return _finish(
                batch, ImportStatus.APPLIED, outcome=outcome, message=_skipped(batch, outcome)
            )
    except ImportInvalid as error:
        return _finish(
            batch,
            ImportStatus.INVALID,
            outcome=error.outcome,
            message=(
                "The catalog changed since the preview and some rows are now invalid; nothing "
                "was imported."
            ),
        )
    except Exception as error:
        logger.exception("Import %s failed", batch_id)
        return _finish(
            batch, ImportStatus.FAILED, message=f"Nothing was imported: {_failure(error)}"
        )


def _skipped(batch: ImportBatch, outcome: Outcome) -> str:
    if outcome.valid:
        return ""
    unit = _unit(IMPORTERS[batch.kind](Outcome()).unit, outcome.units["valid"])
    return (
        f"Applied {outcome.units['valid']} {unit}; skipped {outcome.units['skipped']} with "
        f"invalid rows ({len(outcome.problem_rows)} rows, listed in the error file)."
    )


def _failure(error: Exception) -> str:
    if isinstance(error, SoftTimeLimitExceeded):
        return "the import took longer than its time limit; split the file."
    return f"{type(error).__name__}: {error}"


def _finish(batch, status, *, outcome: Outcome | None = None, message: str = "") -> ImportBatch:
    batch.status, batch.message, batch.finished_at = status, message, timezone.now()
    fields = ["status", "message", "finished_at"]
    if outcome is not None:
        batch.preview = outcome.as_preview()
        batch.counts = {**batch.preview["counts"], "rows": outcome.rows_seen}
        if batch.skips_invalid:
            batch.counts["skipped"] = outcome.units["skipped"]
        batch.row_count = outcome.rows_seen
        fields += ["preview", "counts", "row_count"]
        # An apply that skipped invalid rows keeps the preview's error file (storage is
        # written outside the apply's transaction).
        if not outcome.valid and not (batch.skips_invalid and batch.error_file):
            _save_error_file(batch, outcome)
            fields.append("error_file")
    batch.save(update_fields=fields)
    key = _progress_key(batch.pk)
    transaction.on_commit(lambda: cache.delete(key))
    return batch


def _save_error_file(batch: ImportBatch, outcome: Outcome) -> None:
    """The whole file back as csv with an "Errors" column, to fix and import again."""
    text = io.StringIO()
    writer = csv.writer(text)
    with batch.file.open("rb") as stored:
        table = read_table(stored, batch.file_name)
        writer.writerow([*table.columns, "Errors"])
        for row, raw in table.rows:
            cells = [escape_text(raw.get(c) or "") for c in table.columns]
            writer.writerow([*cells, "; ".join(outcome.problem_rows.get(row, []))])
    stem = batch.file_name.rsplit(".", 1)[0]
    content = ContentFile(text.getvalue().encode("utf-8-sig"))
    batch.error_file.save(f"{stem}-errors.csv", content, save=False)


def imports_fail_stale(now=None) -> int:
    """Batches whose worker stopped (killed, lost) are failed, not left running; an apply
    that stopped wrote nothing — its transaction never committed."""
    now = now or timezone.now()
    failed = 0
    since = now - stale_after()
    # Started long ago, or queued long ago and never picked up.
    old = Q(started_at__lt=since) | Q(started_at__isnull=True, created_at__lt=since)
    for batch in ImportBatch.objects.filter(
        old, status__in=(ImportStatus.PREVIEWING, ImportStatus.APPLYING)
    ):
        beat = cache.get(_progress_key(batch.pk))
        if beat and datetime.fromisoformat(beat["at"]) > since:
            continue
        verb = "preview" if batch.status == ImportStatus.PREVIEWING else "import"
        failed += ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
            status=ImportStatus.FAILED,
            finished_at=now,
            message=f"The worker running this {verb} stopped; nothing was imported. Start it again.",
        )
    return failed
