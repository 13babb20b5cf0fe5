"""The stock services: the ledger row each one writes, the balances after, and every refusal,
which must leave the stock rows and the ledger exactly as they were."""

import pytest

from backoffice.actors import Actor
from backoffice.exceptions import DomainError
from inventory.models import (
    InventoryPolicy,
    Product,
    ProductVariant,
    StockLevel,
    StockMovement,
    Warehouse,
)
from inventory.services import (
    InsufficientStock,
    InvalidQuantity,
    UnknownWarehouse,
    product_set_status,
    stock_adjust,
    stock_allocate,
    stock_count,
    stock_receive,
    stock_release,
    stock_ship,
    stock_transfer,
    variant_save,
    warehouse_save,
)
from tests.factories import ProductFactory, UserFactory, VariantFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")

MOVEMENT_FIELDS = (
    "variant_id",
    "warehouse__code",
    "reason",
    "on_hand_delta",
    "allocated_delta",
    "on_hand_after",
    "allocated_after",
    "reference",
    "note",
    "actor_kind",
    "actor_name",
    "actor_user",
)


# --- helpers ----------------------------------------------------------------------------------


def stock_state():
    """Everything a stock service may change: the stock rows and the ledger."""
    levels = list(
        StockLevel.objects.order_by("pk").values_list(
            "pk", "variant_id", "warehouse_id", "on_hand", "allocated", "allows_backorder"
        )
    )
    movements = list(StockMovement.objects.order_by("pk").values_list("pk", flat=True))
    return levels, movements, StockMovement.objects.count()


def ledger():
    """Every ledger row, oldest first."""
    return list(StockMovement.objects.order_by("pk").values(*MOVEMENT_FIELDS))


def movement(variant, code, reason, on_hand_delta, allocated_delta, on_hand, allocated, **extra):
    """The ledger row expected, as `ledger()` reads it."""
    row = {
        "variant_id": variant.pk,
        "warehouse__code": code,
        "reason": reason,
        "on_hand_delta": on_hand_delta,
        "allocated_delta": allocated_delta,
        "on_hand_after": on_hand,
        "allocated_after": allocated,
        "reference": "",
        "note": "",
        "actor_kind": "system",
        "actor_name": "test",
        "actor_user": None,
    }
    row.update(extra)
    return row


def balances(variant, warehouse):
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    return level.on_hand, level.allocated, level.allows_backorder


@pytest.fixture
def main():
    return WarehouseFactory(code="main", name="Main", is_default=True)


@pytest.fixture
def east():
    return WarehouseFactory(code="east", name="East")


@pytest.fixture
def variant():
    return VariantFactory(sku="TEE-M")


@pytest.fixture
def backorder_variant():
    return VariantFactory(sku="PRE-1", inventory_policy=InventoryPolicy.CONTINUE)


@pytest.fixture
def stocked(variant, main, east):
    """TEE-M: 10 on hand with 3 allocated in main, 5 on hand in east."""
    stock_receive(variant=variant, warehouse=main, quantity=10, actor=SYSTEM)
    stock_allocate(variant=variant, warehouse=main, quantity=3, actor=SYSTEM)
    stock_receive(variant=variant, warehouse=east, quantity=5, actor=SYSTEM)
    return variant


# --- receive ----------------------------------------------------------------------------------


def test_receive_writes_a_receipt_with_the_user_and_raises_on_hand(variant, main):
    user = UserFactory(username="maria")
    returned = stock_receive(
        variant=variant,
        warehouse=main,
        quantity=12,
        actor=Actor.for_user(user),
        reference="PO-1001",
        note="Pallet 3 of 4",
    )

    assert ledger() == [
        movement(
            variant,
            "main",
            "receipt",
            12,
            0,
            12,
            0,
            reference="PO-1001",
            note="Pallet 3 of 4",
            actor_kind="user",
            actor_name="maria",
            actor_user=user.pk,
        )
    ]
    assert returned.pk == StockMovement.objects.get().pk
    assert balances(variant, main) == (12, 0, False)


