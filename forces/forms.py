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
