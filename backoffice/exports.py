"""Exports: what every admin export and every background export run share.

- The formats offered: CSV, Excel (xlsx), TSV and, when their libraries are installed, ODS,
  JSON and YAML. Never HTML (a file that runs in the browser) nor the legacy xls.
- One cell as a file holds it (`export_cell`, from `reporting.writers`): text that a spreadsheet
  would run as a formula (starting with =, +, -, @, tab or carriage return) escaped with a
  leading quote, numbers and yes/no as plain values, times in the shop's time zone.
- `ExportResource`: a django-import-export resource for the export side only. It reads its
  rows from a *source* (the model its admin lists: products, orders, …), expands each source
  into rows (a product into its variants, an order into its lines) and streams them in chunks,
  a constant number of queries per chunk. Its `columns` name the file's header, for an import
  to read back.
- Large exports (above `BACKGROUND_ABOVE` rows) are not built in the request: they become a
  report run (`export_run_request`), which a worker writes to storage, ending in a download.
"""

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Model, QuerySet
from django.utils import timezone
from import_export import resources
from import_export.formats import base_formats

from backoffice.actors import Actor
from reporting.reports.base import Column
from reporting.writers import DANGEROUS_STARTS, cell_text, cell_value, escape_text

BACKGROUND_ABOVE = 5000  # rows: more are prepared in the background
CHUNK = 2000  # sources read per query

SAFE_FORMATS = [
    fmt
    for fmt in (
        base_formats.CSV,
        base_formats.XLSX,
        base_formats.TSV,
        base_formats.ODS,
        base_formats.JSON,
        base_formats.YAML,
    )
    if fmt.is_available()
]
# The formats a background export (a report run) writes, by the run's format name.
BACKGROUND_FORMATS = {base_formats.CSV: "csv", base_formats.XLSX: "xlsx"}

__all__ = [
    "BACKGROUND_ABOVE",
    "BACKGROUND_FORMATS",
    "DANGEROUS_STARTS",
    "SAFE_FORMATS",
    "ExportResource",
    "escape_text",
    "export_cell",
    "export_run_request",
    "xlsx_export",
]


def export_cell(value, *, native: bool = False):
    """One exported cell: a typed value for a spreadsheet (`native`), text for a text file.
    Text is formula-escaped either way."""
    return cell_value(value) if native else cell_text(value)


