from django.db import migrations

from backoffice.roles import ALL, OWNER, grant, revoke

# The Owner manages people, their roles and login lockouts.
OWNER_GRANTS = {
    "auth.User": ["add", "change", "delete", "view"],
    "auth.Group": ["add", "change", "delete", "view"],
    "axes.AccessAttempt": ["view", "delete"],
    "axes.AccessLog": ["view"],
}


def create_roles(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for name in ALL:
        group_model.objects.get_or_create(name=name)
    grant(apps, OWNER, OWNER_GRANTS)


def remove_roles(apps, schema_editor):
    revoke(apps, OWNER, OWNER_GRANTS)
    apps.get_model("auth", "Group").objects.filter(name__in=ALL).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0009_add_session_hash"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