def test_receive_by_warehouse_code_adds_to_the_existing_row(variant, main):
    stock_receive(variant=variant, warehouse="main", quantity=4, actor=SYSTEM)
    stock_receive(variant=variant, warehouse="main", quantity=6, actor=SYSTEM, reference="PO-2")

    assert ledger() == [
        movement(variant, "main", "receipt", 4, 0, 4, 0),
        movement(variant, "main", "receipt", 6, 0, 10, 0, reference="PO-2"),
    ]
    assert StockLevel.objects.count() == 1
    assert balances(variant, main) == (10, 0, False)


def test_receive_for_a_backorder_variant_creates_a_row_that_allows_backorder(
    backorder_variant, main
):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=2, actor=SYSTEM)

    assert balances(backorder_variant, main) == (2, 0, True)


# --- adjust -----------------------------------------------------------------------------------


def test_adjust_down_for_damage(stocked, main):
    returned = stock_adjust(
        variant=stocked,
        warehouse=main,
        delta=-2,
        reason="damage",
        actor=SYSTEM,
        reference="RMA-7",
        note="Crushed box",
    )

    assert ledger()[-1] == movement(
        stocked, "main", "damage", -2, 0, 8, 3, reference="RMA-7", note="Crushed box"
    )
    assert returned.reason == "damage"
    assert returned.on_hand_after == 8
    assert StockMovement.objects.count() == 4
    assert balances(stocked, main) == (8, 3, False)


def test_adjust_up_for_found_units_by_a_user(stocked, east):
    user = UserFactory(username="sam")
    stock_adjust(
        variant=stocked, warehouse="east", delta=3, reason="found", actor=Actor.for_user(user)
    )

    assert ledger()[-1] == movement(
        stocked,
        "east",
        "found",
        3,
        0,
        8,
        0,
        actor_kind="user",
        actor_name="sam",
        actor_user=user.pk,
    )
    assert balances(stocked, east) == (8, 0, False)


@pytest.mark.parametrize("reason", ["receipt", "count", "shipment", "allocation", "theft", ""])
def test_adjust_refuses_a_reason_that_is_not_an_adjustment_reason(stocked, main, reason):
    before = stock_state()

    with pytest.raises(DomainError) as caught:
        stock_adjust(variant=stocked, warehouse=main, delta=-1, reason=reason, actor=SYSTEM)

    assert str(caught.value) == (
        f"{reason!r} is not an adjustment reason; "
        "use one of: damage, loss, found, correction, return."
    )
    assert stock_state() == before


def test_adjust_below_zero_is_insufficient_stock(stocked, east):
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_adjust(variant=stocked, warehouse=east, delta=-6, reason="loss", actor=SYSTEM)

    error = caught.value
    assert (error.sku, error.warehouse, error.requested, error.available) == ("TEE-M", "east", 6, 5)
    assert str(error) == "Not enough stock of TEE-M in east: 6 requested, 5 available."
    assert error.details == {"sku": "TEE-M", "warehouse": "east", "requested": 6, "available": 5}
    assert stock_state() == before


def test_adjust_below_the_allocated_units_is_refused_under_deny(stocked, main):
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_adjust(variant=stocked, warehouse=main, delta=-8, reason="loss", actor=SYSTEM)

    error = caught.value
    assert (error.sku, error.warehouse, error.requested, error.available) == ("TEE-M", "main", 8, 7)
    assert str(error) == "Not enough stock of TEE-M in main: 8 requested, 7 available."
    assert stock_state() == before


def test_adjust_below_the_allocated_units_is_allowed_under_continue(backorder_variant, main):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)
    stock_allocate(variant=backorder_variant, warehouse=main, quantity=4, actor=SYSTEM)

    stock_adjust(variant=backorder_variant, warehouse=main, delta=-3, reason="loss", actor=SYSTEM)

    assert ledger()[-1] == movement(backorder_variant, "main", "loss", -3, 0, 2, 4)
    assert balances(backorder_variant, main) == (2, 4, True)


# --- count ------------------------------------------------------------------------------------


def test_count_down_writes_the_difference(stocked, main):
    returned = stock_count(
        variant=stocked, warehouse=main, quantity=4, actor=SYSTEM, reference="Count 2025-03"
    )

    assert ledger()[-1] == movement(
        stocked, "main", "count", -6, 0, 4, 3, reference="Count 2025-03"
    )
    assert returned.on_hand_delta == -6
    assert balances(stocked, main) == (4, 3, False)


