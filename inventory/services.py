"""Every change of stock, and of the catalog rows stock depends on.

Each stock service runs in one transaction, locks the stock rows it touches in primary-key
order (so two services touching the same rows can never deadlock), checks the new balances,
and writes one `StockMovement` per row changed. The database constraints on `StockLevel`
hold the same rules a second time.
"""

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from backoffice.history import save_with_reason
from integrations.changes import catalog_changed
from inventory.models import (
    ADJUSTMENT_REASONS,
    Category,
    MovementReason,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    StockLevel,
    StockMovement,
    Warehouse,
    current_renditions,
)
from inventory.renditions import RenditionFailed, content_name, renditions_make


class InsufficientStock(DomainError):
    def __init__(self, *, variant, warehouse, requested: int, available: int):
        super().__init__(
            f"Not enough stock of {variant.label} in {warehouse.code}: "
            f"{requested} requested, {available} available.",
            sku=variant.sku,
            warehouse=warehouse.code,
            requested=requested,
            available=available,
        )
        self.sku, self.warehouse = variant.sku, warehouse.code
        self.requested, self.available = requested, available


class UnknownWarehouse(DomainError):
    pass


class InvalidQuantity(DomainError):
    pass


@dataclass(frozen=True)
class Change:
    """One change to apply to one stock row."""

    variant: ProductVariant
    warehouse: Warehouse
    on_hand: int = 0
    allocated: int = 0


# --- validation -------------------------------------------------------------------------------


