from django.db import migrations

from backoffice.roles import OWNER, grants_operation

# The Owner issues, reads and revokes storefront API keys; nobody else sees them.
GRANTS = {OWNER: {"integrations.ApiClient": ["add", "change", "view"]}}


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_api_keys_and_change_log"),
        ("backoffice", "0001_roles"),
    ]

    operations = [grants_operation(GRANTS)]