def test_count_up_writes_the_difference(stocked, east):
    stock_count(variant=stocked, warehouse="east", quantity=9, actor=SYSTEM)

    assert ledger()[-1] == movement(stocked, "east", "count", 4, 0, 9, 0)
    assert balances(stocked, east) == (9, 0, False)


def test_count_to_zero_with_nothing_allocated(stocked, east):
    stock_count(variant=stocked, warehouse=east, quantity=0, actor=SYSTEM)

    assert ledger()[-1] == movement(stocked, "east", "count", -5, 0, 0, 0)
    assert balances(stocked, east) == (0, 0, False)


def test_count_of_an_unchanged_quantity_writes_nothing_and_returns_none(stocked, main):
    before = stock_state()

    assert stock_count(variant=stocked, warehouse=main, quantity=10, actor=SYSTEM) is None

    assert stock_state() == before


def test_count_below_the_allocated_units_is_refused_under_deny(stocked, main):
    before = stock_state()

    with pytest.raises(DomainError) as caught:
        stock_count(variant=stocked, warehouse=main, quantity=2, actor=SYSTEM)

    assert str(caught.value) == (
        "TEE-M in main: the count of 2 is below the 3 units allocated to orders. "
        "Release or reallocate them first."
    )
    assert caught.value.details == {"sku": "TEE-M", "warehouse": "main"}
    assert stock_state() == before


def test_count_below_the_allocated_units_is_allowed_under_continue(backorder_variant, main):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)
    stock_allocate(variant=backorder_variant, warehouse=main, quantity=4, actor=SYSTEM)

    stock_count(variant=backorder_variant, warehouse=main, quantity=1, actor=SYSTEM)

    assert ledger()[-1] == movement(backorder_variant, "main", "count", -4, 0, 1, 4)
    assert balances(backorder_variant, main) == (1, 4, True)


# --- transfer ---------------------------------------------------------------------------------


def test_transfer_writes_both_sides_with_a_default_reference(stocked, main, east):
    out, into = stock_transfer(
        variant=stocked, from_warehouse=main, to_warehouse=east, quantity=4, actor=SYSTEM
    )

    assert ledger()[-2:] == [
        movement(stocked, "main", "transfer_out", -4, 0, 6, 3, reference="transfer main→east"),
        movement(stocked, "east", "transfer_in", 4, 0, 9, 0, reference="transfer main→east"),
    ]
    assert (out.reason, out.warehouse_id, out.on_hand_after) == ("transfer_out", main.pk, 6)
    assert (into.reason, into.warehouse_id, into.on_hand_after) == ("transfer_in", east.pk, 9)
    assert balances(stocked, main) == (6, 3, False)
    assert balances(stocked, east) == (9, 0, False)


def test_transfer_by_code_to_a_new_warehouse_keeps_the_given_reference(stocked, main):
    user = UserFactory(username="lee")
    north = WarehouseFactory(code="north")

    stock_transfer(
        variant=stocked,
        from_warehouse="main",
        to_warehouse="north",
        quantity=7,
        actor=Actor.for_user(user),
        reference="TR-12",
        note="Rebalance",
    )

    who = {"actor_kind": "user", "actor_name": "lee", "actor_user": user.pk}
    assert ledger()[-2:] == [
        movement(
            stocked, "main", "transfer_out", -7, 0, 3, 3, reference="TR-12", note="Rebalance", **who
        ),
        movement(
            stocked, "north", "transfer_in", 7, 0, 7, 0, reference="TR-12", note="Rebalance", **who
        ),
    ]
    assert balances(stocked, main) == (3, 3, False)
    assert balances(stocked, north) == (7, 0, False)


def test_transfer_moves_only_unallocated_units(stocked, main):
    north = WarehouseFactory(code="north")
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_transfer(
            variant=stocked, from_warehouse=main, to_warehouse=north, quantity=8, actor=SYSTEM
        )

    error = caught.value
    assert (error.sku, error.warehouse, error.requested, error.available) == ("TEE-M", "main", 8, 7)
    assert str(error) == "Not enough stock of TEE-M in main: 8 requested, 7 available."
    assert stock_state() == before
    assert not StockLevel.objects.filter(warehouse=north).exists()


