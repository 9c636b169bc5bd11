"""Form fields every app uses."""

from datetime import datetime

from django import forms
from django.utils import timezone

from core.spreadsheets import format_moment, parse_moment

# What people type: a UK date and a 24-hour time, seconds only when they matter.
MOMENT_ENTRY_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"]


class MomentInput(forms.TextInput):
    """One text box for a date and time (one tab stop, where Django's split widget takes two plus their
    "Now" and calendar shortcuts), showing seconds only when the stored time has them."""

    def __init__(self, attrs=None):
        super().__init__({"size": 19, "autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime):
            return format_moment(value, seconds=bool(timezone.localtime(value).second))
        return super().format_value(value)


class MomentField(forms.Field):
    """A date and time in UK time, typed as dd/mm/yyyy hh:mm (or hh:mm:ss)."""

    widget = MomentInput
    default_error_messages = {
        "invalid": "Enter a date and time as dd/mm/yyyy hh:mm, for example 01/03/2024 09:05.",
    }

    def to_python(self, value):
        try:
            return parse_moment(value, MOMENT_ENTRY_FORMATS)
        except (ValueError, OverflowError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


class SpreadsheetUploadField(forms.FileField):
    """A file upload limited to some spreadsheet types and a size in MB, with messages that say so."""

    def __init__(self, *args, extensions, max_mb, **kwargs):
        self.extensions, self.max_mb = tuple(extensions), max_mb
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and not upload.name.lower().endswith(self.extensions):
            raise forms.ValidationError(f"Choose a {' or '.join(self.extensions)} file.")
        if upload and upload.size > self.max_mb * 1024 * 1024:
            raise forms.ValidationError(f"The file is larger than {self.max_mb} MB.")
        return upload
