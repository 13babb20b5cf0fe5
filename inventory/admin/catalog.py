"""Catalog admin: categories, tax classes, products (with variants and images), variants,
warehouses. Saves go through the catalog services, so history records who and why. Categories
and products are exported (`inventory.resources`), products also as a Shopify CSV, which is
always prepared in the background."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import StackedInline, TabularInline
from unfold.contrib.filters.admin import (
    AllValuesCheckboxFilter,
    ChoicesCheckboxFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action, display
from unfold.forms import PaginationInlineFormSet
from unfold.paginator import InfinitePaginator

from backoffice.admin import HistoryAdmin, HistoryExportAdmin, ImportLinkMixin
from backoffice.admin_services import actor_of, report_domain_errors
from backoffice.exports import export_run_request
from backoffice.money import MoneyField
from inventory import services
from inventory.models import (
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductVariant,
    StockLevel,
    StockMovement,
    TaxClass,
    Warehouse,
    current_renditions,
)
from inventory.renditions import IMAGE_EXTENSIONS, check_upload, content_name
from inventory.resources import CategoryResource, PriceResource, ProductResource
from reporting.reports.exports import ShopifyCatalogExport

MONEY = MoneyField()
STATUS_COLOURS = {"draft": "info", "active": "success", "archived": "warning"}


@admin.register(Category)
class CategoryAdmin(ImportLinkMixin, HistoryExportAdmin):
    import_kind = "categories"
    actions_list = ("import_file",)
    resource_classes = [CategoryResource]
    list_display = ("full_path", "slug", "product_count")
    search_fields = ("name", "slug", "full_path")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    readonly_fields = ("full_path",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(products_n=Count("products"))

    @display(description="Products", ordering="products_n")
    def product_count(self, obj):
        return obj.products_n

    def save_model(self, request, obj, form, change):
        services.category_save(category=obj, actor=actor_of(request))


@admin.register(TaxClass)
class TaxClassAdmin(HistoryAdmin):
    list_display = ("name", "rate", "exempt", "invoice_note")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        services.catalog_object_save(instance=obj, actor=actor_of(request))


@admin.register(Warehouse)
class WarehouseAdmin(HistoryAdmin):
    list_display = ("code", "name", "active", "is_default")
    list_filter = ("active",)
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        services.warehouse_save(warehouse=obj, actor=actor_of(request))

    def has_delete_permission(self, request, obj=None):
        # Warehouses with stock history are kept: deactivate them instead.
        if obj is not None and obj.movements.exists():
            return False
        return super().has_delete_permission(request, obj)


class VariantInlineFormSet(PaginationInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Hand each row its product, so naming a variant does not fetch the product again.
        form.instance.product = self.instance
        return form

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            variant = form.instance
            if variant.pk and StockMovement.objects.filter(variant=variant).exists():
                raise forms.ValidationError(
                    f"{variant.label} has stock history and cannot be deleted; "
                    "mark it inactive instead."
                )


class VariantInline(TabularInline):
    model = ProductVariant
    formset = VariantInlineFormSet
    fields = (
        "stock",
        "sku",
        "option1",
        "option2",
        "option3",
        "price",
        "compare_at_price",
        "cost",
        "barcode",
        "inventory_policy",
        "active",
        "position",
    )
    readonly_fields = ("stock",)
    extra = 0
    show_change_link = True
    tab = True

    @display(description="Stock")
    def stock(self, obj):
        """Where a variant's stock is received, counted and moved, SKU or not."""
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:inventory_productvariant_change", args=[obj.pk])
        receive = reverse("admin:inventory_stocklevel_receive_new")
        return format_html(
            '<a class="text-primary-600" href="{}#stock-by-warehouse">Levels</a> · '
            '<a class="text-primary-600" href="{}?variant={}">Receive</a>',
            url,
            receive,
            obj.pk,
        )


