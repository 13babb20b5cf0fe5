"""How numbers read in the product's text."""

from decimal import Decimal


def percent(rate: Decimal) -> str:
    """20.000 → "20 %", 5.500 → "5.5 %" (never "2E+1")."""
    return f"{format(rate.normalize(), 'f')} %"


def tax_rate_label(rate: Decimal, exempt: bool) -> str:
    """How documents and pages print a tax rate: "20 %", or "Exempt" for exempt goods (never
    a bare "0 %" that reads like a forgotten rate)."""
    return "Exempt" if exempt else percent(rate)
