from django import forms

MAX_PRC_FILE_BYTES = 50 * 1024 * 1024


class PrcUploadForm(forms.Form):
    file = forms.FileField(
        label="Police recorded crime table",
        help_text="The Home Office open data table in its long layout, as CSV or ODS (up to 50 MB).",
    )
    source = forms.CharField(
        label="Source", max_length=200, required=False,
        help_text="Where the file comes from, e.g. “PRC open data table, July 2019 release”.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".ods")):
            raise forms.ValidationError("Choose a .csv or .ods file.")
        if upload.size > MAX_PRC_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80, help_text="What will use it, e.g. “Force audit spreadsheet”.")
    expires_in_days = forms.TypedChoiceField(
        label="Expires after", coerce=int, initial=90,
        choices=[(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")],
    )
    read_only = forms.BooleanField(label="Read only (cannot change anything)", required=False, initial=True)
