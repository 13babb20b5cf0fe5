from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Administration"

    def ready(self):
        from celery.signals import task_prerun
        from django.core.signals import request_started
        from django.db.models.signals import post_migrate, pre_migrate

        from backoffice.money import migrations_finished, migrations_started
        from backoffice.selectors import forget_thread_store_settings

        # Each request and task reads the store settings afresh (one cache read).
        request_started.connect(forget_thread_store_settings, dispatch_uid="store-settings")
        task_prerun.connect(forget_thread_store_settings, dispatch_uid="store-settings")
        # Money columns take the store currency's decimals, except while the schema changes.
        pre_migrate.connect(migrations_started, dispatch_uid="money-migrations-started")
        post_migrate.connect(migrations_finished, dispatch_uid="money-migrations-finished")