class ProductImageForm(forms.ModelForm):
    """The inline's form (its model and fields come from the inline)."""

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # Django's image field has opened a new upload with Pillow and kept it on `.image`.
        opened = getattr(image, "image", None)
        if image is not None and opened is not None:
            check_upload(
                size=image.size, width=opened.width, height=opened.height, kind=opened.format
            )
            image.name = content_name(_read(image), IMAGE_EXTENSIONS[opened.format])
        return image


def _read(upload) -> bytes:
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    return content


class ImageInline(StackedInline):
    model = ProductImage
    form = ProductImageForm
    fields = ("preview", "image", "source_url", "alt_text", "variant", "position")
    readonly_fields = ("preview",)
    extra = 0
    tab = True

    @display(description="Picture")
    def preview(self, obj):
        if not obj or not obj.pk or not (obj.image or obj.source_url):
            return "—"
        return format_html(
            '{}<p class="mt-2 text-sm text-base-500">{}</p>',
            _picture(obj.rendition_url("thumbnail"), 96),
            _renditions_note(obj),
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "variant":
            product_id = request.resolver_match.kwargs.get("object_id")
            field.queryset = ProductVariant.objects.filter(product_id=product_id)
            field.label_from_instance = lambda variant: variant.label  # the product is known
            # Listed once here rather than queried again for every image row.
            field.choices = list(field.choices)
        return field


def _renditions_note(image: ProductImage) -> str:
    """What became of the image's renditions, in a line."""
    if not image.image:
        return "Shown from its source address until the import's copy is stored."
    if image.renditions.get("source") != image.image.name:
        return "Renditions are being made; the file itself is shown meanwhile."
    if "error" in image.renditions:
        return f"Renditions could not be made: {image.renditions['error']}."
    made = image.renditions["sizes"]
    sizes = ", ".join(  # in the settings' order: PostgreSQL's jsonb keeps keys its own way
        f"{name} {made[name]['width']} × {made[name]['height']}"
        for name in settings.IMAGE_RENDITIONS
        if name in made
    )
    return f"{image.renditions['width']} × {image.renditions['height']} pixels; {sizes}."


# Tailwind classes Unfold's stylesheet holds, by the shown size in pixels.
PICTURE_CLASSES = {32: "h-8 w-8", 96: "h-24 w-24"}


def _picture(url: str, size: int):
    """A small square picture that loads only when scrolled to, at its shown size."""
    return format_html(
        '<img src="{}" alt="" loading="lazy" decoding="async" width="{}" height="{}" '
        'class="{} rounded-default object-cover">',
        url,
        size,
        size,
        PICTURE_CLASSES[size],
    )


class StockStateFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("in", "In stock"), ("low", "Low (at or below reorder point)"), ("out", "Out")]

    def queryset(self, request, queryset):
        levels = StockLevel.objects.filter(variant__product=OuterRef("pk"))
        if self.value() == "in":
            return queryset.filter(Exists(levels.in_stock()))
        if self.value() == "low":
            return queryset.filter(Exists(levels.low()))
        if self.value() == "out":
            return queryset.filter(~Exists(levels.in_stock()))
        return queryset


def _aggregate_per_product(queryset, product_path: str, expression, output_field=None):
    """One aggregate over a product's rows as a correlated subquery: no join fan-out, and
    computed only for the rows on the page."""
    rows = queryset.filter(**{product_path: OuterRef("pk")}).order_by().values(product_path)
    return Subquery(rows.annotate(value=expression).values("value")[:1], output_field=output_field)