def _positive(quantity, what: str = "Quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidQuantity(f"{what} must be a positive whole number, not {quantity!r}.")
    return quantity


def _warehouse(warehouse: Warehouse | str, *, inactive_ok: bool = False) -> Warehouse:
    """The warehouse given, or by code; refuses unknown ones, and inactive ones unless the
    operation only empties what it already holds (releasing or shipping reservations)."""
    if isinstance(warehouse, str):
        found = Warehouse.objects.filter(code=warehouse).first()
        if found is None:
            raise UnknownWarehouse(f"There is no warehouse with the code {warehouse!r}.")
        warehouse = found
    elif warehouse is None or warehouse.pk is None:
        raise UnknownWarehouse("Choose a warehouse.")
    else:
        warehouse = Warehouse.objects.filter(pk=warehouse.pk).first() or warehouse
    if not warehouse.active and not inactive_ok:
        raise UnknownWarehouse(f"Warehouse {warehouse.code} is inactive.")
    return warehouse


# --- the ledger core --------------------------------------------------------------------------


def _lock_levels(changes: list[Change]) -> dict[tuple[int, int], StockLevel]:
    """Create the missing stock rows, then lock every row concerned, in primary-key order."""
    wanted = Q()
    for change in changes:
        StockLevel.objects.get_or_create(
            variant_id=change.variant.pk,
            warehouse_id=change.warehouse.pk,
            defaults={"allows_backorder": change.variant.allows_backorder},
        )
        wanted |= Q(variant_id=change.variant.pk, warehouse_id=change.warehouse.pk)
    rows = StockLevel.objects.select_for_update().filter(wanted).order_by("pk")
    return {(level.variant_id, level.warehouse_id): level for level in rows}


def _check(level: StockLevel, change: Change, requested: int) -> None:
    on_hand = level.on_hand + change.on_hand
    allocated = level.allocated + change.allocated
    backorder = change.variant.allows_backorder
    if on_hand >= 0 and (backorder or allocated <= on_hand):
        return
    available = level.on_hand if backorder else level.on_hand - level.allocated
    raise InsufficientStock(
        variant=change.variant,
        warehouse=change.warehouse,
        requested=requested,
        available=max(available, 0),
    )


def _apply(
    changes: list[Change],
    *,
    reason: str,
    actor: Actor,
    reference: str = "",
    note: str = "",
    requested: int,
    reasons: list[str] | None = None,
) -> list[StockMovement]:
    levels = _lock_levels(changes)
    movements = []
    for index, change in enumerate(changes):
        level = levels[(change.variant.pk, change.warehouse.pk)]
        _check(level, change, requested)
        level.on_hand += change.on_hand
        level.allocated += change.allocated
        level.allows_backorder = change.variant.allows_backorder
        level.save(update_fields=["on_hand", "allocated", "allows_backorder", "updated_at"])
        movements.append(
            StockMovement(
                variant=change.variant,
                warehouse=change.warehouse,
                on_hand_delta=change.on_hand,
                allocated_delta=change.allocated,
                on_hand_after=level.on_hand,
                allocated_after=level.allocated,
                reason=reasons[index] if reasons else reason,
                reference=reference,
                note=note,
                actor_kind=actor.kind,
                actor_name=actor.name,
                actor_user=actor.user,
            )
        )
    return StockMovement.objects.bulk_create(movements)


# --- stock services ---------------------------------------------------------------------------


def stock_levels_lock(*, variant_ids) -> None:
    """Lock every stock row of these variants, in primary-key order. A service that moves the
    stock of several variants calls it first, so all of them take the locks in one order and
    two such services can never deadlock."""
    list(
        StockLevel.objects.select_for_update()
        .filter(variant_id__in=set(variant_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def stock_receive(
    *,
    variant: ProductVariant,
    warehouse: Warehouse | str,
    quantity: int,
    actor: Actor,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Goods arrived: on hand goes up."""
    quantity = _positive(quantity)
    change = Change(variant, _warehouse(warehouse), on_hand=quantity)
    return _apply(
        [change],
        reason=MovementReason.RECEIPT,
        actor=actor,
        reference=reference,
        note=note,
        requested=quantity,
    )[0]


@transaction.atomic
def stock_adjust(
    *,
    variant: ProductVariant,
    warehouse: Warehouse | str,
    delta: int,
    reason: str,
    actor: Actor,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """A correction of on hand by a signed amount, for a reason a person gives."""
    if reason not in ADJUSTMENT_REASONS:
        allowed = ", ".join(ADJUSTMENT_REASONS)
        raise DomainError(f"{reason!r} is not an adjustment reason; use one of: {allowed}.")
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise InvalidQuantity(f"An adjustment must change the quantity, not {delta!r}.")
    change = Change(variant, _warehouse(warehouse), on_hand=delta)
    return _apply(
        [change], reason=reason, actor=actor, reference=reference, note=note, requested=-delta
    )[0]


@transaction.atomic
def stock_count(
    *,
    variant: ProductVariant,
    warehouse: Warehouse | str,
    quantity: int,
    actor: Actor,
    reference: str = "",
    note: str = "",
    reason: str = MovementReason.COUNT,
) -> StockMovement | None:
    """A stocktake (or an import's opening stock): on hand becomes the counted quantity.
    Returns None when nothing differs."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise InvalidQuantity(f"A counted quantity must be zero or more, not {quantity!r}.")
    warehouse = _warehouse(warehouse)
    probe = Change(variant, warehouse)
    level = _lock_levels([probe])[(variant.pk, warehouse.pk)]
    if quantity == level.on_hand:
        return None
    if quantity < level.allocated and not variant.allows_backorder:
        raise DomainError(
            f"{variant.label} in {warehouse.code}: the count of {quantity} is below the "
            f"{level.allocated} units allocated to orders. Release or reallocate them first.",
            sku=variant.sku,
            warehouse=warehouse.code,
        )
    change = Change(variant, warehouse, on_hand=quantity - level.on_hand)
    return _apply(
        [change],
        reason=reason,
        actor=actor,
        reference=reference,
        note=note,
        requested=quantity,
    )[0]


@transaction.atomic
def stock_transfer(
    *,
    variant: ProductVariant,
    from_warehouse: Warehouse | str,
    to_warehouse: Warehouse | str,
    quantity: int,
    actor: Actor,
    reference: str = "",
    note: str = "",
) -> tuple[StockMovement, StockMovement]:
    """Move available units between warehouses; both sides in one transaction."""
    quantity = _positive(quantity)
    source, target = _warehouse(from_warehouse), _warehouse(to_warehouse)
    if source.pk == target.pk:
        raise DomainError("A transfer needs two different warehouses.")
    out = Change(variant, source, on_hand=-quantity)
    into = Change(variant, target, on_hand=quantity)
    # Unsold units only: what is allocated to orders stays where it is.
    levels = _lock_levels([out, into])
    available = levels[(variant.pk, source.pk)].available
    if quantity > available:
        raise InsufficientStock(
            variant=variant, warehouse=source, requested=quantity, available=max(available, 0)
        )
    movements = _apply(
        [out, into],
        reason=MovementReason.TRANSFER_OUT,
        reasons=[MovementReason.TRANSFER_OUT, MovementReason.TRANSFER_IN],
        actor=actor,
        reference=reference or f"transfer {source.code}→{target.code}",
        note=note,
        requested=quantity,
    )
    return movements[0], movements[1]


@transaction.atomic
def stock_allocate(
    *,
    variant: ProductVariant,
    warehouse: Warehouse | str,
    quantity: int,
    actor: Actor,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Reserve units for an order. Under the deny policy only available units can be reserved."""
    quantity = _positive(quantity)
    return _apply(
        [Change(variant, _warehouse(warehouse), allocated=quantity)],
        reason=MovementReason.ALLOCATION,
        actor=actor,
        reference=reference,
        note=note,
        requested=quantity,
    )[0]


def _allocated_or_refuse(variant, warehouse, quantity: int, verb: str) -> None:
    level = _lock_levels([Change(variant, warehouse)])[(variant.pk, warehouse.pk)]
    if quantity > level.allocated:
        raise DomainError(
            f"Cannot {verb} {quantity} of {variant.label} in {warehouse.code}: "
            f"only {level.allocated} allocated.",
            sku=variant.sku,
            warehouse=warehouse.code,
            requested=quantity,
            allocated=level.allocated,
        )


@transaction.atomic
def stock_release(
    *,
    variant: ProductVariant,
    warehouse: Warehouse | str,
    quantity: int,
    actor: Actor,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Give back a reservation (an order cancelled or changed)."""
    quantity = _positive(quantity)
    warehouse = _warehouse(warehouse, inactive_ok=True)
    _allocated_or_refuse(variant, warehouse, quantity, "release")
    return _apply(
        [Change(variant, warehouse, allocated=-quantity)],
        reason=MovementReason.RELEASE,
        actor=actor,
        reference=reference,
        note=note,
        requested=quantity,
    )[0]


@transaction.atomic
def stock_ship(
    *,
    variant: ProductVariant,
    warehouse: Warehouse | str,
    quantity: int,
    actor: Actor,
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Allocated units leave the warehouse: on hand and allocated both go down."""
    quantity = _positive(quantity)
    warehouse = _warehouse(warehouse, inactive_ok=True)
    _allocated_or_refuse(variant, warehouse, quantity, "ship")
    return _apply(
        [Change(variant, warehouse, on_hand=-quantity, allocated=-quantity)],
        reason=MovementReason.SHIPMENT,
        actor=actor,
        reference=reference,
        note=note,
        requested=quantity,
    )[0]


# --- catalog services -------------------------------------------------------------------------


def _refresh_paths(category: Category) -> None:
    names = [a.name for a in reversed(category.ancestors())] + [category.name]
    path = " › ".join(names)
    if category.full_path != path:
        Category.objects.filter(pk=category.pk).update(full_path=path)
        category.full_path = path
        catalog_changed(products=[], variants=[], categories=[category.pk])  # the API shows it
    for child in category.children.all():
        _refresh_paths(child)


@transaction.atomic
def category_save(*, category: Category, actor: Actor, reason: str = "Edited") -> Category:
    """Save a category and keep its full path, and its subcategories' paths, current."""
    category.full_clean()
    save_with_reason(category, actor, reason)
    _refresh_paths(category)
    return category


@transaction.atomic
def catalog_object_save(*, instance, actor: Actor, reason: str = "Edited"):
    """Save a catalog row with no rules beyond its own fields (tax class, image)."""
    instance.full_clean()
    save_with_reason(instance, actor, reason)
    return instance


@transaction.atomic
def product_image_store(
    *, image: ProductImage, content: bytes, extension: str, actor: Actor, reason: str
) -> ProductImage:
    """Keep an image's file in the storage, named by its content (a new picture gets a new
    name, so no cache ever serves a stale one). The source URL stays: it is how a later
    import of the same file finds the image."""
    image.image.save(content_name(content, extension), ContentFile(content), save=False)
    save_with_reason(image, actor, reason, update_fields=["image"])
    _queue_renditions(image)
    return image


@transaction.atomic
def product_image_save(*, image: ProductImage, actor: Actor, reason: str = "Edited"):
    """Save an image row; a new file gets its renditions made after the commit."""
    image.full_clean()
    save_with_reason(image, actor, reason)
    _queue_renditions(image)
    return image


def _queue_renditions(image: ProductImage) -> None:
    if image.image and not current_renditions(image.image.name, image.renditions):
        from inventory.tasks import product_image_renditions_task

        pk = image.pk
        transaction.on_commit(lambda: product_image_renditions_task.delay(pk))


def product_image_renditions_make(*, image_id: int) -> str:
    """Make the image's renditions from its current file and record them: "done",
    "failed" (recorded too, so lists show the file itself and nobody retries forever) or
    "skipped" (no file, already made, or the file changed meanwhile). Runs outside a
    transaction: reading and encoding pictures must hold no row locks."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or not image.image:
        return "skipped"
    name = image.image.name
    if image.renditions.get("source") == name:  # made (or failed) from this very file
        return "skipped"
    try:
        renditions, outcome = renditions_make(image.image), "done"
    except RenditionFailed as error:
        renditions, outcome = {"source": name, "error": str(error)[:500]}, "failed"
    # Recorded only if the file is still the one they were made from; storefronts are told,
    # as the API shows a picture's size and renditions.
    with transaction.atomic():
        updated = ProductImage.objects.filter(pk=image_id, image=name).update(renditions=renditions)
        if updated:
            catalog_changed(products=[image.product_id], variants=[])
    return outcome if updated else "skipped"


@transaction.atomic
def product_save(*, product: Product, actor: Actor, reason: str = "Edited") -> Product:
    save_with_reason(product, actor, reason)
    return product


@transaction.atomic
def variant_save(
    *, variant: ProductVariant, actor: Actor, reason: str = "Edited"
) -> ProductVariant:
    """Save a variant; its stock rows follow a change of inventory policy."""
    variant.sku = (variant.sku or "").strip() or None
    save_with_reason(variant, actor, reason)
    levels = StockLevel.objects.select_for_update().filter(variant=variant).order_by("pk")
    stale = [lvl.pk for lvl in levels if lvl.allows_backorder != variant.allows_backorder]
    if stale:
        if not variant.allows_backorder and any(
            lvl.allocated > lvl.on_hand for lvl in levels if lvl.pk in stale
        ):
            raise DomainError(
                f"{variant.label} has more units allocated than on hand; it must keep allowing "
                "backorders until those orders are shipped or released."
            )
        StockLevel.objects.filter(pk__in=stale).update(allows_backorder=variant.allows_backorder)
    return variant


@transaction.atomic
def product_set_status(*, products, status: str, actor: Actor) -> int:
    """Publish or archive products one by one, so each change has its history row."""
    if status not in ProductStatus.values:
        raise DomainError(f"{status!r} is not a product status.")
    # Lock plain product rows: the caller's queryset may carry joins and annotations (the
    # admin's changelist does) that FOR UPDATE cannot apply to.
    ids = list(products.values_list("pk", flat=True))
    changed = 0
    for product in Product.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        if product.status != status:
            product.status = status
            label = ProductStatus(status).label
            save_with_reason(product, actor, f"Status set to {label}")
            changed += 1
    return changed


@transaction.atomic
def warehouse_save(*, warehouse: Warehouse, actor: Actor, reason: str = "Edited") -> Warehouse:
    """Save a warehouse; making it the default takes the flag from the previous one. A
    warehouse holding units reserved for orders stays active until they ship or are released."""
    if not warehouse.active and warehouse.pk:
        reserved = StockLevel.objects.filter(warehouse=warehouse, allocated__gt=0).count()
        if reserved:
            raise DomainError(
                f"Warehouse {warehouse.code} holds stock allocated to orders on {reserved} "
                "row(s): ship or release it before deactivating the warehouse."
            )
    if warehouse.is_default and not warehouse.active:
        raise DomainError("The default warehouse must stay active: make another one the default.")
    if warehouse.is_default:
        for previous in (
            Warehouse.objects.select_for_update().filter(is_default=True).exclude(pk=warehouse.pk)
        ):
            previous.is_default = False
            save_with_reason(previous, actor, f"Default moved to {warehouse.code}")
    save_with_reason(warehouse, actor, reason)
    return warehouse
