from django import forms

from recommendations.evidence import MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES, MAX_EVIDENCE_TOTAL_BYTES
from recommendations.models import Finding, Verdict


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["kind", "parent", "reference", "text", "accelerated", "timescale", "due_on", "owner", "themes"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4}), "themes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        if inspection is not None:
            self.instance.inspection = inspection
            self.fields["parent"].queryset = Finding.objects.filter(
                inspection=inspection, kind=Finding.Kind.CAUSE_OF_CONCERN)
        self.fields["parent"].required = False
        self.fields["due_on"].help_text = "Only for a timescale “by a date”; otherwise worked out from publication."

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        if parent and (parent.kind != Finding.Kind.CAUSE_OF_CONCERN
                       or parent.inspection_id != self.instance.inspection_id):
            self.add_error("parent", "A recommendation can only sit under a cause of concern of the same inspection.")
        if cleaned.get("timescale") == Finding.Timescale.DATE and not cleaned.get("due_on"):
            self.add_error("due_on", "Give the due date for a timescale “by a date”.")
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class FollowUpForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Change the status to", required=False)
    comment = forms.CharField(label="Update", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label="Evidence", required=False,
                              help_text=f"PDF, Word, Excel, OpenDocument, CSV, text or images: up to "
                                        f"{MAX_EVIDENCE_FILES} files and {MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024)} MB "
                                        f"in one update, {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB each.")
    internal = forms.BooleanField(label="Internal inspectorate note (the force does not see it)", required=False)
    superseded_by = forms.ModelChoiceField(label="Superseded by", queryset=Finding.objects.none(), required=False)

    def __init__(self, *args, statuses=(), can_write_internal=False, successors=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any status passes the form, so that a refused change gets the service's explanation;
        # the select offers only the changes this user may make now.
        self.fields["status"].choices = [("", "Keep the status as it is")] + list(Finding.Status.choices)
        self.fields["status"].widget.choices = [("", "Keep the status as it is")] + [
            (status, Finding.Status(status).label) for status in statuses]
        if not can_write_internal:
            del self.fields["internal"]
        if successors is None:
            del self.fields["superseded_by"]
        else:
            self.fields["superseded_by"].queryset = successors


class VerdictForm(forms.ModelForm):
    class Meta:
        model = Verdict
        fields = ["finding", "outcome", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, findings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["finding"].queryset = findings
        self.fields["finding"].label = "Earlier finding"
