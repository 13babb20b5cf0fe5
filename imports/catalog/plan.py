"""Product records matched against the catalog: what each would create or change, field by
field. Planning reads and never writes; the preview is a plan, and the apply is the same plan
written (see `apply.py`). Records come in chunks, so the catalog is read a chunk at a time
with a few queries each, whatever the file's size.

Matching: a product by its handle; a variant by its SKU in the native format (a SKU names one
variant, of one product), else — and always for Shopify files, whose SKUs are optional and not
unique — by its product and option values."""

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.text import slugify

from imports.catalog.records import Cell, ProductRecord, VariantRecord
from imports.outcome import Outcome, RowStatus
from inventory.models import (
    Category,
    InventoryPolicy,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    StockLevel,
    TaxClass,
)


@dataclass
class VariantPlan:
    row: int
    variant: ProductVariant
    is_new: bool
    changes: dict = field(default_factory=dict)
    quantity: int | None = None  # opening stock offered by the file


@dataclass
class ProductPlan:
    record: ProductRecord
    product: Product
    is_new: bool
    changes: dict = field(default_factory=dict)
    variants: list[VariantPlan] = field(default_factory=list)
    new_images: list[ProductImage] = field(default_factory=list)
    changed_images: list[tuple[ProductImage, dict]] = field(default_factory=list)

    @property
    def rows(self) -> list[int]:
        return self.record.rows


