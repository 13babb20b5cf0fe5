from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Administration"

    def ready(self):
        from celery.signals import task_prerun
        from django.core.signals import request_started

        from backoffice.selectors import forget_thread_store_settings

        # Each request and task reads the store settings afresh (one cache read).
        request_started.connect(forget_thread_store_settings, dispatch_uid="store-settings")
        task_prerun.connect(forget_thread_store_settings, dispatch_uid="store-settings")
