"""Imports: each file brought in is an `ImportBatch`, previewed before it is applied, applied
all or nothing, and revertible. `ImportItem` keeps what the apply did to each row — the values
before and after — so a revert can put them back without guessing from history."""

from django.conf import settings
from django.db import models

from backoffice.files import private_name


class ImportKind(models.TextChoices):
    PRODUCTS = "products", "Products and variants"
    SHOPIFY = "shopify", "Shopify products CSV"
    PRICES = "prices", "Prices"
    STOCK = "stock", "Stock counts"
    CATEGORIES = "categories", "Categories"
    CUSTOMERS = "customers", "Customers"
    REVERT = "revert", "Revert of an import"


class ImportStatus(models.TextChoices):
    PREVIEWING = "previewing", "Previewing"
    READY = "ready", "Ready to apply"
    INVALID = "invalid", "Invalid rows"
    APPLYING = "applying", "Applying"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"
    REVERTED = "reverted", "Reverted"


def import_file_path(batch: "ImportBatch", filename: str) -> str:
    return private_name(f"imports/{batch.created_at:%Y/%m}", filename)


def import_error_path(batch: "ImportBatch", filename: str) -> str:
    return private_name("imports/errors", filename)


class ImportBatch(models.Model):
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWING
    )
    # The upload is kept in storage (S3 in production), never on a web process's disk.
    file = models.FileField(upload_to=import_file_path, max_length=500, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField("format", max_length=10, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    error_file = models.FileField(upload_to=import_error_path, max_length=500, blank=True)
    message = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(max_length=200)
    # Chosen at the apply: write the valid products (or rows) and skip the invalid ones.
    skips_invalid = models.BooleanField(default=False)
    # Chosen at the apply: Shopify's Variant Inventory Qty counted into this warehouse.
    opening_stock_warehouse = models.ForeignKey(
        "inventory.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reverts = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reverted_by"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import"
        permissions = [("apply_importbatch", "Can apply and revert imports")]

    def __str__(self) -> str:
        return f"Import #{self.pk}: {self.file_name or self.get_kind_display()}"

    @property
    def reason(self) -> str:
        """The change reason every history row written by this batch carries."""
        return str(self)


class ItemAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    STOCK = "stock", "Stock counted"


class ImportItem(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    model = models.CharField(max_length=60)  # "inventory.product"
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=ItemAction.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["batch", "model", "action"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model} #{self.object_id}"


class CopyStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be copied"
    DONE = "done", "Copied"
    FAILED = "failed", "Failed"


class ImageCopy(models.Model):
    """An imported image's copy from its source URL into the store's storage, made by a worker
    after the apply; until it is done, the image is shown from its source URL."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="image_copies")
    image = models.ForeignKey(
        "inventory.ProductImage", on_delete=models.CASCADE, related_name="copies"
    )
    status = models.CharField(
        max_length=10, choices=CopyStatus.choices, default=CopyStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.image.source_url}"