@admin.register(Product)
class ProductAdmin(ImportLinkMixin, HistoryExportAdmin):
    import_kind = "products"
    resource_classes = [ProductResource, PriceResource]
    list_display = (
        "thumbnail",
        "title",
        "status_badge",
        "vendor",
        "category",
        "price_range",
        "available_display",
        "variants_display",
    )
    list_display_links = ("title",)
    list_filter = (
        ("status", ChoicesCheckboxFilter),
        ("category", RelatedDropdownFilter),
        ("vendor", AllValuesCheckboxFilter),
        ("product_type", AllValuesCheckboxFilter),
        StockStateFilter,
    )
    list_filter_submit = True
    search_fields = ("title", "handle", "vendor", "variants__sku", "variants__barcode")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    prepopulated_fields = {"handle": ("title",)}
    inlines = (VariantInline, ImageInline)
    actions = ("publish", "archive", "export_shopify_selected")
    actions_list = ("import_file", "export_shopify")
    paginator = InfinitePaginator
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("title", "handle", "status", "description")}),
        ("Organisation", {"fields": ("vendor", "product_type", "category", "tags", "tax_class")}),
        ("Options", {"fields": ("option1_name", "option2_name", "option3_name")}),
        ("Search engines", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
    )

    def annotate_page(self, queryset):
        variants, levels = ProductVariant.objects.all(), StockLevel.objects.all()
        first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
        return queryset.annotate(
            variants_n=_aggregate_per_product(variants, "product", Count("pk")),
            price_min=_aggregate_per_product(variants, "product", Min("price"), MONEY),
            price_max=_aggregate_per_product(variants, "product", Max("price"), MONEY),
            available_n=Coalesce(
                _aggregate_per_product(
                    levels, "variant__product", Sum(F("on_hand") - F("allocated"))
                ),
                0,
            ),
            image_name=Subquery(first_image.values("image")[:1]),
            image_url=Subquery(first_image.values("source_url")[:1]),
            image_renditions=Subquery(
                first_image.values("renditions")[:1], output_field=models.JSONField()
            ),
        )

    @display(description="")
    def thumbnail(self, obj):
        made = current_renditions(obj.image_name, obj.image_renditions or {}).get("thumbnail")
        if made:
            url = default_storage.url(made["name"])
        else:
            url = default_storage.url(obj.image_name) if obj.image_name else obj.image_url
        return _picture(url, 32) if url else ""

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_badge(self, obj):
        return obj.status

    @display(description="Price")
    def price_range(self, obj):
        if obj.price_min is None:
            return "—"
        if obj.price_min == obj.price_max:
            return f"{obj.price_min:.2f}"
        return f"{obj.price_min:.2f} – {obj.price_max:.2f}"

    @display(description="Available", ordering="available_n")
    def available_display(self, obj):
        return obj.available_n

    @display(description="Variants", ordering="variants_n")
    def variants_display(self, obj):
        return obj.variants_n or 0

    def save_model(self, request, obj, form, change):
        services.product_save(product=obj, actor=actor_of(request))

    def save_formset(self, request, form, formset, change):
        saved = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in saved:
            if isinstance(obj, ProductVariant):
                services.variant_save(variant=obj, actor=actor_of(request))
            elif isinstance(obj, ProductImage):
                services.product_image_save(image=obj, actor=actor_of(request))
            else:
                services.catalog_object_save(instance=obj, actor=actor_of(request))

    def _set_status(self, request, queryset, status):
        actor = actor_of(request)
        result: dict[str, Any] = {}
        ok = report_domain_errors(
            request,
            lambda: result.update(
                n=services.product_set_status(products=queryset, status=status, actor=actor)
            ),
        )
        if ok:
            label = ProductStatus(status).label.lower()
            messages.success(request, f"{result['n']} product(s) set to {label}.")

    @action(description="Publish selected products", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, ProductStatus.ACTIVE)

    @action(description="Archive selected products", permissions=["change"])
    def archive(self, request, queryset):
        self._set_status(request, queryset, ProductStatus.ARCHIVED)

    # --- the Shopify CSV, always prepared in the background --------------------------------------

    def _export_shopify(self, request, ids: list[int] | None):
        result: dict[str, Any] = {}
        ok = report_domain_errors(
            request,
            lambda: result.update(
                run=export_run_request(
                    kind=ShopifyCatalogExport.kind, ids=ids, format="csv", actor=actor_of(request)
                )
            ),
        )
        if not ok:
            return redirect(reverse("admin:inventory_product_changelist"))
        messages.success(
            request,
            "The Shopify CSV is being prepared in the background. This page shows the progress "
            "and, when the file is ready, its download.",
        )
        return redirect(reverse("admin:reporting_reportrun_change", args=[result["run"].pk]))

    @action(description="Export selected products as Shopify CSV", permissions=["export"])
    def export_shopify_selected(self, request, queryset):
        ids = list(queryset.order_by("title", "id").values_list("pk", flat=True))
        return self._export_shopify(request, ids)

    @action(
        description="Export as Shopify CSV",
        url_path="export-shopify",
        icon="download",
        permissions=["export"],
    )
    def export_shopify(self, request):
        if request.method == "POST":
            return self._export_shopify(request, None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Export the catalog as a Shopify CSV",
            "form": forms.Form(),
            "explanation": "Every product, in the product CSV format Shopify imports and "
            "exports. The file is prepared in the background; its page shows the progress "
            "and, when it is ready, the download. To export some products only, select them "
            "in the list and use the action “Export selected products as Shopify CSV”.",
            "submit_label": "Prepare the Shopify CSV",
            "cancel_url": reverse("admin:inventory_product_changelist"),
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)