@pytest.mark.parametrize("target", ["main", "object"])
def test_transfer_to_the_same_warehouse_is_refused(stocked, main, target):
    before = stock_state()

    with pytest.raises(DomainError) as caught:
        stock_transfer(
            variant=stocked,
            from_warehouse=main,
            to_warehouse=main if target == "object" else target,
            quantity=1,
            actor=SYSTEM,
        )

    assert str(caught.value) == "A transfer needs two different warehouses."
    assert stock_state() == before


# --- allocate ---------------------------------------------------------------------------------


def test_allocate_reserves_units_without_touching_on_hand(stocked, main):
    stock_allocate(variant=stocked, warehouse=main, quantity=7, actor=SYSTEM, reference="#1042")

    assert ledger()[-1] == movement(stocked, "main", "allocation", 0, 7, 10, 10, reference="#1042")
    assert balances(stocked, main) == (10, 10, False)


def test_over_allocation_is_refused_under_deny(stocked, main):
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_allocate(variant=stocked, warehouse=main, quantity=8, actor=SYSTEM)

    error = caught.value
    assert (error.sku, error.warehouse, error.requested, error.available) == ("TEE-M", "main", 8, 7)
    assert str(error) == "Not enough stock of TEE-M in main: 8 requested, 7 available."
    assert error.details == {"sku": "TEE-M", "warehouse": "main", "requested": 8, "available": 7}
    assert stock_state() == before


def test_allocating_where_there_is_no_stock_row_is_refused_and_leaves_no_row(variant, main):
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_allocate(variant=variant, warehouse=main, quantity=1, actor=SYSTEM)

    assert str(caught.value) == "Not enough stock of TEE-M in main: 1 requested, 0 available."
    assert (caught.value.requested, caught.value.available) == (1, 0)
    assert stock_state() == before
    assert StockLevel.objects.count() == 0


def test_over_allocation_is_a_backorder_under_continue(backorder_variant, main):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)

    stock_allocate(variant=backorder_variant, warehouse=main, quantity=8, actor=SYSTEM)

    assert ledger()[-1] == movement(backorder_variant, "main", "allocation", 0, 8, 5, 8)
    assert balances(backorder_variant, main) == (5, 8, True)


def test_backorder_with_no_stock_at_all_under_continue(backorder_variant, main):
    stock_allocate(variant=backorder_variant, warehouse="main", quantity=2, actor=SYSTEM)

    assert ledger() == [movement(backorder_variant, "main", "allocation", 0, 2, 0, 2)]
    assert balances(backorder_variant, main) == (0, 2, True)


# --- release ----------------------------------------------------------------------------------


def test_release_gives_back_a_reservation(stocked, main):
    stock_release(variant=stocked, warehouse=main, quantity=2, actor=SYSTEM, reference="#1042")

    assert ledger()[-1] == movement(stocked, "main", "release", 0, -2, 10, 1, reference="#1042")
    assert balances(stocked, main) == (10, 1, False)


def test_release_of_everything_allocated(stocked, main):
    stock_release(variant=stocked, warehouse=main, quantity=3, actor=SYSTEM)

    assert balances(stocked, main) == (10, 0, False)


@pytest.mark.parametrize(("where", "quantity", "allocated"), [("main", 4, 3), ("east", 1, 0)])
def test_release_of_more_than_allocated_is_refused(stocked, where, quantity, allocated):
    before = stock_state()

    with pytest.raises(DomainError) as caught:
        stock_release(variant=stocked, warehouse=where, quantity=quantity, actor=SYSTEM)

    assert str(caught.value) == (
        f"Cannot release {quantity} of TEE-M in {where}: only {allocated} allocated."
    )
    assert caught.value.details == {
        "sku": "TEE-M",
        "warehouse": where,
        "requested": quantity,
        "allocated": allocated,
    }
    assert stock_state() == before


# --- ship -------------------------------------------------------------------------------------


def test_ship_takes_allocated_units_out_of_the_warehouse(stocked, main):
    stock_ship(variant=stocked, warehouse=main, quantity=2, actor=SYSTEM, reference="F-88")

    assert ledger()[-1] == movement(stocked, "main", "shipment", -2, -2, 8, 1, reference="F-88")
    assert balances(stocked, main) == (8, 1, False)


