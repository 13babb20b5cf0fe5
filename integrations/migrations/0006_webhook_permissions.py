from django.db import migrations

from backoffice.roles import OWNER, grants_operation

# The Owner adds and changes webhook endpoints and reads their deliveries; nobody else sees
# them (an endpoint's secret signs what the storefront trusts).
GRANTS = {
    OWNER: {
        "integrations.WebhookEndpoint": ["add", "change", "view"],
        "integrations.WebhookMessage": ["view"],
    }
}


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_webhooks"),
        ("backoffice", "0001_roles"),
    ]

    operations = [grants_operation(GRANTS)]
