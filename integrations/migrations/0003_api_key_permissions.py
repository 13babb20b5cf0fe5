from django.db import migrations

from backoffice.roles import OWNER, grant, revoke

# The Owner issues, reads and revokes storefront API keys; nobody else sees them.
GRANTS = {OWNER: {"integrations.ApiClient": ["add", "change", "view"]}}


def forwards(apps, schema_editor):
    for role, grants in GRANTS.items():
        grant(apps, role, grants)


def backwards(apps, schema_editor):
    for role, grants in GRANTS.items():
        revoke(apps, role, grants)


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_api_keys_and_change_log"),
        ("backoffice", "0001_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
