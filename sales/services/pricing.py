"""Money arithmetic for orders and tax documents: `Decimal` only, rounded half up to the
document currency's minor units once per line; every total is a sum of rounded lines."""

from dataclasses import dataclass
from decimal import Decimal

from backoffice.exceptions import DomainError
from backoffice.money import check_fits, round_money

ZERO = Decimal(0)


def money(value, currency: str) -> Decimal:
    return round_money(value, currency)


def tax_of(amount: Decimal, rate: Decimal, *, included: bool, currency: str) -> Decimal:
    """The tax in `amount` (included) or on top of it (not included), at `rate` percent."""
    if included:
        return money(amount * rate / (100 + rate), currency)
    return money(amount * rate / 100, currency)


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal  # unit price × quantity
    discount: Decimal
    tax: Decimal
    total: Decimal  # after discount, with tax


def line_amounts(
    *,
    unit_price: Decimal,
    quantity: int,
    discount: Decimal,
    tax_rate: Decimal,
    included: bool,
    currency: str,
) -> LineAmounts:
    subtotal = money(unit_price * quantity, currency)
    discount = money(discount, currency)
    if discount < 0 or discount > subtotal:
        raise DomainError(
            f"A line's discount must be between 0 and its subtotal of {subtotal}, not {discount}."
        )
    after_discount = subtotal - discount
    tax = tax_of(after_discount, tax_rate, included=included, currency=currency)
    total = check_fits(after_discount if included else after_discount + tax, currency)
    return LineAmounts(subtotal, discount, tax, total)


@dataclass(frozen=True)
class ShippingAmounts:
    net: Decimal
    tax: Decimal


def shipping_amounts(
    *, amount: Decimal, tax_rate: Decimal, included: bool, currency: str
) -> ShippingAmounts:
    amount = money(amount, currency)
    if amount < 0:
        raise DomainError(f"Shipping cannot be negative ({amount}).")
    check_fits(amount + tax_of(amount, tax_rate, included=False, currency=currency), currency)
    tax = tax_of(amount, tax_rate, included=included, currency=currency)
    return ShippingAmounts(net=amount - tax if included else amount, tax=tax)


def share(total: Decimal, part: int, whole: int, currency: str) -> Decimal:
    """`part` units' share of a line `total` for `whole` units, rounded once."""
    return money(total * part / whole, currency)


def split_by_weight(amount: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `amount` in proportion to `weights`, to the currency's smallest unit, the last
    part taking what rounding left over, so the parts always add up to `amount`."""
    whole = sum(weights)
    parts = [money(amount * weight / whole, currency) for weight in weights[:-1]]
    return [*parts, amount - sum(parts, ZERO)]
