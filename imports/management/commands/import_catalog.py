"""`python manage.py import_catalog PATH [--format shopify|native] [--dry-run]`: the import
the admin runs, from the command line — previewed, then applied unless it is a dry run —,
printing the summary. Recorded as an import batch like any other, so it can be reverted."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from imports.models import ImportKind, ImportStatus
from imports.outcome import RowStatus
from imports.services import import_apply_run, import_create, skippable
from inventory.models import Warehouse

FORMATS = {"native": ImportKind.PRODUCTS, "shopify": ImportKind.SHOPIFY}
PROBLEMS_PRINTED = 20


class Command(BaseCommand):
    help = "Import a catalog file (native or Shopify products CSV, or xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", choices=FORMATS, default="native")
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Apply the valid products and skip those with invalid rows.",
        )
        parser.add_argument(
            "--opening-stock",
            metavar="WAREHOUSE",
            help="Set stock from Shopify's Variant Inventory Qty into this warehouse (its code).",
        )

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"There is no file at {path}.")
        actor = Actor.system("import_catalog command")
        warehouse = None
        if options["opening_stock"]:
            warehouse = Warehouse.objects.filter(code=options["opening_stock"], active=True).first()
            if warehouse is None:
                raise CommandError(
                    f"No active warehouse has the code {options['opening_stock']!r}."
                )
        try:
            with path.open("rb") as upload:
                batch = import_create(
                    kind=FORMATS[options["format"]], upload=upload, actor=actor, wait=True
                )
        except DomainError as error:
            raise CommandError(str(error)) from error
        if batch.kind != FORMATS[options["format"]]:
            self.stdout.write(f"The file is a {batch.get_kind_display()} file: read as one.")
        self._summary(batch)
        skip = options["skip_invalid"] and skippable(batch) is not None
        if batch.status != ImportStatus.READY and not skip:
            raise CommandError(
                batch.message or f"{batch}: the file has invalid rows; nothing was imported."
            )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        import_apply_run(batch.pk, actor, opening_stock_warehouse=warehouse, skip_invalid=skip)
        batch.refresh_from_db()
        if batch.status != ImportStatus.APPLIED:
            self._summary(batch)
            raise CommandError(batch.message or f"{batch} was not applied.")
        self.stdout.write(self.style.SUCCESS(f"{batch} applied. {batch.message}".strip()))

    def _summary(self, batch) -> None:
        preview = batch.preview or {}
        counts = preview.get("counts", {})
        summary = ", ".join(f"{counts.get(k, 0)} {k}" for k in RowStatus.ORDER)
        self.stdout.write(f"{batch}: {summary} rows")
        for kind, by_status in sorted(preview.get("objects", {}).items()):
            parts = ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            self.stdout.write(f"  {kind}: {parts}")
        for notice in preview.get("notices", []):
            self.stdout.write(f"  note: {notice}")
        stock = preview.get("opening_stock") or {}
        if stock.get("variants"):
            where = batch.opening_stock_warehouse
            self.stdout.write(
                f"  opening stock: {stock['variants']} variant(s), {stock['units']} unit(s) "
                + (f"counted into {where.code}" if where else "(--opening-stock WAREHOUSE sets it)")
            )
        problems = preview.get("problems", [])
        for problem in problems[:PROBLEMS_PRINTED]:
            where = f"row {problem['row']}" + (
                f", {problem['column']}" if problem["column"] else ""
            )
            value = f" “{problem['value']}”" if problem["value"] else ""
            self.stdout.write(f"  {where}:{value} {problem['message']}")
        if preview.get("problem_count", 0) > len(problems[:PROBLEMS_PRINTED]):
            self.stdout.write(f"  … {preview['problem_count']} problems in all.")
