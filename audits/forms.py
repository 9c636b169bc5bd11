"""Forms for entering audited cases and crimes, used by the admin screens."""

from django import forms
from django.core.exceptions import ValidationError

from audits.models import AuditedCase, AuditedCrime, CancellationReview, Inspection, PublishedResult
from audits.rules import ErrorKind, error_kinds_problems, recording_time_problem, report_date_problem
from audits.services.case_versions import case_conflict
from audits.services.inspections import PUBLISHED_RESULTS_FROZEN
from audits.services.locking import LOCKED_MESSAGE
from core.forms import SpreadsheetUploadField


class AuditedCaseForm(forms.ModelForm):
    # The version the user loaded (change forms only): a save is refused if the case has moved on since.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Set by the admin when the service found, under the row lock, a conflict this form's check missed.
    conflict = None

    class Meta:
        model = AuditedCase
        fields = ["inspection", "reference", "source", "reported_at", "domestic_abuse", "vulnerable_victim",
                  "modern_slavery", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            self.initial.setdefault("version", self.instance.version)

    def clean_inspection(self):
        inspection = self.cleaned_data["inspection"]
        if inspection and inspection.is_locked:
            raise ValidationError(LOCKED_MESSAGE)
        stored = self.instance.pk and AuditedCase.objects.get(pk=self.instance.pk).inspection
        if inspection and stored and stored.force_id != inspection.force_id:
            raise ValidationError("A case cannot be moved to another force's inspection.")
        return inspection

    def clean(self):
        cleaned = super().clean()
        inspection = cleaned.get("inspection")
        if inspection and (problem := report_date_problem(inspection, cleaned.get("reported_at"))):
            self.add_error("reported_at", problem)
        if self.instance.pk is not None:
            self._check_version(cleaned.get("version"))
        return cleaned

    def _check_version(self, version):
        if version is None:
            self.add_error(None, "This form does not say which version of the case you opened: reload the case "
                                 "and make your changes again.")
        elif conflict := self.conflict or case_conflict(self.instance, version):
            self.add_error(None, conflict.message)


class AuditedCrimeForm(forms.ModelForm):
    error_kinds = forms.MultipleChoiceField(
        label="Recording errors",
        choices=ErrorKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="“Recorded late” is worked out from the times when both are given.",
    )

    class Meta:
        model = AuditedCrime
        fields = ["expected_offence", "force_crime_reference", "recorded_offence", "recorded_at",
                  "cancellation_code", "error_kinds"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["error_kinds"].initial = [error.kind for error in self.instance.errors.all()]

    def clean(self):
        cleaned = super().clean()
        problems = error_kinds_problems(
            cleaned.get("error_kinds", []),
            recorded=cleaned.get("recorded_offence") is not None,
            cancelled=bool(cleaned.get("cancellation_code")),
        )
        for problem in problems:
            self.add_error("error_kinds", problem)
        return cleaned


class AuditedCrimeFormSet(forms.BaseInlineFormSet):
    """Checks each crime against its case: a crime cannot be recorded before it was reported."""

    def clean(self):
        super().clean()
        reported_at = self.instance.reported_at
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            if problem := recording_time_problem(reported_at, form.cleaned_data.get("recorded_at")):
                form.add_error("recorded_at", problem)


class QueryReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are these cases queried?", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ChallengeForm(forms.Form):
    reason = forms.CharField(label="Why is this error wrong?", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="Give references and codes, not names or narrative.")


class ChallengeResolveForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=[
        ("upheld", "Uphold: the error stands"), ("withdrawn", "Withdraw: remove the error")])
    note = forms.CharField(label="Reason for the decision", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CaseImportForm(forms.Form):
    file = SpreadsheetUploadField(label="Spreadsheet of audited crimes", extensions=[".csv", ".xlsx"], max_mb=20,
                                  help_text="CSV or XLSX in the template's layout, one row per audited crime, "
                                            "up to 20 MB.")
    mode = forms.ChoiceField(label="Cases already in the inspection", widget=forms.RadioSelect, initial="add",
                             choices=[("add", "Refuse them: add new cases only"),
                                      ("update", "Update them: replace their crimes with the file's")])



class SampleSizeForm(forms.Form):
    margin = forms.DecimalField(label="Margin of error (± percentage points)", min_value=0.1, max_value=50,
                                decimal_places=2, initial=2)
    expected_rate = forms.DecimalField(label="Expected recording rate (%)", min_value=1, max_value=99,
                                       decimal_places=1, initial=85)


class FrameUploadForm(forms.Form):
    file = SpreadsheetUploadField(label="The force's extract for the audit period", extensions=[".csv", ".xlsx"],
                                  max_mb=50, help_text="CSV or XLSX with columns reference, occurred_at "
                                                       "(dd/mm/yyyy hh:mm) and stratum (opening code or source). "
                                                       "Up to 50 MB.")



class DrawForm(forms.Form):
    seed = forms.IntegerField(label="Seed", min_value=0, max_value=2**62,
                              help_text="Recorded with the draw: the same frame and seed always give the same sample.")
    total = forms.IntegerField(label="Records to draw", min_value=1,
                               help_text="Shared across strata in proportion to their size, unless you set sizes below.")
    sizes = forms.CharField(label="Sizes per stratum (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="One “stratum: number” a line, to override the proportional split.")

    def clean_sizes(self):
        sizes = {}
        for number, line in enumerate(self.cleaned_data["sizes"].splitlines(), start=1):
            if not line.strip():
                continue
            stratum, _, count = line.rpartition(":")
            try:
                sizes[stratum.strip()] = int(count)
            except ValueError:
                raise forms.ValidationError(f"Line {number}: write “stratum: number”.") from None
        return sizes


class InspectionAdminForm(forms.ModelForm):
    """Refuses changes to what publication froze (the admin also shows those fields read only)."""

    class Meta:
        model = Inspection
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_locked:
            changed = [self.fields[name].label for name in Inspection.FROZEN_FIELDS
                       if name in self.changed_data and name in self.fields]
            if changed:
                raise ValidationError(f"This inspection is published, so its {', '.join(changed).lower()} cannot "
                                      "change. An inspector must reopen it first.")
        return cleaned


class PublishedResultAdminForm(forms.ModelForm):
    class Meta:
        model = PublishedResult
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        inspection = cleaned.get("inspection")
        if inspection is not None and inspection.is_locked:
            raise ValidationError(PUBLISHED_RESULTS_FROZEN)
        return cleaned


class ReopenReasonForm(forms.Form):
    reason = forms.CharField(label="Why is the published inspection being reopened?", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Shown with the revised figures when the inspection is published again.")


class CancellationReviewImportForm(forms.Form):
    file = SpreadsheetUploadField(label="Spreadsheet of reviewed cancellations", extensions=[".csv", ".xlsx"],
                                  max_mb=5, help_text="CSV or XLSX in the cancellation review layout, one row per "
                                                      "reviewed record, up to 5 MB.")
    mode = forms.ChoiceField(label="References already reviewed in this inspection", widget=forms.RadioSelect,
                             initial="add", choices=[("add", "Refuse them: add new reviews only"),
                                                     ("update", "Update them with the file's answers")])


# Short labels, so that a row of the inline fits a 1,280 px screen; the full ones are in the help texts.
SHORT_LABELS = {
    "category": [("", "---------"), ("rape", "Rape"), ("other_sexual_offences", "Other sexual"),
                 ("violence_against_the_person", "Violence"), ("robbery", "Robbery")],
    "ground": [("", "---------"), ("C1", "C1"), ("C2", "C2"), ("C3", "C3"), ("C4", "C4")],
    "avi_evidenced": [("yes", "Yes"), ("no", "No"), ("not_applicable", "n/a")],
    "verdict": [("", "---------"), ("correct", "Correct"), ("incorrect", "Incorrect")],
}


class CancellationReviewForm(forms.ModelForm):
    """One reviewed cancellation, as a compact row of the inspection's admin (the model's rules give the
    messages: C2 needs the AVI answer, an incorrect verdict a reason). Notes are edited on the review's own
    admin screen, so that a row fits a 1,280 px screen."""

    class Meta:
        model = CancellationReview
        fields = ["reference", "category", "ground", "avi_evidenced", "ddm_authorised", "victim_told", "verdict",
                  "reason"]
        widgets = {
            "reference": forms.TextInput(attrs={"size": 10}),
            "reason": forms.TextInput(attrs={"size": 20}),
        }
        labels = {"avi_evidenced": "AVI", "ddm_authorised": "DDM", "victim_told": "Told"}
        help_texts = {
            "avi_evidenced": "Additional verifiable information evidenced: yes or no for C2, n/a otherwise.",
            "ddm_authorised": "Authorised by a designated decision maker.",
            "victim_told": "The victim was told of the cancellation.",
            "category": "Rape, other sexual offences, violence against the person or robbery.",
            "ground": "C1 transferred to another force; C2 additional verifiable information shows no crime; "
                      "C3 duplicate; C4 recorded in error.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in SHORT_LABELS.items():
            self.fields[name].choices = choices


class CancellationReviewAdminForm(forms.ModelForm):
    """A reviewed cancellation on its own admin screen: never added to a published inspection."""

    class Meta:
        model = CancellationReview
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        inspection = cleaned.get("inspection") or (self.instance.inspection if self.instance.pk else None)
        if inspection is not None and inspection.is_locked:
            raise ValidationError(LOCKED_MESSAGE)
        return cleaned
