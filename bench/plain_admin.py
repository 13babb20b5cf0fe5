"""The baseline for the catalog admin benchmark: plain Unfold admin classes of the same models
with the same columns, filters, search and inlines, written the obvious way with no tuning
(per-row queries for computed columns, the default paginator with its full count).

They are registered on a separate admin site served at /plain-admin/ by `bench.urls`, so
both versions answer in the same process, against the same database, in the same run.
"""

from django.db.models import F, Max, Min, Sum
from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.sites import UnfoldAdminSite

from inventory.admin.catalog import ImageInline, VariantInline
from inventory.models import Product, ProductImage, ProductVariant, StockLevel


class PlainSite(UnfoldAdminSite):
    site_url = None


site = PlainSite(name="plain_admin")


class PlainVariantInline(TabularInline):
    model = ProductVariant
    fields = VariantInline.fields
    extra = 0


class PlainImageInline(StackedInline):
    model = ProductImage
    fields = ImageInline.fields
    extra = 0


class PlainProductAdmin(ModelAdmin):
    list_display = (
        "thumbnail",
        "title",
        "status",
        "vendor",
        "category",
        "price_range",
        "available",
        "variant_count",
    )
    list_filter = ("status", "category", "vendor", "product_type")
    search_fields = ("title", "handle", "vendor", "variants__sku", "variants__barcode")
    inlines = (PlainVariantInline, PlainImageInline)

    def thumbnail(self, obj):
        image = obj.images.first()
        return image.url if image else ""

    def price_range(self, obj):
        prices = obj.variants.aggregate(low=Min("price"), high=Max("price"))
        return f"{prices['low']} – {prices['high']}"

    def available(self, obj):
        levels = StockLevel.objects.filter(variant__product=obj)
        return levels.aggregate(n=Sum(F("on_hand") - F("allocated")))["n"] or 0

    def variant_count(self, obj):
        return obj.variants.count()


class PlainStockLevelAdmin(ModelAdmin):
    list_display = (
        "sku",
        "product_title",
        "warehouse",
        "on_hand",
        "allocated",
        "available",
        "reorder_point",
        "state",
    )
    list_filter = ("warehouse",)
    search_fields = ("variant__sku", "variant__barcode", "variant__product__title")

    def sku(self, obj):
        return obj.variant.label

    def product_title(self, obj):
        return obj.variant.product.title

    def available(self, obj):
        return obj.available

    def state(self, obj):
        if obj.available <= 0:
            return "Out"
        return "Low" if obj.reorder_point and obj.available <= obj.reorder_point else "In stock"


site.register(Product, PlainProductAdmin)
site.register(StockLevel, PlainStockLevelAdmin)
