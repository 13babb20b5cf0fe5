"""The baseline for the API benchmark: the product list written the straightforward Ninja way,
with none of the storefront API's tuning.

Model schemas with resolvers, Ninja's limit/offset pagination (and its count), the variants,
images and availability of each product fetched per row as the models offer them, no cache,
no ETag, Ninja's default JSON renderer. It serves the same fields for the same products, in
the same order, behind the same key check, scope and rate limit as the real API.

Mounted at /plain-api/v1/ by `bench.api_urls`, so both answer from the same gunicorn.
"""

from django.db.models import Q
from ninja import ModelSchema, NinjaAPI
from ninja.pagination import LimitOffsetPagination, paginate

from integrations.api.auth import ApiKeyAuth, PerKeyThrottle, require_scope
from integrations.models import Scope
from inventory.models import Product, ProductImage, ProductStatus, ProductVariant


class PlainImageOut(ModelSchema):
    url: str
    variant_id: int | None

    class Meta:
        model = ProductImage
        fields = ["id", "alt_text", "position"]


class PlainVariantOut(ModelSchema):
    product_id: int
    options: list[str]
    available: int

    class Meta:
        model = ProductVariant
        fields = [
            "id",
            "sku",
            "barcode",
            "price",
            "compare_at_price",
            "currency",
            "weight",
            "weight_unit",
            "inventory_policy",
            "updated_at",
        ]

    @staticmethod
    def resolve_options(variant) -> list[str]:
        return variant.option_values

    @staticmethod
    def resolve_available(variant) -> int:
        levels = variant.stock.filter(warehouse__active=True)
        return sum(max(level.on_hand - level.allocated, 0) for level in levels)


class PlainProductOut(ModelSchema):
    description_html: str
    tags: list[str]
    category_id: int | None
    options: list[str]
    variants: list[PlainVariantOut]
    images: list[PlainImageOut]

    class Meta:
        model = Product
        fields = [
            "id",
            "handle",
            "title",
            "vendor",
            "product_type",
            "seo_title",
            "seo_description",
            "updated_at",
        ]

    @staticmethod
    def resolve_description_html(product) -> str:
        return product.description

    @staticmethod
    def resolve_tags(product) -> list[str]:
        return product.tag_list

    @staticmethod
    def resolve_options(product) -> list[str]:
        return product.option_names

    @staticmethod
    def resolve_variants(product):
        return product.variants.filter(active=True).order_by("position", "id")

    @staticmethod
    def resolve_images(product):
        shown = Q(variant__isnull=True) | Q(variant__active=True)
        return product.images.filter(shown).order_by("position", "id")


api = NinjaAPI(
    title="Plain storefront API (benchmark baseline)",
    version="plain",
    urls_namespace="plain-api-v1",
    auth=ApiKeyAuth(),
    throttle=[PerKeyThrottle()],
    docs_url=None,
)


@api.get("/products", response=list[PlainProductOut])
@paginate(LimitOffsetPagination)
def products(request):
    require_scope(request, Scope.CATALOG_READ)
    return Product.objects.filter(status=ProductStatus.ACTIVE).order_by("updated_at", "id")
