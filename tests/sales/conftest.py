"""A small shop for the sales tests: two warehouses, two stocked variants, a channel and a
customer. Stock is received through the services, as the product does."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from backoffice.actors import Actor
from inventory.models import ProductVariant, StockLevel, StockMovement, Warehouse
from inventory.services import stock_receive
from sales.models import Channel, Customer, Order
from sales.services import LineRequest, order_create, order_place
from tests.conftest import set_store
from tests.factories import (
    AddressFactory,
    ChannelFactory,
    CustomerFactory,
    TaxClassFactory,
    VariantFactory,
    WarehouseFactory,
)

SYSTEM = Actor.system("test")


@dataclass
class Shop:
    main: Warehouse
    east: Warehouse
    tee: ProductVariant  # 19.90, 20 % tax; 5 in main, 3 in east
    mug: ProductVariant  # 12.50, 5.5 % tax; 10 in main
    channel: Channel
    customer: Customer

    def draft(self, *lines: tuple[ProductVariant, int], **kwargs) -> Order:
        requests = [LineRequest(variant=variant, quantity=quantity) for variant, quantity in lines]
        return order_create(
            channel=self.channel,
            customer=self.customer,
            lines=requests,
            actor=SYSTEM,
            shipping_address=AddressFactory(customer=self.customer),
            **kwargs,
        )

    def placed(self, *lines: tuple[ProductVariant, int], **kwargs) -> Order:
        return order_place(order=self.draft(*lines, **kwargs), actor=SYSTEM)


@pytest.fixture(autouse=True)
def _selling_store(store):
    """Every test here sells: the store names its seller and has a default tax class."""


@pytest.fixture
def shop(db) -> Shop:
    main = WarehouseFactory(code="main", is_default=True)
    east = WarehouseFactory(code="east")
    standard = TaxClassFactory(name="Standard", rate=Decimal("20"))
    reduced = TaxClassFactory(name="Reduced", rate=Decimal("5.5"))
    set_store(shipping_tax_class=standard)
    tee = VariantFactory(
        sku="TEE-M",
        option1="M",
        price=Decimal("19.90"),
        product__title="Linen tee",
        product__tax_class=standard,
    )
    mug = VariantFactory(
        sku="MUG",
        option1="Speckled",
        price=Decimal("12.50"),
        product__title="Stoneware mug",
        product__tax_class=reduced,
    )
    stock_receive(variant=tee, warehouse=main, quantity=5, actor=SYSTEM)
    stock_receive(variant=tee, warehouse=east, quantity=3, actor=SYSTEM)
    stock_receive(variant=mug, warehouse=main, quantity=10, actor=SYSTEM)
    return Shop(main, east, tee, mug, ChannelFactory(), CustomerFactory())


def stock_of(variant, warehouse) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    return level.on_hand, level.allocated


def ledger_count() -> int:
    return StockMovement.objects.count()
