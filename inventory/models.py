"""Catalog and stock.

Stock quantities live in `StockLevel`, one row per variant and warehouse, and change only
through `inventory.services`, which writes one `StockMovement` (the ledger) for every change.
The database itself refuses negative stock, over-allocation under the "deny" policy,
duplicate SKUs and duplicate option combinations.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from backoffice.actors import ActorKind
from backoffice.formatting import tax_rate_label
from backoffice.money import (
    MoneyField,
    store_currency,  # noqa: F401 (named by the first migrations)
)
from inventory.handles import HandleField


class Category(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "Apparel › Shirts › Linen", kept by the catalog services so lists never walk the tree.
    full_path = models.CharField(max_length=1000, editable=False, default="")
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["full_path"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="category_not_its_own_parent")
        ]

    def __str__(self) -> str:
        return self.full_path or self.name

    def ancestors(self) -> list["Category"]:
        chain, node, seen = [], self.parent, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return chain

    def clean(self):
        if self.pk and self.parent_id and any(a.pk == self.pk for a in self.ancestors()):
            raise ValidationError(
                {"parent": "A category cannot be placed inside itself or its own subcategories."}
            )


class TaxClass(models.Model):
    """A rate of tax goods are sold at. Goods that are really untaxed use an exempt class,
    never "no class": a product without one takes the store's default class."""

    name = models.CharField(max_length=100, unique=True)
    rate = models.DecimalField(
        max_digits=6, decimal_places=3, help_text="Percent, e.g. 20 for 20 %."
    )
    exempt = models.BooleanField(
        "exempt or zero-rated",
        default=False,
        help_text="For goods sold without tax; documents say so instead of printing 0 %.",
    )
    invoice_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Printed on invoices with lines of this class, e.g. the legal basis of an "
        "exemption.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "tax classes"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="tax_rate_0_to_100"
            ),
            models.CheckConstraint(
                condition=Q(exempt=False) | Q(rate=0), name="tax_exempt_rate_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.label})"

    @property
    def label(self) -> str:
        """How documents print the rate: "20 %", or "Exempt"."""
        return tax_rate_label(self.rate, self.exempt)


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Product(models.Model):
    title = models.CharField(max_length=255)
    handle = HandleField(unique=True)
    description = models.TextField("description (HTML)", blank=True)
    vendor = models.CharField(max_length=255, blank=True, db_index=True)
    product_type = models.CharField(max_length=255, blank=True, db_index=True)
    # Shopify allows 250 tags of up to 255 characters each.
    tags = models.TextField(blank=True, help_text="Comma-separated.")
    status = models.CharField(
        max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT, db_index=True
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    tax_class = models.ForeignKey(
        TaxClass, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    seo_title = models.CharField(max_length=255, blank=True)
    seo_description = models.CharField(max_length=1000, blank=True)
    option1_name = models.CharField(max_length=255, blank=True)
    option2_name = models.CharField(max_length=255, blank=True)
    option3_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["title", "id"], name="product_title_id")]

    def __str__(self) -> str:
        return self.title

    @property
    def option_names(self) -> list[str]:
        return [n for n in (self.option1_name, self.option2_name, self.option3_name) if n]

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class InventoryPolicy(models.TextChoices):
    DENY = "deny", "Deny: stop selling at zero"
    CONTINUE = "continue", "Continue: allow backorders"


class WeightUnit(models.TextChoices):
    GRAM = "g", "g"
    KILOGRAM = "kg", "kg"
    POUND = "lb", "lb"
    OUNCE = "oz", "oz"


class VariantQuerySet(models.QuerySet):
    def for_sale(self):
        """Variants a customer can buy: active, priced, of an active product."""
        return self.filter(active=True, price__isnull=False, product__status=ProductStatus.ACTIVE)

    def unpriced(self):
        return self.filter(price__isnull=True)


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Many imported catalogs have variants without a SKU: blank is allowed (stored as NULL)
    # and such a variant is known by its product and option values.
    sku = models.CharField("SKU", max_length=255, null=True, blank=True)  # noqa: DJ001
    barcode = models.CharField(max_length=255, blank=True, db_index=True)
    option1 = models.CharField(max_length=255, blank=True)
    option2 = models.CharField(max_length=255, blank=True)
    option3 = models.CharField(max_length=255, blank=True)
    # Blank while not priced yet (a product brought in from a file without prices): such a
    # variant is neither sold nor published until it has one.
    price = MoneyField(
        null=True, blank=True, help_text="Blank: not priced yet — not sold, not published."
    )
    compare_at_price = MoneyField(null=True, blank=True)
    cost = MoneyField(null=True, blank=True)
    weight = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    weight_unit = models.CharField(max_length=2, choices=WeightUnit.choices, default="kg")
    inventory_policy = models.CharField(
        max_length=10, choices=InventoryPolicy.choices, default=InventoryPolicy.DENY
    )
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = VariantQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sku"], name="variant_sku_unique"),
            models.CheckConstraint(condition=~Q(sku=""), name="variant_sku_null_not_blank"),
            models.UniqueConstraint(
                fields=["product", "option1", "option2", "option3"],
                name="variant_options_unique_in_product",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="variant_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} — {self.label}" if self.product_id else self.label

    @property
    def option_values(self) -> list[str]:
        return [v for v in (self.option1, self.option2, self.option3) if v]

    @property
    def label(self) -> str:
        """The SKU, or the option values for a variant without one."""
        return self.sku or " / ".join(self.option_values) or "Default"

    @property
    def is_for_sale(self) -> bool:
        """What `VariantQuerySet.for_sale` selects, for a variant in hand."""
        return (
            self.active and self.price is not None and self.product.status == ProductStatus.ACTIVE
        )

    @property
    def allows_backorder(self) -> bool:
        return self.inventory_policy == InventoryPolicy.CONTINUE


def current_renditions(image_name: str, renditions: dict) -> dict:
    """The renditions that were made from this file (none if the file changed since)."""
    if image_name and renditions.get("source") == image_name:
        return renditions.get("sizes", {})
    return {}


def product_image_path(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    variant = models.ForeignKey(
        ProductVariant, null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    image = models.ImageField(upload_to=product_image_path, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    alt_text = models.CharField(max_length=512, blank=True)
    position = models.PositiveIntegerField(default=0)
    # Made by a worker from `image` (inventory.renditions): which file they were made from,
    # its size, and each rendition's name and size. Derived, so not in the history.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["renditions"])

    class Meta:
        ordering = ["product_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(image="") | ~Q(source_url=""), name="image_file_or_url"
            )
        ]

    def __str__(self) -> str:
        return self.alt_text or f"Image {self.position} of product {self.product_id}"

    @property
    def url(self) -> str:
        return self.image.url if self.image else self.source_url

    def rendition_url(self, name: str) -> str:
        """The rendition's address once made from the current file, else the image's own."""
        made = current_renditions(self.image.name, self.renditions).get(name)
        return self.image.storage.url(made["name"]) if made else self.url

    def clean(self):
        if not self.image and not self.source_url:
            raise ValidationError("Upload a file or give a source URL.")
        if self.variant is not None and self.variant.product_id != self.product_id:
            raise ValidationError({"variant": "That variant belongs to another product."})


class Warehouse(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField("default", default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_warehouse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class StockLevelQuerySet(models.QuerySet):
    """What "available" and "low stock" mean, once: the dashboard, the reports, the admin's
    filters and the API all ask these."""

    def with_available(self) -> "StockLevelQuerySet":
        """Each row with `available_n`: on hand less what orders hold."""
        return self.annotate(available_n=F("on_hand") - F("allocated"))

    def in_stock(self) -> "StockLevelQuerySet":
        return self.filter(on_hand__gt=F("allocated"))

    def out_of_stock(self) -> "StockLevelQuerySet":
        return self.filter(on_hand__lte=F("allocated"))

    def low(self) -> "StockLevelQuerySet":
        """Rows to reorder: in an active warehouse (a closed one is restocked by nobody), with
        a reorder point, and no more available than it — out of stock included."""
        return self.filter(
            warehouse__active=True,
            reorder_point__gt=0,
            on_hand__lte=F("allocated") + F("reorder_point"),
        )


class StockLevel(models.Model):
    """The current quantities of a variant in a warehouse: a cache of the ledger."""

    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(default=0)
    allocated = models.IntegerField(default=0)
    # A copy of the variant's inventory policy, so the database can check allocation itself.
    allows_backorder = models.BooleanField(default=False, editable=False)
    reorder_point = models.PositiveIntegerField(default=0)
    reorder_quantity = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ["variant_id", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="one_stock_row"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="on_hand_not_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="allocated_not_negative"),
            models.CheckConstraint(
                condition=Q(allows_backorder=True) | Q(allocated__lte=F("on_hand")),
                name="allocated_within_on_hand_unless_backorder",
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "variant"], name="stock_warehouse_variant")]

    def __str__(self) -> str:
        return f"{self.variant.label} @ {self.warehouse.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


class MovementReason(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    DAMAGE = "damage", "Damage"
    LOSS = "loss", "Loss"
    FOUND = "found", "Found"
    CORRECTION = "correction", "Correction"
    RETURN = "return", "Customer return"
    COUNT = "count", "Stocktake"
    IMPORT = "import", "Opening stock (import)"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    ALLOCATION = "allocation", "Allocation"
    RELEASE = "release", "Release"
    SHIPMENT = "shipment", "Shipment"


# The reasons a person may give for a manual adjustment.
ADJUSTMENT_REASONS = (
    MovementReason.DAMAGE,
    MovementReason.LOSS,
    MovementReason.FOUND,
    MovementReason.CORRECTION,
    MovementReason.RETURN,
)


class StockMovement(models.Model):
    """One change of one stock row: the append-only ledger. Never updated, never deleted."""

    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    on_hand_delta = models.IntegerField()
    allocated_delta = models.IntegerField()
    on_hand_after = models.IntegerField()
    allocated_after = models.IntegerField()
    reason = models.CharField(max_length=20, choices=MovementReason.choices)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The source document: order, PO, transfer, count."
    )
    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor_name = models.CharField(max_length=200)
    actor_user = models.ForeignKey(
        # PROTECT: the ledger is never rewritten; people who moved stock are deactivated instead.
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["variant", "warehouse", "id"], name="movement_row_history"),
            models.Index(fields=["warehouse", "-id"], name="movement_by_warehouse"),
            models.Index(fields=["reason", "-id"], name="movement_by_reason"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(on_hand_delta=0) | ~Q(allocated_delta=0), name="movement_changes_stock"
            ),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0) & Q(allocated_after__gte=0),
                name="movement_balances_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.variant_id}@{self.warehouse_id} #{self.pk}"
