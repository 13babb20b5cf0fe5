"""The database holds the catalog and stock invariants itself, even for code that bypasses the
services (a raw `QuerySet.update()`, an `objects.create()`)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from backoffice.actors import Actor
from inventory.models import (
    Category,
    ProductImage,
    ProductVariant,
    StockLevel,
    StockMovement,
    TaxClass,
    Warehouse,
)
from inventory.services import stock_receive
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    TaxClassFactory,
    VariantFactory,
    WarehouseFactory,
)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger on the stock ledger exists on PostgreSQL only "
    "(runs when DATABASE_URL points at PostgreSQL)",
)


@pytest.fixture
def level():
    """A stock row made directly, bypassing the services: 5 on hand, 2 allocated."""
    return StockLevel.objects.create(
        variant=VariantFactory(sku="TEE-M"),
        warehouse=WarehouseFactory(code="main"),
        on_hand=5,
        allocated=2,
    )


def quantities(level):
    return tuple(
        StockLevel.objects.filter(pk=level.pk).values_list(
            "on_hand", "allocated", "allows_backorder"
        )[0]
    )


def refused(operation):
    """Run a write that the database must refuse, in its own savepoint."""
    with pytest.raises(IntegrityError), transaction.atomic():
        operation()


# --- stock rows -------------------------------------------------------------------------------


def test_on_hand_cannot_go_negative(level):
    refused(lambda: StockLevel.objects.filter(pk=level.pk).update(on_hand=-1, allocated=0))
    refused(
        lambda: StockLevel.objects.create(
            variant=VariantFactory(), warehouse=level.warehouse, on_hand=-1
        )
    )

    assert quantities(level) == (5, 2, False)
    assert StockLevel.objects.count() == 1


def test_allocated_cannot_go_negative(level):
    refused(lambda: StockLevel.objects.filter(pk=level.pk).update(allocated=-1))
    refused(
        lambda: StockLevel.objects.create(
            variant=VariantFactory(), warehouse=level.warehouse, allocated=-1
        )
    )

    assert quantities(level) == (5, 2, False)
    assert StockLevel.objects.count() == 1


def test_allocated_above_on_hand_is_refused_without_backorder(level):
    refused(lambda: StockLevel.objects.filter(pk=level.pk).update(allocated=6))
    refused(lambda: StockLevel.objects.filter(pk=level.pk).update(on_hand=1))

    assert quantities(level) == (5, 2, False)


def test_allocated_up_to_on_hand_is_allowed_without_backorder(level):
    StockLevel.objects.filter(pk=level.pk).update(allocated=5)

    assert quantities(level) == (5, 5, False)


def test_allocated_above_on_hand_is_allowed_with_backorder(level):
    StockLevel.objects.filter(pk=level.pk).update(allows_backorder=True)
    StockLevel.objects.filter(pk=level.pk).update(allocated=9)
    StockLevel.objects.create(
        variant=VariantFactory(),
        warehouse=level.warehouse,
        on_hand=0,
        allocated=3,
        allows_backorder=True,
    )

    assert quantities(level) == (5, 9, True)
    assert list(StockLevel.objects.order_by("pk").values_list("on_hand", "allocated")) == [
        (5, 9),
        (0, 3),
    ]


def test_switching_backorder_off_while_over_allocated_is_refused(level):
    StockLevel.objects.filter(pk=level.pk).update(allows_backorder=True, allocated=9)

    refused(lambda: StockLevel.objects.filter(pk=level.pk).update(allows_backorder=False))

    assert quantities(level) == (5, 9, True)


def test_one_stock_row_per_variant_and_warehouse(level):
    refused(lambda: StockLevel.objects.create(variant=level.variant, warehouse=level.warehouse))
    other = WarehouseFactory(code="east")
    StockLevel.objects.create(variant=level.variant, warehouse=other)

    assert sorted(
        StockLevel.objects.filter(variant=level.variant).values_list("warehouse__code", flat=True)
    ) == ["east", "main"]


# --- the ledger -------------------------------------------------------------------------------


def movement(**fields):
    variant = ProductVariant.objects.get(sku="TEE-M")
    values = {
        "variant": variant,
        "warehouse": Warehouse.objects.get(code="main"),
        "on_hand_delta": 1,
        "allocated_delta": 0,
        "on_hand_after": 1,
        "allocated_after": 0,
        "reason": "receipt",
        "actor_kind": "system",
        "actor_name": "test",
    }
    return StockMovement.objects.create(**{**values, **fields})


def test_a_movement_must_change_something(level):
    refused(lambda: movement(on_hand_delta=0, allocated_delta=0))
    movement(on_hand_delta=0, allocated_delta=1, allocated_after=1)

    assert StockMovement.objects.count() == 1


def test_a_movement_cannot_leave_a_negative_balance(level):
    refused(lambda: movement(on_hand_delta=-6, on_hand_after=-1))
    refused(lambda: movement(allocated_delta=-3, allocated_after=-1))

    assert StockMovement.objects.count() == 0


@postgresql_only
def test_updating_a_ledger_row_is_refused_on_postgresql(level):
    row = stock_receive(
        variant=level.variant, warehouse=level.warehouse, quantity=3, actor=Actor.system("t")
    )

    with (
        pytest.raises(ProgrammingError, match="the stock ledger is append-only: UPDATE"),
        transaction.atomic(),
    ):
        StockMovement.objects.filter(pk=row.pk).update(on_hand_delta=300, on_hand_after=302)
    with pytest.raises(ProgrammingError, match="append-only: UPDATE"), transaction.atomic():
        row.note = "rewritten"
        row.save()

    assert list(
        StockMovement.objects.values_list("pk", "on_hand_delta", "on_hand_after", "note")
    ) == [(row.pk, 3, 8, "")]


@postgresql_only
def test_deleting_a_ledger_row_is_refused_on_postgresql(level):
    row = stock_receive(
        variant=level.variant, warehouse=level.warehouse, quantity=3, actor=Actor.system("t")
    )

    with pytest.raises(ProgrammingError, match="append-only: DELETE"), transaction.atomic():
        StockMovement.objects.filter(pk=row.pk).delete()
    with pytest.raises(ProgrammingError, match="append-only: DELETE"), transaction.atomic():
        row.delete()

    assert list(StockMovement.objects.values_list("pk", flat=True)) == [row.pk]


# --- variants ---------------------------------------------------------------------------------


def new_variant(product, **fields):
    return ProductVariant.objects.create(
        **{"product": product, "price": Decimal("10.00"), **fields}
    )


def test_a_sku_is_unique():
    VariantFactory(sku="MUG-1")
    product = ProductFactory()

    refused(lambda: new_variant(product, sku="MUG-1", option1="Blue"))

    assert ProductVariant.objects.filter(sku="MUG-1").count() == 1
    assert product.variants.count() == 0


def test_a_blank_sku_is_refused_while_many_variants_may_have_none():
    product = ProductFactory()

    refused(lambda: new_variant(product, sku="", option1="Red"))
    new_variant(product, sku=None, option1="Blue")
    new_variant(product, sku=None, option1="Green")
    new_variant(ProductFactory(), sku=None, option1="Blue")

    assert ProductVariant.objects.filter(sku__isnull=True).count() == 3
    assert ProductVariant.objects.filter(sku="").count() == 0
    updated = VariantFactory(sku="CAP-1")
    refused(lambda: ProductVariant.objects.filter(pk=updated.pk).update(sku=""))
    assert ProductVariant.objects.get(pk=updated.pk).sku == "CAP-1"


def test_option_values_are_unique_within_a_product_but_not_across_products():
    shirt, hoodie = ProductFactory(), ProductFactory()
    new_variant(shirt, sku="S-RED-M", option1="M", option2="Red")

    refused(lambda: new_variant(shirt, sku="S-RED-M-2", option1="M", option2="Red"))
    new_variant(shirt, sku="S-BLUE-M", option1="M", option2="Blue")
    new_variant(hoodie, sku="H-RED-M", option1="M", option2="Red")

    assert sorted(ProductVariant.objects.values_list("sku", flat=True)) == [
        "H-RED-M",
        "S-BLUE-M",
        "S-RED-M",
    ]


def test_two_variants_without_sku_or_options_in_one_product_are_refused():
    product = ProductFactory()
    new_variant(product)

    refused(lambda: new_variant(product))

    assert product.variants.count() == 1


@pytest.mark.parametrize("field", ["price", "cost"])
def test_money_cannot_be_negative(field):
    product = ProductFactory()
    refused(lambda: new_variant(product, sku="NEG", **{field: Decimal("-0.01")}))
    variant = VariantFactory(sku="OK", price=Decimal("0.00"), cost=Decimal("0.00"))

    refused(lambda: ProductVariant.objects.filter(pk=variant.pk).update(**{field: Decimal("-1")}))

    assert list(ProductVariant.objects.values_list("sku", "price", "cost")) == [
        ("OK", Decimal("0.00"), Decimal("0.00"))
    ]


# --- warehouses, tax classes and the rest of the catalog --------------------------------------


def test_only_one_warehouse_is_the_default():
    WarehouseFactory(code="main", is_default=True)
    east = WarehouseFactory(code="east")

    refused(lambda: Warehouse.objects.create(code="west", name="West", is_default=True))
    refused(lambda: Warehouse.objects.filter(pk=east.pk).update(is_default=True))
    WarehouseFactory(code="north", is_default=False)

    assert list(Warehouse.objects.values_list("code", "is_default")) == [
        ("main", True),
        ("east", False),
        ("north", False),
    ]


@pytest.mark.parametrize("rate", ["-0.001", "100.001", "250"])
def test_a_tax_rate_is_between_0_and_100(rate):
    refused(lambda: TaxClass.objects.create(name="Bad", rate=Decimal(rate)))
    standard = TaxClassFactory()
    refused(lambda: TaxClass.objects.filter(pk=standard.pk).update(rate=Decimal(rate)))

    TaxClass.objects.create(name="Zero", rate=Decimal("0"))
    TaxClass.objects.create(name="All", rate=Decimal("100"))
    assert list(TaxClass.objects.filter(exempt=False).values_list("name", "rate")) == [
        ("All", Decimal("100.000")),
        ("Standard", Decimal("20.000")),
        ("Zero", Decimal("0.000")),
    ]


def test_a_category_cannot_be_its_own_parent():
    category = CategoryFactory()

    refused(lambda: Category.objects.filter(pk=category.pk).update(parent=category.pk))

    assert Category.objects.get().parent_id is None


def test_an_image_needs_a_file_or_a_source_url():
    product = ProductFactory()

    refused(lambda: ProductImage.objects.create(product=product))
    ProductImage.objects.create(product=product, source_url="https://cdn.example.com/a.jpg")

    assert list(product.images.values_list("source_url", flat=True)) == [
        "https://cdn.example.com/a.jpg"
    ]
