"""The form that starts an import: what kind of file, and the file."""

from typing import cast

from django import forms
from django.conf import settings
from unfold.widgets import UnfoldAdminSelectWidget

from imports.models import ImportKind
from imports.services import IMPORTERS, may_import


class NewImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", widget=UnfoldAdminSelectWidget)
    file = forms.FileField(
        help_text=f"csv (comma, semicolon or tab; UTF-8, Windows-1252 or Latin-1) or xlsx, up "
        f"to {settings.IMPORT_MAX_UPLOAD_MB} MB. Nothing changes until you apply the preview."
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [
            (kind, ImportKind(kind).label) for kind in IMPORTERS if may_import(user, kind)
        ]
