"""A chunk of product plans written: in bulk, each row with its history row (the batch's
reason and user) and an `ImportItem` keeping the values before and after for a revert. The
caller holds the transaction: a file is applied whole or not at all."""

from typing import Any, cast

from django.db.models import F, Field, Model
from django.utils import timezone

from backoffice.bulk import insert_plain, insert_with_history, update_with_history
from backoffice.exceptions import DomainError
from imports.catalog.plan import ProductPlan
from imports.images import image_copies_create
from imports.models import ImportBatch, ImportItem, ItemAction
from integrations.changes import catalog_changed
from inventory.models import (
    InventoryPolicy,
    MovementReason,
    Product,
    ProductImage,
    ProductVariant,
    StockLevel,
)
from inventory.services import category_save, stock_count


def item_row(batch, model: str, object_id: int, action: str, before=None, after=None) -> dict:
    """An `ImportItem` as the row `insert_plain` loads."""
    return {
        "batch_id": batch.pk,
        "model": model,
        "object_id": object_id,
        "action": action,
        "before": before or {},
        "after": after or {},
    }


def snapshot(instance: Model, changes: dict, side: int) -> dict:
    """The changed fields' values on one side (0 before, 1 after) as JSON: foreign keys by
    id, decimals as text, so a revert can put them back exactly."""
    values = {}
    for name, pair in changes.items():
        field = cast(Field, instance._meta.get_field(name))  # plans change the model's own fields
        value = pair[side]
        if field.is_relation:
            values[field.attname] = value.pk if value is not None else None
        else:
            values[field.attname] = field.get_prep_value(value) if value is not None else None
            if values[field.attname] is not None and not isinstance(
                values[field.attname], (bool, int, str)
            ):
                values[field.attname] = str(values[field.attname])
    return values


