"""Form fields every app uses."""

from django import forms


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
