from django.db import migrations

from backoffice.roles import ACCOUNTANT, MERCHANT, OWNER, grants_operation

# Orders are placed, fulfilled and cancelled with "change"; a payment, refund, shipment or
# invoice is recorded with "add" on its model. Issued documents are never changed by anyone.
SELLING = {
    "sales.Customer": ["add", "change", "view"],
    "sales.Address": ["add", "change", "delete", "view"],
    "sales.Order": ["add", "change", "view"],
    "sales.OrderNote": ["add", "view"],
    "sales.Payment": ["add", "view"],
    "sales.Refund": ["add", "view"],
    "sales.Fulfillment": ["add", "view"],
    "sales.Invoice": ["add", "view"],
    "sales.CreditNote": ["view"],
}
GRANTS = {
    OWNER: {
        **SELLING,
        "sales.Channel": ["add", "change", "delete", "view"],
        "integrations.StripeEvent": ["view"],
    },
    MERCHANT: {**SELLING, "sales.Channel": ["view"]},
    ACCOUNTANT: {model: ["view"] for model in [*SELLING, "sales.Channel"]},
}


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0002_issued_documents_immutable"),
        ("integrations", "0001_stripe_events"),
        ("backoffice", "0001_roles"),
    ]

    operations = [grants_operation(GRANTS)]