class CatalogWriter:
    def __init__(self, batch: ImportBatch, actor):
        self.batch, self.actor = batch, actor
        self.history: dict[str, Any] = {"user": batch.requested_by, "reason": batch.reason}
        self.written = {"created": 0, "updated": 0}

    def write(self, plans: list[ProductPlan], new_categories) -> None:
        self._categories(new_categories, plans)
        now = timezone.now()
        items: list[dict] = []
        self._save(
            [p for p in plans if p.is_new],
            [p for p in plans if p.changes and not p.is_new],
            Product,
            lambda p: p.product,
            now,
            items,
        )
        # New variants and images point at product objects that now have ids: bulk_create
        # reads them from there.
        variants = [v for p in plans for v in p.variants]
        self._save(
            [v for v in variants if v.is_new],
            [v for v in variants if v.changes and not v.is_new],
            ProductVariant,
            lambda v: v.variant,
            now,
            items,
        )
        self._images(plans, items)
        self._opening_stock(variants, items)
        stock_follows_policy(
            [v.variant for v in variants if not v.is_new and "inventory_policy" in v.changes]
        )
        insert_plain(ImportItem, items)
        catalog_changed(
            products=[p.product.pk for p in plans if p.is_new or p.changes or p.variants],
            variants=[
                (v.variant.pk, v.variant.product_id) for v in variants if v.is_new or v.changes
            ],
        )

    def _opening_stock(self, variants, items: list[dict]) -> None:
        """The file's quantities counted into the warehouse chosen at the apply, through the
        ledger; each count kept as an item the revert takes back."""
        warehouse = self.batch.opening_stock_warehouse
        if warehouse is None:
            return
        for vplan in variants:
            if vplan.quantity is None or (vplan.is_new and vplan.quantity == 0):
                continue  # a new variant has none on hand: no stock row to make
            movement = stock_count(
                variant=vplan.variant,
                warehouse=warehouse,
                quantity=vplan.quantity,
                actor=self.actor,
                reference=self.batch.reason[:200],
                note=f"Row {vplan.row}",
                reason=MovementReason.IMPORT,
            )
            if movement is None:
                continue  # already so many on hand
            before = movement.on_hand_after - movement.on_hand_delta
            items.append(
                item_row(
                    self.batch,
                    "inventory.stocklevel",
                    vplan.variant.pk,
                    ItemAction.STOCK,
                    before={"warehouse": warehouse.code, "on_hand": before},
                    after={"warehouse": warehouse.code, "on_hand": vplan.quantity},
                )
            )

    def _categories(self, new_categories, plans: list[ProductPlan]) -> None:
        """New categories from Shopify paths that these products are put in, parents first
        (a path's prefix comes first); a skipped product's new category is not made."""
        wanted = set()
        for plan in plans:
            node = plan.changes.get("category", (None, None))[1]
            while node is not None and node.pk is None:
                wanted.add(id(node))
                node = node.parent
        for path in sorted(new_categories, key=len):
            category = new_categories[path]
            if category.pk is None and id(category) in wanted:
                saved = category_save(category=category, actor=self.actor, reason=self.batch.reason)
                ImportItem.objects.create(
                    batch=self.batch,
                    model="inventory.category",
                    object_id=saved.pk,
                    action=ItemAction.CREATED,
                )

    def _save(self, new, changed, model, instance_of, now, items) -> None:
        label = model._meta.label_lower
        if new:
            created = [instance_of(p) for p in new]
            insert_with_history(created, model, **self.history)
            items += [item_row(self.batch, label, i.pk, ItemAction.CREATED) for i in created]
            self.written["created"] += len(created)
        if changed:
            fields = sorted({name for plan in changed for name in plan.changes} | {"updated_at"})
            objects = [instance_of(p) for p in changed]
            for instance in objects:
                instance.updated_at = now
            update_with_history(objects, model, fields, **self.history)
            for plan in changed:
                instance = instance_of(plan)
                items.append(
                    item_row(
                        self.batch,
                        label,
                        instance.pk,
                        ItemAction.CHANGED,
                        snapshot(instance, plan.changes, 0),
                        snapshot(instance, plan.changes, 1),
                    )
                )
            self.written["updated"] += len(changed)

    def _images(self, plans: list[ProductPlan], items: list[dict]) -> None:
        new = [image for plan in plans for image in plan.new_images]
        if new:
            insert_with_history(new, ProductImage, **self.history)
            image_copies_create(self.batch, new)
            items += [
                item_row(self.batch, "inventory.productimage", i.pk, ItemAction.CREATED)
                for i in new
            ]
        changed = [pair for plan in plans for pair in plan.changed_images]
        if changed:
            images = [image for image, _ in changed]
            update_with_history(images, ProductImage, ["alt_text", "position"], **self.history)
            items += [
                item_row(
                    self.batch,
                    "inventory.productimage",
                    image.pk,
                    ItemAction.CHANGED,
                    snapshot(image, changes, 0),
                    snapshot(image, changes, 1),
                )
                for image, changes in changed
            ]


def stock_follows_policy(variants: list[ProductVariant]) -> None:
    """The stock rows of variants whose inventory policy changed follow it (as `variant_save`
    keeps them): a row may hold more allocated than on hand only while backorders are allowed."""
    for allows in (True, False):
        policy = InventoryPolicy.CONTINUE if allows else InventoryPolicy.DENY
        ids = [v.pk for v in variants if v.inventory_policy == policy]
        if not ids:
            continue
        short = StockLevel.objects.filter(variant_id__in=ids, allocated__gt=F("on_hand"))
        level = None if allows else short.select_related("variant", "warehouse").first()
        if level is not None:
            raise DomainError(
                f"{level.variant.label} has {level.allocated} units allocated with "
                f"{level.on_hand} on hand in {level.warehouse.code}: it must keep allowing "
                "backorders until those orders ship."
            )
        StockLevel.objects.filter(variant_id__in=ids).update(allows_backorder=allows)
