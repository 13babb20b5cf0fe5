"""The roles people hold. Each is a Django group created by a migration; each app's own
migrations grant roles the permissions on its models with `grant` (the README keeps the
permission matrix)."""

from django.contrib.auth.management import create_permissions

OWNER = "Owner"
MERCHANT = "Merchant"
ACCOUNTANT = "Accountant"

ALL = (OWNER, MERCHANT, ACCOUNTANT)
DEFAULT_ACTIONS = ("add", "change", "delete", "view")


def _ensure_permissions_exist(apps) -> None:
    # Permissions are normally created after all migrations ran; a fresh database needs them
    # now, inside the migration that grants them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _permissions(apps, grants: dict[str, list[str]]):
    permission_model = apps.get_model("auth", "Permission")
    for model_label, actions in grants.items():
        app_label, model_name = model_label.lower().split(".")
        # Django's four actions name a model's permission; anything else is a custom
        # permission's own codename (declared in the model's Meta.permissions).
        codenames = [
            f"{action}_{model_name}" if action in DEFAULT_ACTIONS else action for action in actions
        ]
        found = permission_model.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
        if len(found) != len(codenames):
            raise LookupError(f"missing permissions for {model_label}: {codenames}")
        yield from found


def grant(apps, role: str, grants: dict[str, list[str]]) -> None:
    """Give `role` the actions on each model, from a data migration (`apps` is its registry):

    grant(apps, MERCHANT, {"inventory.Product": ["view", "change"]})
    """
    _ensure_permissions_exist(apps)
    group = apps.get_model("auth", "Group").objects.get(name=role)
    group.permissions.add(*_permissions(apps, grants))


def revoke(apps, role: str, grants: dict[str, list[str]]) -> None:
    """The reverse of `grant`, for a migration's backwards step."""
    group = apps.get_model("auth", "Group").objects.filter(name=role).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, grants))


def grants_operation(grants_by_role: dict[str, dict[str, list[str]]]):
    """The migration operation that grants each role its permissions (and takes them back
    when the migration is reversed)."""
    from django.db import migrations

    def forwards(apps, schema_editor):
        for role, grants in grants_by_role.items():
            grant(apps, role, grants)

    def backwards(apps, schema_editor):
        for role, grants in grants_by_role.items():
            revoke(apps, role, grants)

    return migrations.RunPython(forwards, backwards)
