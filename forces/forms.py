from django import forms

from core.forms import SpreadsheetUploadField


class PrcUploadForm(forms.Form):
    file = SpreadsheetUploadField(
        label="Police recorded crime table", extensions=[".csv", ".ods"], max_mb=50,
        help_text="The Home Office open data table in its long layout, as CSV or ODS (up to 50 MB).",
    )
    source = forms.CharField(
        label="Source", max_length=200, required=False,
        help_text="Where the file comes from, e.g. “PRC open data table, July 2019 release”.",
    )



class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, help_text="What will use it, e.g. “Force audit spreadsheet”.")
    expires_in_days = forms.TypedChoiceField(
        label="Expires after", coerce=int, initial=90,
        choices=[(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")],
    )
    read_only = forms.BooleanField(label="Read only (cannot change anything)", required=False, initial=True)
