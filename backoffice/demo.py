"""The demo shop's own details: a French company, so that invoices name a seller as EU law
asks (legal name, address, VAT and company numbers) and tax applies by default."""

from backoffice.actors import Actor
from backoffice.selectors import store_settings
from backoffice.services import store_settings_update

DEMO_STORE = {
    "legal_name": "Maison Exemple SARL",
    "trading_name": "Maison Exemple",
    "address_line1": "12 rue des Artisans",
    "postal_code": "75011",
    "city": "Paris",
    "country": "FR",
    "vat_number": "FR11123456782",
    "company_number": "RCS Paris 123 456 782",
    "email": "hello@maison-exemple.example",
    "phone": "+33 1 84 60 12 34",
    "invoice_footer": (
        "Payment due within 30 days of the invoice date, by bank transfer to "
        "IBAN FR76 3000 6000 0112 3456 7890 189 (BIC AGRIFRPP). Late payments bear interest "
        "at three times the legal rate and a fixed recovery fee of 40 EUR."
    ),
    "credit_note_footer": "Refunds are paid back to the original means of payment.",
}


def seed_store_settings(tax_classes: dict) -> bool:
    """Fill in the demo shop unless the store already names a seller; False when it does."""
    if store_settings().legal_name:
        return False
    values = dict(DEMO_STORE)
    if "standard" in tax_classes:
        values["default_tax_class"] = tax_classes["standard"]
        values["shipping_tax_class"] = tax_classes["standard"]
    store_settings_update(actor=Actor.system("seed_demo"), reason="Demo store", **values)
    return True