@pytest.mark.parametrize(("where", "quantity", "allocated"), [("main", 4, 3), ("east", 1, 0)])
def test_ship_of_more_than_allocated_is_refused(stocked, where, quantity, allocated):
    before = stock_state()

    with pytest.raises(DomainError) as caught:
        stock_ship(variant=stocked, warehouse=where, quantity=quantity, actor=SYSTEM)

    assert str(caught.value) == (
        f"Cannot ship {quantity} of TEE-M in {where}: only {allocated} allocated."
    )
    assert stock_state() == before


def test_ship_of_a_backorder_beyond_on_hand_is_insufficient_stock(backorder_variant, main):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=2, actor=SYSTEM)
    stock_allocate(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_ship(variant=backorder_variant, warehouse=main, quantity=3, actor=SYSTEM)

    error = caught.value
    assert (error.sku, error.warehouse, error.requested, error.available) == ("PRE-1", "main", 3, 2)
    assert str(error) == "Not enough stock of PRE-1 in main: 3 requested, 2 available."
    assert stock_state() == before


def test_insufficient_stock_of_a_variant_without_sku_names_its_options(main):
    nameless = VariantFactory(sku=None, option1="XL")
    stock_receive(variant=nameless, warehouse=main, quantity=1, actor=SYSTEM)
    before = stock_state()

    with pytest.raises(InsufficientStock) as caught:
        stock_allocate(variant=nameless, warehouse=main, quantity=2, actor=SYSTEM)

    error = caught.value
    assert (error.sku, error.warehouse, error.requested, error.available) == (None, "main", 2, 1)
    assert str(error) == "Not enough stock of XL in main: 2 requested, 1 available."
    assert stock_state() == before


# --- refusals shared by every service ----------------------------------------------------------

# Each service called on TEE-M with the warehouse under test; a transfer is tried both ways.
SERVICES = {
    "receive": lambda v, w, q: stock_receive(variant=v, warehouse=w, quantity=q, actor=SYSTEM),
    "adjust": lambda v, w, q: stock_adjust(
        variant=v, warehouse=w, delta=q, reason="correction", actor=SYSTEM
    ),
    "count": lambda v, w, q: stock_count(variant=v, warehouse=w, quantity=q, actor=SYSTEM),
    "transfer from": lambda v, w, q: stock_transfer(
        variant=v, from_warehouse=w, to_warehouse="east", quantity=q, actor=SYSTEM
    ),
    "transfer to": lambda v, w, q: stock_transfer(
        variant=v, from_warehouse="main", to_warehouse=w, quantity=q, actor=SYSTEM
    ),
    "allocate": lambda v, w, q: stock_allocate(variant=v, warehouse=w, quantity=q, actor=SYSTEM),
    "release": lambda v, w, q: stock_release(variant=v, warehouse=w, quantity=q, actor=SYSTEM),
    "ship": lambda v, w, q: stock_ship(variant=v, warehouse=w, quantity=q, actor=SYSTEM),
}


@pytest.mark.parametrize("service", SERVICES)
def test_an_unknown_warehouse_code_is_refused(stocked, service):
    before = stock_state()

    with pytest.raises(UnknownWarehouse) as caught:
        SERVICES[service](stocked, "nowhere", 1)

    assert str(caught.value) == "There is no warehouse with the code 'nowhere'."
    assert stock_state() == before


@pytest.mark.parametrize("service", SERVICES)
def test_an_unsaved_warehouse_is_refused(stocked, service):
    before = stock_state()

    with pytest.raises(UnknownWarehouse) as caught:
        SERVICES[service](stocked, Warehouse(code="ghost", name="Ghost"), 1)

    assert str(caught.value) == "Choose a warehouse."
    assert stock_state() == before


# Releasing and shipping only empty what a closed warehouse still holds for orders.
FILLING = [name for name in SERVICES if name not in ("release", "ship")]


@pytest.mark.parametrize("service", FILLING)
@pytest.mark.parametrize("given_as", ["code", "object"])
def test_an_inactive_warehouse_is_refused(stocked, service, given_as):
    closed = WarehouseFactory(code="closed", active=False)
    before = stock_state()

    with pytest.raises(UnknownWarehouse) as caught:
        SERVICES[service](stocked, "closed" if given_as == "code" else closed, 1)

    assert str(caught.value) == "Warehouse closed is inactive."
    assert stock_state() == before


def test_a_warehouse_object_is_checked_against_the_database(stocked, east):
    """An object loaded before the warehouse was closed does not get past the check."""
    Warehouse.objects.filter(pk=east.pk).update(active=False)
    assert east.active is True
    before = stock_state()

    with pytest.raises(UnknownWarehouse) as caught:
        stock_receive(variant=stocked, warehouse=east, quantity=1, actor=SYSTEM)

    assert str(caught.value) == "Warehouse east is inactive."
    assert stock_state() == before


POSITIVE = "Quantity must be a positive whole number, not {!r}."
ADJUSTMENT = "An adjustment must change the quantity, not {!r}."
COUNTED = "A counted quantity must be zero or more, not {!r}."
BAD_QUANTITIES = [
    *[
        (service, quantity, POSITIVE)
        for service in ("receive", "transfer from", "allocate", "release", "ship")
        for quantity in (0, -1, 1.0, 1.5, "2", True, None)
    ],
    *[("adjust", quantity, ADJUSTMENT) for quantity in (0, 1.0, -1.5, "2", True, False, None)],
    *[("count", quantity, COUNTED) for quantity in (-1, 4.0, "4", True, False, None)],
]


@pytest.mark.parametrize(("service", "quantity", "message"), BAD_QUANTITIES)
def test_a_quantity_that_is_not_a_valid_whole_number_is_refused(
    stocked, main, service, quantity, message
):
    before = stock_state()

    with pytest.raises(InvalidQuantity) as caught:
        SERVICES[service](stocked, main, quantity)

    assert str(caught.value) == message.format(quantity)
    assert stock_state() == before


# --- catalog services that stock depends on ---------------------------------------------------


def test_variant_save_refuses_deny_while_more_is_allocated_than_on_hand(backorder_variant, main):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=2, actor=SYSTEM)
    stock_allocate(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)
    before = stock_state()
    history_before = backorder_variant.history.count()

    backorder_variant.inventory_policy = InventoryPolicy.DENY
    with pytest.raises(DomainError) as caught:
        variant_save(variant=backorder_variant, actor=SYSTEM, reason="Stop backorders")

    assert str(caught.value) == (
        "PRE-1 has more units allocated than on hand; it must keep allowing backorders "
        "until those orders are shipped or released."
    )
    assert stock_state() == before
    assert balances(backorder_variant, main) == (2, 5, True)
    assert ProductVariant.objects.get(pk=backorder_variant.pk).inventory_policy == "continue"
    assert backorder_variant.history.count() == history_before


