"""The Owner's integration pages: storefront API keys, webhooks to storefronts (endpoints and
the delivery log, with replay), and Stripe's webhook events (what Stripe said and what became
of it)."""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from unfold.contrib.filters.admin import ChoicesCheckboxFilter
from unfold.decorators import action, display
from unfold.paginator import InfinitePaginator
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminURLInputWidget

from backoffice.admin import BaseAdmin, HistoryAdmin, ReadOnlyMixin
from backoffice.admin_services import actor_of, report_domain_errors
from integrations import services
from integrations.models import (
    ApiClient,
    Scope,
    StripeEvent,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
)
from integrations.webhooks import endpoints as webhooks
from integrations.webhooks.delivery import webhook_deliver
from integrations.webhooks.targets import TargetRefused, target_check


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyMixin, BaseAdmin):
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


# --- webhooks ---------------------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="Address",
        max_length=2000,
        assume_scheme="https",
        widget=UnfoldAdminURLInputWidget,
        help_text="A public https:// address of the storefront that receives the events.",
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="Order events are those of this channel's orders; catalog events are sent "
        "to every channel.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("channel", "url", "description", "events", "active")
        help_texts = {
            "active": "Unticked, nothing is sent. An endpoint that keeps failing is unticked "
            "by itself; tick it again once it is fixed.",
        }

    def clean_url(self):
        """An address inside the network is refused here, before anything is saved (the
        service refuses it too, whatever door it comes through)."""
        url = self.cleaned_data["url"]
        try:
            target_check(url)
        except TargetRefused as refused:
            raise forms.ValidationError(str(refused)) from refused
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(HistoryAdmin):
    """Where storefronts are told of changes. The secret is shown to the Owner alone: the
    storefront verifies each message's signature with it."""

    form = WebhookEndpointForm
    list_display = ("url", "channel", "events_display", "state", "failures_in_a_row")
    list_filter = ("channel", "active")
    search_fields = ("url", "description")
    list_select_related = ("channel",)
    readonly_fields = (
        "secret",
        "disabled_reason",
        "failures_in_a_row",
        "deliveries",
        "created_at",
        "created_by",
    )
    actions_detail = ("rotate_secret",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("channel", "url", "description", "events")
        return ("channel", "url", "description", "events", "active", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "channel") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # disabled instead, so its deliveries stay on record

    @display(description="Events")
    def events_display(self, obj):
        return ", ".join(obj.events)

    @display(description="State", label={"Active": "success", "Disabled": "danger"})
    def state(self, obj):
        return "Active" if obj.active else "Disabled"

    @display(description="Deliveries")
    def deliveries(self, obj):
        url = reverse("admin:integrations_webhookmessage_changelist")
        return format_html('<a href="{}?endpoint__id__exact={}">See every message</a>', url, obj.pk)

    def save_model(self, request, obj, form, change):
        actor = actor_of(request)
        if change:
            done = report_domain_errors(
                request, lambda: webhooks.webhook_endpoint_update(endpoint=obj, actor=actor)
            )
            return done
        made = webhooks.webhook_endpoint_create(
            channel=obj.channel,
            url=obj.url,
            events=obj.events,
            description=obj.description,
            actor=actor,
        )
        obj.pk, obj.secret, obj.created_at = made.pk, made.secret, made.created_at

    @action(description="Replace secret", url_path="rotate", icon="key", permissions=["change"])
    def rotate_secret(self, request, object_id):
        endpoint = get_object_or_404(WebhookEndpoint, pk=object_id)
        change_url = reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
        if request.method == "POST":
            webhooks.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=actor_of(request))
            messages.warning(request, "A new secret signs every message from now on.")
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Replace the secret of {endpoint}",
            "form": forms.Form(),
            "summary": [("Endpoint", endpoint.url), ("Channel", endpoint.channel)],
            "explanation": "Messages are signed with the new secret at once: give it to the "
            "storefront first, or it will refuse them until it has it.",
            "submit_label": "Replace secret",
            "cancel_url": change_url,
        }
        return TemplateResponse(request, "backoffice/action_form.html", context)


class WebhookAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "status_code", "error", "response_excerpt", "duration_ms", "replay")
    readonly_fields = fields
    ordering = ("-id",)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("integrations.view_webhookmessage")  # a message's part


@admin.register(WebhookMessage)
class WebhookMessageAdmin(ReadOnlyMixin, BaseAdmin):
    """The delivery log: every message, where it stands, and each attempt's answer."""

    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "state_badge",
        "attempts",
        "last_answer",
        "next_attempt_at",
    )
    list_filter = (("state", ChoicesCheckboxFilter), "event_type", "endpoint")
    list_filter_submit = True
    search_fields = ("webhook_id", "body")
    list_select_related = ("endpoint",)
    paginator = InfinitePaginator
    show_full_result_count = False
    fields = (
        "webhook_id",
        "endpoint",
        "event_type",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "body_display",
    )
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)
    actions = ("replay_selected",)
    actions_detail = ("replay",)

    def has_replay_permission(self, request, object_id=None):
        return request.user.has_perm("integrations.change_webhookendpoint")

    def get_queryset(self, request):
        last = WebhookAttempt.objects.filter(message=OuterRef("pk")).order_by("-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_status=Subquery(last.values("status_code")[:1]),
                last_error=Subquery(last.values("error")[:1]),
            )
        )

    @display(
        description="State",
        ordering="state",
        label={"delivered": "success", "pending": "warning", "failed": "danger"},
    )
    def state_badge(self, obj):
        return obj.state

    @display(description="Body")
    def body_display(self, obj):
        try:
            shown = json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False)
        except ValueError:
            shown = obj.body
        return format_html('<pre class="whitespace-pre-wrap text-xs">{}</pre>', shown)

    @display(description="Last answer")
    def last_answer(self, obj):
        return obj.last_status or obj.last_error or "—"

    @action(description="Send again", url_path="replay", icon="replay", permissions=["replay"])
    def replay(self, request, object_id):
        message = get_object_or_404(WebhookMessage, pk=object_id)
        change_url = reverse("admin:integrations_webhookmessage_change", args=[message.pk])
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Send {message.event_type} again",
                "form": forms.Form(),
                "summary": [("Endpoint", message.endpoint.url), ("Id", message.webhook_id)],
                "explanation": "The same message, with the same id, signed now.",
                "submit_label": "Send again",
                "cancel_url": change_url,
            }
            return TemplateResponse(request, "backoffice/action_form.html", context)
        _replayed(request, [message.pk])
        return redirect(change_url)

    @action(description="Send again", permissions=["replay"])
    def replay_selected(self, request, queryset):
        _replayed(request, list(queryset.values_list("pk", flat=True)[:100]))


def _replayed(request, message_ids: list[int]) -> None:
    attempts = [webhook_deliver(message_id, replay=True) for message_id in message_ids]
    made = [attempt for attempt in attempts if attempt is not None]
    answered = sum(1 for attempt in made if attempt.status_code and attempt.status_code < 300)
    skipped = len(message_ids) - len(made)
    text = f"Sent {len(made)}: {answered} accepted."
    if skipped:
        text += f" {skipped} not sent (endpoint disabled, or being sent right now)."
    level = messages.SUCCESS if answered == len(message_ids) else messages.WARNING
    messages.add_message(request, level, text)
