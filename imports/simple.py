"""The one-row-one-thing imports: prices (SKU → price, compare-at, cost) and stock counts
(SKU, warehouse, counted quantity → stocktake movements in the ledger). Each plans a chunk of
rows against the database (a few queries per chunk) and writes what it planned."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from backoffice.bulk import insert_plain, update_with_history
from backoffice.exceptions import DomainError
from imports import values
from imports.catalog.apply import item_row, snapshot
from imports.models import ImportBatch, ImportItem, ItemAction
from imports.outcome import Outcome, RowStatus
from imports.reading import ImportFileError, Table, column_key, require_columns
from integrations.changes import catalog_changed
from inventory.handles import normalise_handle
from inventory.models import MovementReason, ProductVariant, StockLevel, Warehouse
from inventory.services import stock_adjust, stock_count

CHUNK = 2000
PRICE_FIELDS = {"price": values.money, "compare_at_price": values.money, "cost": values.money}


@dataclass
class RowPlan:
    row: int
    target: Any  # a variant (prices), a (variant, warehouse) pair (stock counts)
    changes: dict = field(default_factory=dict)

    @property
    def rows(self) -> tuple[int]:
        return (self.row,)


class RowImport:
    """Rows read in chunks of `CHUNK`, after the required columns are checked."""

    required: list[str] = []
    columns: list[str] = []  # every column it reads
    kind = ""
    outcome: Outcome
    unit = "rows"  # what "apply the valid ones" counts
    skips_invalid = True  # rows stand alone: the valid ones may be applied without the rest

    def chunks(self, table: Table):
        require_columns(table, self.required, kind=self.kind, known=self.columns)
        ignored = [c for c in table.columns if c and c not in self.columns]
        if ignored:
            self.outcome.notice(f"Columns not imported: {', '.join(ignored)}.")
        chunk = []
        for row, raw in table.rows:
            self.outcome.rows_seen += 1
            chunk.append((row, raw))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _sku_of(row: int, raw: dict, outcome: Outcome) -> str | None:
    sku = (raw.get("sku") or "").strip()
    if not sku:
        outcome.problem(row, "sku", "", "is required on every row")
        return None
    return sku


def _variants(chunk, outcome) -> dict[str, ProductVariant]:
    skus = {(raw.get("sku") or "").strip() for _, raw in chunk}
    return ProductVariant.objects.select_related("product").in_bulk(
        [s for s in skus if s], field_name="sku"
    )


# --- prices ------------------------------------------------------------------------------------


class PricesImport(RowImport):
    required = ["sku"]
    columns = ["sku", *PRICE_FIELDS]
    kind = "prices"

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self.seen: dict[str, int] = {}  # SKU → the row it was first on

    def plan(self, chunk) -> list[RowPlan]:
        variants, plans = _variants(chunk, self.outcome), []
        for row, raw in chunk:
            sku = _sku_of(row, raw, self.outcome)
            if sku is None or not self._first(row, sku):
                continue
            variant = variants.get(sku)
            if variant is None:
                self.outcome.problem(row, "sku", sku, "is not the SKU of any variant")
                continue
            plan = RowPlan(row, variant)
            for name, parse in PRICE_FIELDS.items():
                text = (raw.get(name) or "").strip()
                if not text:
                    continue
                try:
                    value = parse(text)
                except values.BadValue as error:
                    self.outcome.problem(row, name, text, str(error))
                    continue
                if getattr(variant, name) != value:
                    plan.changes[name] = (getattr(variant, name), value)
                    setattr(variant, name, value)
            status = RowStatus.CHANGED if plan.changes else RowStatus.UNCHANGED
            self.outcome.mark(row, status, f"variant {sku}", plan.changes)
            if plan.changes:
                plans.append(plan)
        return plans

    def _first(self, row: int, sku: str) -> bool:
        if sku in self.seen:
            self.outcome.problem(row, "sku", sku, f"is also on row {self.seen[sku]}")
            return False
        self.seen[sku] = row
        return True

    @staticmethod
    def write(plans: list[RowPlan], batch: ImportBatch, actor) -> None:
        if not plans:
            return
        variants = [p.target for p in plans]
        fields = sorted({name for p in plans for name in p.changes})
        update_with_history(
            variants, ProductVariant, fields, user=batch.requested_by, reason=batch.reason
        )
        insert_plain(
            ImportItem,
            [
                item_row(
                    batch,
                    "inventory.productvariant",
                    p.target.pk,
                    ItemAction.CHANGED,
                    snapshot(p.target, p.changes, 0),
                    snapshot(p.target, p.changes, 1),
                )
                for p in plans
            ],
        )
        catalog_changed(products=[], variants=[(v.pk, v.product_id) for v in variants])


# --- stock counts ------------------------------------------------------------------------------


class VariantsOfRows:
    """The variants a chunk of rows names: by SKU, else by barcode, else by product handle and
    option values — so a variant without a SKU can be counted too."""

    def __init__(self, chunk):
        def cells(column):
            return {text for _, raw in chunk if (text := (raw.get(column) or "").strip())}

        handles = {normalise_handle(h) for h in cells("handle")}
        found = ProductVariant.objects.select_related("product").filter(
            Q(sku__in=cells("sku"))
            | Q(barcode__in={b.lstrip("'") for b in cells("barcode")})
            | Q(product__handle__in=handles)
        )
        self.by_sku: dict[str, ProductVariant] = {}
        self.by_barcode: dict[str, list[ProductVariant]] = {}
        self.by_options: dict[tuple[str, str, str, str], ProductVariant] = {}
        for variant in found:
            if variant.sku:
                self.by_sku[variant.sku] = variant
            if variant.barcode:
                self.by_barcode.setdefault(variant.barcode, []).append(variant)
            options = (variant.option1, variant.option2, variant.option3)
            self.by_options[(variant.product.handle, *options)] = variant

    @property
    def all(self) -> list[ProductVariant]:
        return list({v.pk: v for v in self.by_options.values()}.values())

    def of(self, row: int, raw: dict, outcome: Outcome) -> ProductVariant | None:
        sku, barcode = (raw.get("sku") or "").strip(), (raw.get("barcode") or "").strip()
        handle = normalise_handle(raw.get("handle") or "")
        if sku:
            variant = self.by_sku.get(sku)
            if variant is None:
                outcome.problem(row, "sku", sku, "is not the SKU of any variant")
            return variant
        if barcode:
            matches = self.by_barcode.get(barcode.lstrip("'"), [])
            if len(matches) == 1:
                return matches[0]
            message = (
                "is not the barcode of any variant"
                if not matches
                else f"is the barcode of {len(matches)} variants: give the SKU, or the handle "
                "and options"
            )
            outcome.problem(row, "barcode", barcode, message)
            return None
        if handle:
            first, second, third = (
                (raw.get(column) or "").strip() for column in ("option1", "option2", "option3")
            )
            options = (first, second, third)
            variant = self.by_options.get((handle, first, second, third))
            if variant is None:
                shown = " / ".join(o for o in options if o) or "no options"
                outcome.problem(row, "handle", handle, f"has no variant with the options {shown}")
            return variant
        outcome.problem(row, "sku", "", "name the variant: its sku, its barcode, or its handle")
        return None


class StockCountImport(RowImport):
    required = ["warehouse", "counted"]
    columns = ["sku", "barcode", "handle", "option1", "option2", "option3", *required]
    kind = "stock count"

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self.seen: dict[tuple[int, int], int] = {}  # (variant, warehouse) → its first row
        self.warehouses = {w.code.lower(): w for w in Warehouse.objects.filter(active=True)}

    def chunks(self, table):
        names = {column_key(c) for c in table.columns}
        if not names & {"sku", "barcode", "handle"}:
            raise ImportFileError(
                "A stock count file names each variant by a sku, barcode or handle column "
                f"(with option1…option3); the file has {', '.join(table.columns)}."
            )
        return super().chunks(table)

    def plan(self, chunk) -> list[RowPlan]:
        variants = VariantsOfRows(chunk)
        levels = {
            (level.variant_id, level.warehouse_id): level
            for level in StockLevel.objects.filter(variant__in=variants.all)
        }
        plans = []
        for row, raw in chunk:
            plan = self._row(row, raw, variants, levels)
            if plan is not None:
                plans.append(plan)
        return plans

    def _row(self, row, raw, variants, levels) -> RowPlan | None:
        code = (raw.get("warehouse") or "").strip()
        counted_text = (raw.get("counted") or "").strip()
        variant = variants.of(row, raw, self.outcome)
        sku = variant.label if variant is not None else ""
        warehouse = self.warehouses.get(code.lower())
        if warehouse is None:
            self.outcome.problem(row, "warehouse", code, "is not the code of an active warehouse")
        try:
            counted = values.quantity(counted_text) if counted_text else None
            if counted is None:
                self.outcome.problem(row, "counted", "", "is required on every row")
        except values.BadValue as error:
            self.outcome.problem(row, "counted", counted_text, str(error))
            counted = None
        if variant is None or warehouse is None or counted is None:
            return None
        key = (variant.pk, warehouse.pk)
        if key in self.seen:
            self.outcome.problem(
                row, "sku", sku, f"is counted in {code} on row {self.seen[key]} too"
            )
            return None
        self.seen[key] = row
        level = levels.get(key)
        on_hand, allocated = (level.on_hand, level.allocated) if level else (0, 0)
        what = f"stock {sku} in {warehouse.code}"
        if counted < allocated and not variant.allows_backorder:
            self.outcome.problem(
                row,
                "counted",
                counted_text,
                f"is below the {allocated} units of {sku} allocated to orders in {warehouse.code}",
            )
            return None
        if counted == on_hand:
            self.outcome.mark(row, RowStatus.UNCHANGED, what)
            return None
        changes = {"on_hand": (on_hand, counted)}
        self.outcome.mark(row, RowStatus.CHANGED, what, changes)
        return RowPlan(row, (variant, warehouse), changes)

    @staticmethod
    def write(plans: list[RowPlan], batch: ImportBatch, actor) -> None:
        """Each count through the stock service: a stocktake movement in the ledger."""
        items = []
        for plan in plans:
            variant, warehouse = plan.target
            after = plan.changes["on_hand"][1]
            movement = stock_count(
                variant=variant,
                warehouse=warehouse,
                quantity=after,
                actor=actor,
                reference=batch.reason[:100],
                note=f"Row {plan.row}",
            )
            if movement is None:
                continue  # the count already stood when the row was locked
            # What the locked row held, not what the plan read: the revert undoes this move.
            before = movement.on_hand_after - movement.on_hand_delta
            items.append(
                ImportItem(
                    batch=batch,
                    model="inventory.stocklevel",
                    object_id=variant.pk,
                    action=ItemAction.STOCK,
                    before={"warehouse": warehouse.code, "on_hand": before},
                    after={"warehouse": warehouse.code, "on_hand": after},
                )
            )
        ImportItem.objects.bulk_create(items)


def stock_count_revert(item: ImportItem, actor, reason: str) -> None:
    """A counted quantity taken back by a compensating movement, never by editing the ledger."""
    delta = item.before["on_hand"] - item.after["on_hand"]
    variant = ProductVariant.objects.get(pk=item.object_id)
    try:
        stock_adjust(
            variant=variant,
            warehouse=item.before["warehouse"],
            delta=delta,
            reason=MovementReason.CORRECTION,
            actor=actor,
            reference=reason[:100],
            note="Revert of a stock count import",
        )
    except DomainError as error:
        raise DomainError(f"{variant.label} in {item.before['warehouse']}: {error}") from error