def test_variant_save_moves_the_policy_onto_its_stock_rows(backorder_variant, main, east):
    stock_receive(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)
    stock_allocate(variant=backorder_variant, warehouse=main, quantity=5, actor=SYSTEM)
    stock_receive(variant=backorder_variant, warehouse=east, quantity=1, actor=SYSTEM)
    movements = StockMovement.objects.count()

    backorder_variant.inventory_policy = InventoryPolicy.DENY
    variant_save(variant=backorder_variant, actor=SYSTEM, reason="Stop backorders")

    assert balances(backorder_variant, main) == (5, 5, False)
    assert balances(backorder_variant, east) == (1, 0, False)
    assert StockMovement.objects.count() == movements
    latest = backorder_variant.history.first()
    assert (latest.inventory_policy, latest.history_change_reason) == (
        "deny",
        "Stop backorders (test (System))",
    )

    backorder_variant.inventory_policy = InventoryPolicy.CONTINUE
    variant_save(variant=backorder_variant, actor=SYSTEM)

    assert balances(backorder_variant, main) == (5, 5, True)
    assert balances(backorder_variant, east) == (1, 0, True)


def test_variant_save_stores_a_blank_sku_as_null():
    first, second = VariantFactory(), VariantFactory()
    first.sku, second.sku = "  ", ""

    variant_save(variant=first, actor=SYSTEM)
    variant_save(variant=second, actor=SYSTEM)

    assert list(
        ProductVariant.objects.filter(pk__in=[first.pk, second.pk]).values_list("sku", flat=True)
    ) == [None, None]


