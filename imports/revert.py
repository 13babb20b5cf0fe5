"""Taking an import back: changed rows get their previous values, created rows are removed
when nothing depends on them (what stays, and why, is said), stock counts are undone by
compensating movements in the ledger. The revert is a batch of its own, and every row it
writes carries it in its history."""

from typing import cast

from django.db import transaction
from django.db.models import Field, Model, ProtectedError, RestrictedError
from django.utils import timezone

from backoffice.actors import Actor
from backoffice.bulk import update_with_history
from backoffice.exceptions import DomainError
from imports.catalog.apply import stock_follows_policy
from imports.models import ImportBatch, ImportItem, ImportKind, ImportStatus, ItemAction
from imports.simple import stock_count_revert
from integrations.changes import catalog_changed
from inventory.models import Category, Product, ProductImage, ProductVariant
from sales.models import Customer

MODELS: dict[str, type[Model]] = {
    "inventory.category": Category,
    "inventory.product": Product,
    "inventory.productvariant": ProductVariant,
    "inventory.productimage": ProductImage,
    "sales.customer": Customer,
}
# Removal order: what points at a row goes before it.
REMOVAL_ORDER = [
    "inventory.productimage",
    "inventory.productvariant",
    "inventory.product",
    "inventory.category",
    "sales.customer",
]


@transaction.atomic
def import_revert(*, batch: ImportBatch, actor: Actor) -> ImportBatch:
    """Revert an applied import; the revert batch. All or nothing: a stock count that can
    no longer be taken back (its units since allocated) refuses the whole revert."""
    if actor.user is not None and not actor.user.has_perm("imports.apply_importbatch"):
        raise DomainError("Your role cannot revert imports.")
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.kind == ImportKind.REVERT:
        raise DomainError(f"{batch} is itself a revert: import the file again instead.")
    if batch.status != ImportStatus.APPLIED:
        raise DomainError(
            f"{batch} is {batch.get_status_display().lower()}: only an applied "
            "import can be reverted."
        )
    revert = ImportBatch.objects.create(
        kind=ImportKind.REVERT,
        status=ImportStatus.APPLYING,
        reverts=batch,
        file_name=f"revert of import #{batch.pk}",
        requested_by=actor.user,
        actor_name=str(actor),
        started_at=timezone.now(),
    )
    items = list(batch.items.order_by("pk"))
    counts = {"restored": 0, "removed": 0, "kept": 0, "stock": 0}
    notices: list[str] = []
    for item in (i for i in items if i.action == ItemAction.STOCK):
        stock_count_revert(item, actor, revert.reason)
        counts["stock"] += 1
    counts["restored"] = _restore([i for i in items if i.action == ItemAction.CHANGED], revert)
    _remove([i for i in items if i.action == ItemAction.CREATED], revert, counts, notices)
    _log_catalog(items)
    batch.status = ImportStatus.REVERTED
    batch.save(update_fields=["status"])
    revert.status, revert.finished_at, revert.counts = ImportStatus.APPLIED, timezone.now(), counts
    revert.preview = {"notices": notices}
    revert.save(update_fields=["status", "finished_at", "counts", "preview"])
    return revert


def _restore(items: list[ImportItem], revert: ImportBatch) -> int:
    """Changed rows back to their values before the import, with a history row each."""
    restored = 0
    for label in {i.model for i in items}:
        model = MODELS[label]
        mine = [i for i in items if i.model == label]
        objects = model._default_manager.in_bulk([i.object_id for i in mine])
        changed, fields, new_items = [], set(), []
        for item in mine:
            instance = objects.get(item.object_id)
            if instance is None:
                continue  # deleted since: nothing to restore
            current = {name: getattr(instance, name) for name in item.before}
            for name, value in item.before.items():
                field = cast(Field, model._meta.get_field(name))  # a column's own field
                setattr(instance, name, field.to_python(value) if value is not None else None)
                fields.add(name)
            changed.append(instance)
            new_items.append(
                ImportItem(
                    batch=revert,
                    model=label,
                    object_id=instance.pk,
                    action=ItemAction.CHANGED,
                    before={k: _json(v) for k, v in current.items()},
                    after=item.before,
                )
            )
        if changed:
            if hasattr(model, "updated_at"):
                now = timezone.now()
                for instance in changed:
                    setattr(instance, "updated_at", now)  # noqa: B010  # not every model has it
                fields.add("updated_at")
            update_with_history(
                changed, model, sorted(fields), user=revert.requested_by, reason=revert.reason
            )
            ImportItem.objects.bulk_create(new_items)
            if model is ProductVariant and "inventory_policy" in fields:
                stock_follows_policy(cast(list[ProductVariant], changed))
            restored += len(changed)
    return restored


def _json(value):
    return value if value is None or isinstance(value, (bool, int, str)) else str(value)


def _remove(items: list[ImportItem], revert, counts: dict, notices: list[str]) -> None:
    """Created rows deleted one by one (each with its history row), unless something made
    since depends on them: then they stay, and the notices say why."""
    ids = {label: {i.object_id for i in items if i.model == label} for label in REMOVAL_ORDER}
    for label in REMOVAL_ORDER:
        model = MODELS[label]
        for instance in model._default_manager.filter(pk__in=ids[label]).order_by("-pk"):
            reason = _kept_because(label, instance, ids)
            if reason is None:
                reason = _delete(instance, revert)
            if reason is None:
                counts["removed"] += 1
            else:
                counts["kept"] += 1
                notices.append(f"Kept {model._meta.verbose_name} “{instance}”: {reason}.")


def _kept_because(label: str, instance, ids) -> str | None:
    if label == "inventory.product":
        # Variants go first: those left are kept ones, or made since by someone else.
        left = instance.variants.count()
        if left:
            return f"it still has {left} variant(s)"
    if label == "inventory.category":
        if instance.products.exists():
            return "products are in it"
        if instance.children.exists():
            return "it has subcategories"
    return None


def _delete(instance, revert: ImportBatch) -> str | None:
    instance._history_user = revert.requested_by
    instance._change_reason = revert.reason
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError) as error:
        kinds = sorted({str(type(o)._meta.verbose_name_plural) for o in error.args[1]})
        return f"{', '.join(kinds)} refer to it"
    return None


def _log_catalog(items: list[ImportItem]) -> None:
    """The storefront feed hears of every product and variant the revert touched."""
    products = [i.object_id for i in items if i.model == "inventory.product"]
    variant_ids = [i.object_id for i in items if i.model == "inventory.productvariant"]
    variant_ids += [i.object_id for i in items if i.action == ItemAction.STOCK]
    pairs = list(ProductVariant.objects.filter(pk__in=variant_ids).values_list("pk", "product_id"))
    catalog_changed(products=products, variants=pairs)
