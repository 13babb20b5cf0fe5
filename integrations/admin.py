"""The Owner's integration pages: storefront API keys, and Stripe's webhook events (what Stripe
said and what became of it)."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.contrib.filters.admin import ChoicesCheckboxFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from backoffice.admin import BaseAdmin, HistoryAdmin
from backoffice.admin_services import actor_of, report_domain_errors
from integrations import services
from integrations.models import ApiClient, Scope, StripeEvent


@admin.register(StripeEvent)
class StripeEventAdmin(BaseAdmin):
    list_display = ("received_at", "type", "event_id", "state_badge", "attempts", "error")
    list_filter = (("state", ChoicesCheckboxFilter), "type")
    list_filter_submit = True
    search_fields = ("event_id", "type")
    paginator = InfinitePaginator
    show_full_result_count = False
    readonly_fields = (
        "event_id",
        "type",
        "state",
        "error",
        "stripe_created_at",
        "received_at",
        "processed_at",
        "attempts",
        "payload",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @display(
        description="State",
        ordering="state",
        label={
            "processed": "success",
            "ignored": "info",
            "failed": "danger",
            "received": "warning",
        },
    )
    def state_badge(self, obj):
        return obj.state


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="What the key may do. Keys read only their own channel's orders.",
    )

    class Meta:
        model = ApiClient
        fields = ("name", "channel", "scopes")


@admin.register(ApiClient)
class ApiClientAdmin(HistoryAdmin):
    """Storefront keys: issued here (the secret is shown once), revoked here, never deleted."""

    form = ApiClientForm
    list_display = ("name", "prefix_display", "channel", "scopes_display", "state", "last_used_at")
    list_filter = ("channel",)
    search_fields = ("name", "prefix")
    list_select_related = ("channel",)
    readonly_fields = ("prefix_display", "created_at", "created_by", "last_used_at", "revoked_at")
    actions_detail = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "channel", "scopes")
        return ("name", "channel", "scopes", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        # A key stays with its channel: a new channel gets a new key.
        return (*self.readonly_fields, "channel") if obj else ()

    @display(description="Key")
    def prefix_display(self, obj):
        return f"bo_{obj.prefix}_…"

    @display(description="Scopes")
    def scopes_display(self, obj):
        return ", ".join(obj.scopes)

    @display(description="State", label={"Active": "success", "Revoked": "danger"})
    def state(self, obj):
        return "Active" if obj.active else "Revoked"

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, so the history of who used which key stays

    def save_model(self, request, obj, form, change):
        actor = actor_of(request)
        if change:
            services.api_client_update(client=obj, actor=actor)
            return
        issued = services.api_client_create(
            name=obj.name, channel=obj.channel, scopes=obj.scopes, actor=actor
        )
        # The admin goes on with `obj` (its messages and log entry name it): make it the
        # key that was issued.
        obj.pk, obj.prefix, obj.created_at = (
            issued.client.pk,
            issued.client.prefix,
            issued.client.created_at,
        )
        messages.warning(
            request,
            f"Copy this key now, it will not be shown again: {issued.key}",
        )

    @action(description="Revoke", url_path="revoke", icon="key_off", permissions=["change"])
    def revoke(self, request, object_id):
        client = get_object_or_404(ApiClient, pk=object_id)
        if request.method == "POST":
            if report_domain_errors(
                request, lambda: services.api_client_revoke(client=client, actor=actor_of(request))
            ):
                messages.success(request, f"Key {client.prefix}… revoked: it no longer works.")
            return redirect(reverse("admin:integrations_apiclient_change", args=[client.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Revoke {client}",
            "form": forms.Form(),
            "summary": [("Key", f"bo_{client.prefix}_…"), ("Channel", client.channel)],
            "explanation": "A revoked key stops working at once, for good.",
            "submit_label": "Revoke",
            "cancel_url": reverse("admin:integrations_apiclient_change", args=[client.pk]),
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)