class ExportResource(resources.ModelResource):
    """The export side of a resource. Subclasses set `Meta.model` (the row model) and
    `Meta.fields` (= `columns`, in order), the `source_model` and its `source_order`, and
    override `prepare` (select_related, prefetch_related) and, when one source gives several
    rows, `expand` and `count_rows`. Values come from `dehydrate_<column>` when there is one,
    else from the field's attribute; they are Python values (`row_values`) until a file
    format turns them into cells."""

    columns: tuple[str, ...] = ()
    kinds: dict[str, str] = {}  # column → writers' kind: money, int, decimal, datetime
    export_title = ""  # its name on the export page
    source_model: type[Model]
    source_order: tuple[str, ...] = ("pk",)
    background_kind = ""  # the report kind that writes this export in the background

    @classmethod
    def get_display_name(cls) -> str:
        return cls.export_title or cls.__name__

    # --- which rows ---------------------------------------------------------------------------

    def sources(self, queryset: QuerySet | None) -> QuerySet:
        """The sources of an admin's queryset (filtered, searched, selected), free of the list's
        annotations and ordering."""
        everything = self.source_model._default_manager.all()
        if queryset is None:
            return everything
        return everything.filter(pk__in=queryset.values("pk"))

    def prepare(self, sources: QuerySet) -> QuerySet:
        """The sources with everything their rows read, in export order."""
        return sources.order_by(*self.source_order)

    def expand(self, source) -> Iterable:
        """The rows of one source."""
        return (source,)

    def count_rows(self, sources: QuerySet) -> int:
        return sources.count()

    def row_count(self, queryset: QuerySet | None) -> int:
        return self.count_rows(self.sources(queryset))

    def ordered_ids(self, queryset: QuerySet | None) -> list[int]:
        return list(
            self.sources(queryset).order_by(*self.source_order).values_list("pk", flat=True)
        )

    # --- import-export's export ---------------------------------------------------------------

    def filter_export(self, queryset, **kwargs):
        return self.prepare(self.sources(queryset))

    def iter_queryset(self, queryset):
        # Chunks of sources with their prefetches (Django prefetches per chunk): the queries
        # stay constant per chunk, memory flat, and no OFFSET pagination.
        for source in queryset.iterator(chunk_size=CHUNK):
            yield from self.expand(source)

    def export_field(self, field, instance, **kwargs):
        native = bool(kwargs.get("force_native_type"))
        return export_cell(self.value(field, instance), native=native)

    def get_user_visible_fields(self):
        return self.get_export_fields()

    # --- plain values ---------------------------------------------------------------------------

    def value(self, field, instance):
        return self._getter(field)(instance)

    def _getter(self, field):
        """How a column's value is read: its `dehydrate_<name>`, else its attribute (looked up
        once per column, not once per cell)."""
        getters = self.__dict__.setdefault("_getters", {})
        if field not in getters:
            dehydrate = getattr(self, f"dehydrate_{self.get_field_name(field)}", None)
            getters[field] = dehydrate or field.get_value
        return getters[field]

    def row_values(self, queryset: QuerySet | None) -> Iterator[tuple]:
        """The rows as Python values, in column order: what a background run writes."""
        getters = [self._getter(field) for field in self.get_export_fields()]
        for row in self.iter_queryset(self.filter_export(queryset)):
            yield tuple(getter(row) for getter in getters)

    @classmethod
    def report_columns(cls) -> list[Column]:
        return [Column(name, cls.kinds.get(name, "text")) for name in cls.columns]


@dataclass(frozen=True)
class _ResourceTable:
    """A resource's export as the report writers take it: a plain table, no totals row."""

    title: str
    columns: list[Column]
    totals_row: bool = False


def xlsx_export(resource_class, queryset: QuerySet | None, actor: Actor) -> bytes:
    """An export built in the request as a workbook written like every report's (typed cells,
    columns fitted to their content, formula-like text as text cells with no apostrophe, a
    print that fits the page), rather than through tablib."""
    from reporting.writers import write_xlsx

    resource = resource_class()
    title = resource_class.get_display_name()
    table = _ResourceTable(title=title[:31] or "Export", columns=resource_class.report_columns())
    target = io.BytesIO()
    metadata = [("Export", title), ("Exported at", timezone.now()), ("Exported by", str(actor))]
    write_xlsx(table, None, resource.row_values(queryset), target, metadata)
    return target.getvalue()


def export_run_request(*, kind: str, ids: list[int] | None, format: str, actor: Actor):
    """Ask a worker for an export (a report run of an export kind): of the rows with these
    source ids, in this order, or of everything (`ids` None)."""
    from reporting.reports import Parameters
    from reporting.services import report_request

    today = timezone.localdate()
    parameters = Parameters(
        start=today,
        end=today,
        preset="selection" if ids is not None else "all",
        ids=tuple(ids) if ids is not None else None,
    )
    return report_request(kind=kind, parameters=parameters, format=format, actor=actor)


def resource_run_request(
    *, resource_class: type[ExportResource], queryset: QuerySet | None, format: str, actor
):
    """The background export of an admin's queryset: of everything when the list is neither
    filtered nor searched, else of its rows (their ids, in export order)."""
    resource = resource_class()
    filtered = queryset is not None and queryset.query.has_filters()
    ids = resource.ordered_ids(queryset) if filtered else None
    return export_run_request(
        kind=resource_class.background_kind, ids=ids, format=format, actor=actor
    )