def test_warehouse_save_moves_the_default_flag(main):
    user = UserFactory(username="owner")
    east = Warehouse(code="east", name="East", is_default=True)

    warehouse_save(warehouse=east, actor=Actor.for_user(user), reason="Opened")

    assert list(Warehouse.objects.values_list("code", "is_default")) == [
        ("east", True),
        ("main", False),
    ]
    main_history = main.history.first()
    assert (main_history.history_type, main_history.is_default) == ("~", False)
    assert main_history.history_change_reason == "Default moved to east"
    assert main_history.history_user == user
    east_history = east.history.get()
    assert (east_history.history_type, east_history.is_default) == ("+", True)
    assert (east_history.history_change_reason, east_history.history_user) == ("Opened", user)


def test_warehouse_save_of_the_default_itself_keeps_the_flag(main):
    main.name = "Main hall"

    warehouse_save(warehouse=main, actor=SYSTEM)

    assert list(Warehouse.objects.values_list("code", "name", "is_default")) == [
        ("main", "Main hall", True)
    ]
    assert main.history.first().history_change_reason == "Edited (test (System))"


def test_product_set_status_writes_one_history_row_per_changed_product():
    user = UserFactory(username="editor")
    drafts = [ProductFactory(status="draft"), ProductFactory(status="draft")]
    already = ProductFactory(status="active")
    untouched = ProductFactory(status="draft")
    chosen = Product.objects.filter(pk__in=[*(p.pk for p in drafts), already.pk])
    counts = {p.pk: p.history.count() for p in [*drafts, already, untouched]}

    changed = product_set_status(products=chosen, status="active", actor=Actor.for_user(user))

    assert changed == 2
    for product in drafts:
        assert product.history.count() == counts[product.pk] + 1
        row = product.history.first()
        assert (row.history_type, row.status) == ("~", "active")
        assert (row.history_change_reason, row.history_user) == ("Status set to Active", user)
    assert already.history.count() == counts[already.pk]
    assert untouched.history.count() == counts[untouched.pk]
    assert dict(Product.objects.values_list("pk", "status")) == {
        drafts[0].pk: "active",
        drafts[1].pk: "active",
        already.pk: "active",
        untouched.pk: "draft",
    }


def test_product_set_status_by_the_system_names_it_in_the_reason():
    product = ProductFactory(status="active")

    changed = product_set_status(
        products=Product.objects.all(), status="archived", actor=Actor.system("nightly cleanup")
    )

    assert changed == 1
    row = product.history.first()
    assert row.history_change_reason == "Status set to Archived (nightly cleanup (System))"
    assert row.history_user is None


def test_product_set_status_refuses_an_unknown_status():
    product = ProductFactory(status="draft")
    history = product.history.count()

    with pytest.raises(DomainError) as caught:
        product_set_status(products=Product.objects.all(), status="published", actor=SYSTEM)

    assert str(caught.value) == "'published' is not a product status."
    assert Product.objects.get().status == "draft"
    assert product.history.count() == history


def test_reservations_in_a_closed_warehouse_can_still_ship_or_be_released(stocked, main, east):
    stock_allocate(variant=stocked, warehouse=east, quantity=2, actor=SYSTEM)
    Warehouse.objects.filter(pk=east.pk).update(active=False)  # closed before this change

    stock_ship(variant=stocked, warehouse=east, quantity=1, actor=SYSTEM)
    stock_release(variant=stocked, warehouse=east, quantity=1, actor=SYSTEM)

    assert StockLevel.objects.get(variant=stocked, warehouse=east).on_hand == 4
    assert StockLevel.objects.get(variant=stocked, warehouse=east).allocated == 0


def test_a_warehouse_holding_reservations_cannot_be_closed(stocked, main, east):
    main.active = False
    before = stock_state()

    with pytest.raises(DomainError, match="holds stock allocated to orders on 1 row"):
        warehouse_save(warehouse=main, actor=SYSTEM)

    assert Warehouse.objects.get(pk=main.pk).active is True
    assert stock_state() == before
    east.active = False
    warehouse_save(warehouse=east, actor=SYSTEM)  # nothing reserved there
    assert Warehouse.objects.get(pk=east.pk).active is False
