"""Forms for requesting and scheduling reports: they offer only the reports the user's role
may request."""

from typing import cast

from django import forms
from unfold.widgets import (
    UnfoldAdminDateWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
)

from backoffice.exceptions import DomainError
from reporting.models import ReportFormat, ReportSchedule
from reporting.periods import PRESETS
from reporting.reports import CATALOGUE
from reporting.services import may_request, parameters_for
from sales.models import Channel

GROUPINGS = [("day", "Day"), ("week", "Week"), ("month", "Month")]


def report_choices(user) -> list[tuple[str, str]]:
    return [(kind, report.title) for kind, report in CATALOGUE.items() if may_request(user, kind)]


def _select(choices, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices, widget=UnfoldAdminSelectWidget, **kwargs)


class RequestReportForm(forms.Form):
    kind = _select([], label="Report")
    preset = _select(list(PRESETS.items()), label="Period", initial="last_month")
    start = forms.DateField(
        required=False, widget=UnfoldAdminDateWidget, help_text="For custom dates."
    )
    end = forms.DateField(
        required=False, widget=UnfoldAdminDateWidget, help_text="For custom dates; included."
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.all(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        empty_label="All channels",
    )
    grouping = _select(GROUPINGS, initial="day", help_text="For the sales summary.")
    format = _select(ReportFormat.choices, initial="xlsx")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = report_choices(user)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            data["parameters"] = parameters_for(
                preset=data["preset"],
                start=data.get("start"),
                end=data.get("end"),
                channel_id=data["channel"].pk if data.get("channel") else None,
                grouping=data["grouping"],
            )
        except DomainError as error:
            raise forms.ValidationError(str(error)) from error
        return data


class ReportScheduleForm(forms.ModelForm):
    kind = _select([], label="Report")
    preset = _select([(k, v) for k, v in PRESETS.items() if k != "custom"], label="Period")

    class Meta:
        model = ReportSchedule
        fields = ("kind", "preset", "frequency", "format", "channel", "recipients", "active")
        widgets = {"recipients": UnfoldAdminTextareaWidget(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = report_choices(user) if user else []

    def clean_recipients(self):
        addresses = [
            line.strip() for line in self.cleaned_data["recipients"].splitlines() if line.strip()
        ]
        validator = forms.EmailField()
        bad = []
        for address in addresses:
            try:
                validator.clean(address)
            except forms.ValidationError:
                bad.append(address)
        if bad:
            raise forms.ValidationError(f"Not email addresses: {', '.join(bad)}.")
        if not addresses:
            raise forms.ValidationError("Give at least one address.")
        return "\n".join(addresses)