STOCK_OPERATIONS = (
    ("receive", "Receive"),
    ("adjust", "Adjust"),
    ("count", "Count"),
    ("transfer", "Transfer"),
)


class StockLevelInline(TabularInline):
    model = StockLevel
    fields = ("warehouse", "on_hand", "allocated", "available", "reorder_point", "operations")
    readonly_fields = fields
    extra = 0
    can_delete = False
    tab = True
    verbose_name_plural = "Stock by warehouse"

    def has_add_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if request.user.has_perm("inventory.change_stocklevel"):
            return fields
        return [name for name in fields if name != "operations"]  # links it could not follow

    @display(description="Available")
    def available(self, obj):
        return obj.available

    @display(description="Stock operations")
    def operations(self, obj):
        """The stock page's row operations for this warehouse, with or without a SKU."""
        links = [
            format_html(
                '<a class="text-primary-600" href="{}">{}</a>',
                reverse(f"admin:inventory_stocklevel_{name}", args=[obj.pk]),
                label,
            )
            for name, label in STOCK_OPERATIONS
        ]
        return format_html_join(" · ", "{}", ((link,) for link in links))


class MovementInline(TabularInline):
    model = StockMovement
    fields = (
        "created_at",
        "warehouse",
        "reason",
        "on_hand_delta",
        "allocated_delta",
        "on_hand_after",
        "allocated_after",
        "actor_name",
        "reference",
    )
    readonly_fields = fields
    ordering = ("-id",)
    extra = 0
    can_delete = False
    tab = True
    per_page = 20
    verbose_name_plural = "Ledger"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("warehouse")


@admin.register(ProductVariant)
class ProductVariantAdmin(HistoryAdmin):
    list_display = ("__str__", "sku", "barcode", "price", "inventory_policy", "active")
    list_filter = (("active", admin.BooleanFieldListFilter), "inventory_policy")
    search_fields = ("sku", "barcode", "product__title")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
    inlines = (StockLevelInline, MovementInline)
    paginator = InfinitePaginator
    show_full_result_count = False
    actions_detail = ("receive_stock",)

    def has_move_stock_permission(self, request, obj=None):
        return request.user.has_perm("inventory.change_stocklevel")

    @action(
        description="Receive stock",
        url_path="receive-stock",
        icon="add_box",
        permissions=["move_stock"],
    )
    def receive_stock(self, request, object_id):
        url = reverse("admin:inventory_stocklevel_receive_new")
        return redirect(f"{url}?variant={int(object_id)}")

    def save_model(self, request, obj, form, change):
        services.variant_save(variant=obj, actor=actor_of(request))
