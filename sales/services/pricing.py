"""Money arithmetic for orders and tax documents: `Decimal` only, rounded half-up to the
cent once per line; every total is a sum of rounded lines."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from backoffice.exceptions import DomainError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_of(amount: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """The tax in `amount` (included) or on top of it (not included), at `rate` percent."""
    if included:
        return money(amount * rate / (100 + rate))
    return money(amount * rate / 100)


@dataclass(frozen=True)
class LineAmounts:
    subtotal: Decimal  # unit price × quantity
    discount: Decimal
    tax: Decimal
    total: Decimal  # after discount, with tax


def line_amounts(
    *, unit_price: Decimal, quantity: int, discount: Decimal, tax_rate: Decimal, included: bool
) -> LineAmounts:
    subtotal = money(unit_price * quantity)
    discount = money(discount)
    if discount < 0 or discount > subtotal:
        raise DomainError(
            f"A line's discount must be between 0 and its subtotal of {subtotal}, not {discount}."
        )
    after_discount = subtotal - discount
    tax = tax_of(after_discount, tax_rate, included=included)
    total = after_discount if included else after_discount + tax
    return LineAmounts(subtotal, discount, tax, total)


@dataclass(frozen=True)
class ShippingAmounts:
    net: Decimal
    tax: Decimal


def shipping_amounts(*, amount: Decimal, tax_rate: Decimal, included: bool) -> ShippingAmounts:
    amount = money(amount)
    if amount < 0:
        raise DomainError(f"Shipping cannot be negative ({amount}).")
    tax = tax_of(amount, tax_rate, included=included)
    return ShippingAmounts(net=amount - tax if included else amount, tax=tax)


def share(total: Decimal, part: int, whole: int) -> Decimal:
    """`part` units' share of a line `total` for `whole` units, rounded once."""
    return money(total * part / whole)


def split_by_weight(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `amount` in proportion to `weights`, to the cent, the last part taking what
    rounding left over, so the parts always add up to `amount`."""
    whole = sum(weights)
    parts = [money(amount * weight / whole) for weight in weights[:-1]]
    return [*parts, amount - sum(parts, ZERO)]