class CatalogPlanner:
    def __init__(self, outcome: Outcome, *, shopify: bool):
        self.outcome, self.shopify = outcome, shopify
        categories = list(Category.objects.all())
        self.category_by_slug = {c.slug: c for c in categories}
        self.category_by_name = {(c.parent_id, c.name.lower()): c for c in categories}
        self.new_categories: dict[tuple, Category] = {}
        self.tax_classes = {t.name.lower(): t for t in TaxClass.objects.all()}
        self.skus_in_file: dict[str, int] = {}  # SKU → the row that has it first

    # --- a chunk ---------------------------------------------------------------------------

    def plan(self, records: list[ProductRecord]) -> list[ProductPlan]:
        self.outcome.units["skipped"] += sum(r.invalid for r in records)
        records = [r for r in records if not r.invalid]
        products = Product.objects.in_bulk([r.handle for r in records], field_name="handle")
        variants = self._variants_of(products.values())
        images = self._images_of(products.values())
        skus = [v.sku.value for r in records for v in r.variants if v.sku]
        owners = {
            sku: (pk, product_id, handle)
            for sku, pk, product_id, handle in ProductVariant.objects.filter(
                sku__in=skus
            ).values_list("sku", "pk", "product_id", "product__handle")
        }
        plans = []
        for record in records:
            product = products.get(record.handle)
            plan = self._product(record, product)
            existing = variants.get(product.pk, []) if product else []
            self._variants(plan, existing, owners)
            self._unpriced(plan)
            self._images(plan, images.get(product.pk, []) if product else [])
            plans.append(plan)
        self._check_policies(plans)
        return plans

    @staticmethod
    def _variants_of(products) -> dict[int, list[ProductVariant]]:
        grouped: dict[int, list[ProductVariant]] = {}
        for variant in ProductVariant.objects.filter(product__in=list(products)).order_by("pk"):
            grouped.setdefault(variant.product_id, []).append(variant)
        return grouped

    @staticmethod
    def _images_of(products) -> dict[int, list[ProductImage]]:
        grouped: dict[int, list[ProductImage]] = {}
        for image in ProductImage.objects.filter(product__in=list(products)).order_by("pk"):
            grouped.setdefault(image.product_id, []).append(image)
        return grouped

    # --- products ----------------------------------------------------------------------------

    def _product(self, record: ProductRecord, product: Product | None) -> ProductPlan:
        is_new = product is None
        if product is None:
            product = Product(handle=record.handle)
            if "title" not in record.fields:
                column = "Title" if self.shopify else "title"
                self.outcome.problem(record.row, column, "", "a new product needs a title")
        plan = ProductPlan(record=record, product=product, is_new=is_new)
        for attname, cell in record.fields.items():
            self._set(plan, product, attname, cell.value)
        self._category(plan)
        self._tax_class(plan)
        status = RowStatus.NEW if is_new else RowStatus.CHANGED
        if is_new or plan.changes:
            self.outcome.mark(record.row, status, f"product {record.handle}", plan.changes)
        else:
            self.outcome.mark(record.row, RowStatus.UNCHANGED, f"product {record.handle}")
        return plan

    @staticmethod
    def _set(plan, instance, attname: str, value) -> None:
        old = getattr(instance, attname)
        if plan.is_new or old != value:
            plan.changes[attname] = (None if plan.is_new else old, value)
            setattr(instance, attname, value)

    def _category(self, plan: ProductPlan) -> None:
        record = plan.record
        if record.category is None:
            return
        kind, value = record.category
        if kind == "slug":
            category = self.category_by_slug.get(value)
            if category is None:
                cell = record.category_cell or Cell(value, record.row, "category", value)
                self.outcome.problem(cell.row, cell.column, cell.raw, "is not a category's slug")
                return
        else:
            category = self._category_at(value, record.row)
        if plan.is_new or plan.product.category_id != category.pk or category.pk is None:
            old = plan.product.category if plan.product.category_id else None
            plan.changes["category"] = (None if plan.is_new else old, category)
            plan.product.category = category

    def _category_at(self, names: list[str], row: int) -> Category:
        """The category at a path of names, made (in the plan) where it does not exist."""
        parent: Category | None = None
        for depth, name in enumerate(names, start=1):
            key = (parent.pk if parent is not None and parent.pk else None, name.lower())
            path = tuple(n.lower() for n in names[:depth])
            found = (
                None if parent is not None and parent.pk is None else self.category_by_name.get(key)
            )
            found = found or self.new_categories.get(path)
            if found is None:
                found = Category(
                    name=name[:200], parent=parent, slug=self._free_slug(names[:depth])
                )
                self.new_categories[path] = found
                self.outcome.mark(row, RowStatus.NEW, f"category {' > '.join(names[:depth])}")
            parent = found
        if parent is None:
            raise ValueError("a category path names at least one category")
        return parent

    def _free_slug(self, names: list[str]) -> str:
        base = slugify("-".join(names))[:190] or "category"
        slug, n = base, 2
        taken = {c.slug for c in self.new_categories.values()}
        while slug in self.category_by_slug or slug in taken:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def _tax_class(self, plan: ProductPlan) -> None:
        cell = plan.record.tax_class
        if cell is None:
            if plan.record.taxable:
                self._taxable(plan)
            return
        tax_class = self.tax_classes.get(cell.value.lower())
        if tax_class is None:
            self.outcome.problem(cell.row, cell.column, cell.raw, "is not a tax class's name")
        elif plan.is_new or plan.product.tax_class_id != tax_class.pk:
            old = plan.product.tax_class if plan.product.tax_class_id else None
            plan.changes["tax_class"] = (None if plan.is_new else old, tax_class)
            plan.product.tax_class = tax_class

    def _taxable(self, plan: ProductPlan) -> None:
        """Shopify's Variant Taxable: untaxed goods take the exempt class; taxed goods keep a
        taxed class of their own, or else have none and so take the store's default class.
        Backoffice taxes a product as a whole: it is untaxed only when every variant is."""
        cells = plan.record.taxable
        taxable = any(cell.value for cell in cells)
        if taxable and not all(cell.value for cell in cells):
            self.outcome.notice(
                f"{plan.record.handle}: some variants are taxable and others not; Backoffice "
                "taxes a product as a whole, so all of them are taxed."
            )
        current = plan.product.tax_class if plan.product.tax_class_id else None
        if taxable:
            target = current if current is not None and not current.exempt else None
        else:
            target = self.exempt_class
            if target is None:
                cell = cells[0]
                message = "is false, and no exempt tax class exists: create one first"
                self.outcome.problem(cell.row, cell.column, cell.raw, message)
                return
        if target != current:
            plan.changes["tax_class"] = (None if plan.is_new else current, target)
            plan.product.tax_class = target

    @cached_property
    def exempt_class(self) -> TaxClass | None:
        exempt = [t for t in self.tax_classes.values() if t.exempt]
        return min(exempt, key=lambda t: t.pk) if exempt else None

    # --- variants ----------------------------------------------------------------------------

    def _variants(self, plan: ProductPlan, existing: list[ProductVariant], owners) -> None:
        by_options = {(v.option1, v.option2, v.option3): v for v in existing}
        by_pk = {v.pk: v for v in existing}
        seen: dict[tuple, int] = {}
        for position, record in enumerate(plan.record.variants, start=len(existing)):
            variant = self._match(plan, record, by_options, by_pk, owners)
            # A row without options that found its variant by SKU (a file without option
            # columns) is that variant; other rows are told apart by their options.
            blank = not any(record.options)
            key = ("variant", variant.pk) if variant is not None and blank else record.options
            if key in seen:
                label = " / ".join(o for o in record.options if o) or "no options"
                self.outcome.problem(record.row, "", label, f"same options as row {seen[key]}")
                continue
            seen[key] = record.row
            is_new = variant is None
            if is_new:
                variant = ProductVariant(product=plan.product, position=position)
            vplan = VariantPlan(row=record.row, variant=variant, is_new=is_new)
            vplan.quantity = record.quantity.value if record.quantity else None
            self._variant_fields(vplan, record, owners)
            plan.variants.append(vplan)
            what = f"variant {plan.record.handle} {variant.label}"
            if is_new or vplan.changes:
                status = RowStatus.NEW if is_new else RowStatus.CHANGED
                self.outcome.mark(record.row, status, what, vplan.changes)
            else:
                self.outcome.mark(record.row, RowStatus.UNCHANGED, what)

    def _match(self, plan, record: VariantRecord, by_options, by_pk, owners):
        if not self.shopify and record.sku:
            owner = owners.get(record.sku.value)
            if owner is not None:
                pk, product_id, handle = owner
                if product_id != plan.product.pk:
                    self.outcome.problem(
                        record.row,
                        record.sku.column,
                        record.sku.raw,
                        f"is the SKU of a variant of product {handle}; a variant cannot move "
                        "to another product",
                    )
                    return None
                return by_pk[pk]
        found = by_options.get(record.options)
        if found is None and record.sku and not any(record.options):
            # A partial Shopify file without option columns: the SKU finds the variant, if
            # it is this product's.
            owner = owners.get(record.sku.value)
            if owner is not None and owner[1] == plan.product.pk and plan.product.pk:
                found = by_pk.get(owner[0])
        return found

    def _variant_fields(self, vplan: VariantPlan, record: VariantRecord, owners) -> None:
        variant = vplan.variant
        # Options blank on a row that found its variant by SKU: the file has no option
        # columns, and the variant keeps its options.
        keep_options = not vplan.is_new and not any(record.options) and variant.option_values
        for attname, value in zip(("option1", "option2", "option3"), record.options, strict=True):
            if not keep_options and (vplan.is_new or getattr(variant, attname) != value):
                self._set(vplan, variant, attname, value)
        if record.sku is not None and self._sku_free(vplan, record.sku, owners):
            self._set(vplan, variant, "sku", record.sku.value)
        for attname, cell in record.fields.items():
            self._set(vplan, variant, attname, cell.value)
        if vplan.is_new and "price" not in record.fields:
            variant.price = None

    def _unpriced(self, plan: ProductPlan) -> None:
        """New variants without a price come in unpriced: neither sold nor published until
        priced. A new product with such a variant comes in as a draft."""
        unpriced = [v for v in plan.variants if v.is_new and v.variant.price is None]
        if not unpriced:
            return
        for _ in unpriced:
            self.outcome.tally(
                "{rows} new variant(s) have no price: they come in unpriced, and are neither "
                "sold nor published until priced."
            )
        product = plan.product
        if plan.is_new and product.status != ProductStatus.DRAFT:
            plan.changes["status"] = (None, ProductStatus.DRAFT)
            product.status = ProductStatus.DRAFT
            self.outcome.tally(
                "{rows} new product(s) with unpriced variants come in as drafts (the file "
                "said active or archived)."
            )

    def _sku_free(self, vplan: VariantPlan, cell: Cell, owners) -> bool:
        """Whether the row's SKU can go on its variant. In the native format a SKU twice in
        the file is an error. Shopify files often share one SKU among variants of different
        products: the first variant keeps it, later ones come in without one — said in the
        notices, shown in the preview."""
        sku, row = cell.value, cell.row
        first = self.skus_in_file.get(sku)
        reason = None
        if first is not None:
            reason = f"is also on row {first}"
        else:
            self.skus_in_file[sku] = row
            owner = owners.get(sku)  # native files: already matched (or refused) by SKU
            if self.shopify and owner is not None and owner[0] != vplan.variant.pk:
                reason = f"belongs to a variant of product {owner[2]}"
        if reason is None:
            return True
        if not self.shopify:
            self.outcome.problem(row, cell.column, sku, reason)
        else:
            self.outcome.notice(
                f"Row {row}: the SKU “{sku}” {reason}; this variant is imported without a SKU "
                "and is matched by its options."
            )
        return False

    def _images(self, plan: ProductPlan, existing: list[ProductImage]) -> None:
        by_src = {image.source_url: image for image in existing if image.source_url}
        for record in plan.record.images:
            image = by_src.get(record.src)
            if image is None:
                image = ProductImage(product=plan.product, source_url=record.src)
                image.position = record.position or len(by_src) + 1
                image.alt_text = record.alt or ""
                by_src[record.src] = image
                if len(record.src) > 1000 or not record.src.startswith(("http://", "https://")):
                    self.outcome.problem(
                        record.row, "Image Src", record.src, "is not a web address"
                    )
                    continue
                plan.new_images.append(image)
                what = f"image {plan.record.handle} {record.src.rsplit('/', 1)[-1][:80]}"
                self.outcome.mark(record.row, RowStatus.NEW, what)
                continue
            changes: dict[str, tuple[object, object]] = {}
            if record.alt is not None and image.alt_text != record.alt:
                changes["alt_text"] = (image.alt_text, record.alt)
                image.alt_text = record.alt
            if record.position is not None and image.position != record.position:
                changes["position"] = (image.position, record.position)
                image.position = record.position
            if changes and image.pk:
                plan.changed_images.append((image, changes))
                what = f"image {plan.record.handle} {record.src.rsplit('/', 1)[-1][:80]}"
                self.outcome.mark(record.row, RowStatus.CHANGED, what, changes)

    def _check_policies(self, plans: list[ProductPlan]) -> None:
        """A variant cannot stop allowing backorders while it has more units allocated than
        on hand (as when saved in the admin)."""
        denying = {
            v.variant.pk: v
            for plan in plans
            for v in plan.variants
            if not v.is_new
            and "inventory_policy" in v.changes
            and v.variant.inventory_policy == InventoryPolicy.DENY
        }
        if not denying:
            return
        short = StockLevel.objects.filter(variant_id__in=denying, allocated__gt=0).values_list(
            "variant_id", "on_hand", "allocated"
        )
        for variant_id, on_hand, allocated in short:
            if allocated > on_hand:
                vplan = denying[variant_id]
                self.outcome.problem(
                    vplan.row,
                    "inventory_policy",
                    "deny",
                    f"{allocated} units are allocated with {on_hand} on hand: it must keep "
                    "allowing backorders until those orders ship",
                )
