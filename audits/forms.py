"""Forms for entering audited cases and crimes, used by the admin screens."""

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from audits.grading import GRADE_FIELDS, Grade, Question
from audits.models import AuditedCase, AuditedCrime, CancellationReview, CountingRule, Inspection, PublishedResult
from audits.rules import (
    NO_CRIME_OUTCOMES,
    CaseOutcome,
    ErrorKind,
    built_in_rule_use,
    case_outcome_problems,
    default_rule_code,
    default_rule_description,
    error_kinds_problems,
    recording_time_problem,
    report_date_problem,
    safeguarding_problem,
)
from audits.scope import normalised_areas
from audits.services.case_versions import case_conflict
from audits.services.inspections import PUBLISHED_RESULTS_FROZEN, published_figure_problem
from audits.services.locking import locked_message
from core.categories import RESULT_AREA_CHOICES
from core.forms import MomentField, SpreadsheetUploadField
from forces.scoping import may_audit


class AuditedCaseForm(forms.ModelForm):
    # The version the user loaded (change forms only): a save is refused if the case has moved on since.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reported_at = MomentField(label="Reported at", help_text="When the incident was reported to the force: "
                                                            "dd/mm/yyyy hh:mm, UK time.")
    # Set by the admin when the service found, under the row lock, a conflict this form's check missed.
    conflict = None

    class Meta:
        model = AuditedCase
        fields = ["inspection", "reference", "source", "reported_at", "outcome", "outcome_reason",
                  "anonymous_report", "third_party_report", "equality_information", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "outcome" in self.fields:  # left out (older forms and scripts): the case discloses crimes
            self.fields["outcome"].required = False
        if self.instance.pk is None:
            del self.fields["version"]
        else:
            self.initial.setdefault("version", self.instance.version)

    def clean_outcome(self):
        return self.cleaned_data.get("outcome") or CaseOutcome.CRIMES

    def clean_inspection(self):
        inspection = self.cleaned_data["inspection"]
        if inspection and inspection.is_locked:
            raise ValidationError(locked_message(inspection))
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


@dataclass
class ErrorsEntered:
    """A crime's recording errors as entered: the kinds ticked and the rules chosen for some of them (the
    others cite their usual rule)."""

    kinds: list[str] = field(default_factory=list)
    rules: dict[str, CountingRule] = field(default_factory=dict)


class RecordingErrorsWidget(forms.Widget):
    """Each error kind as a checkbox with, beside it, the rule it cites: blank for the usual rule of its
    kind, or another rule chosen from the list. Plain checkboxes and selects, so it works from the keyboard
    and without JavaScript; posts ``name`` (the kinds ticked, as a checkbox list does) and
    ``name_rule_<kind>`` (a rule code, or blank)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.rules = []  # (code, label) of the rules that can be chosen
        self.usual = {kind: default_rule_description(kind) for kind in ErrorKind.values}  # kind -> usual rule

    def value_from_datadict(self, data, files, name):
        kinds = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        return {"kinds": list(kinds),
                "rules": {kind: data.get(f"{name}_rule_{kind}") or "" for kind in ErrorKind.values}}

    def value_omitted_from_data(self, data, files, name):
        return False  # an unticked checkbox list posts nothing

    def render(self, name, value, attrs=None, renderer=None):
        value = value or {"kinds": [], "rules": {}}
        base_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        lines = []
        for index, (kind, label) in enumerate(ErrorKind.choices):
            chosen = value["rules"].get(kind, "")
            options = format_html_join("", '<option value="{}"{}>{}</option>', (
                (code, " selected" if code == chosen else "", rule_label) for code, rule_label in self.rules))
            lines.append(format_html(
                '<label for="{id}">'
                '<input type="checkbox" name="{name}" value="{kind}" id="{id}"{checked}> {label}</label>'
                '<select name="{name}_rule_{kind}" id="{id}_rule" aria-label="Rule cited for “{label}”" '
                'title="Rule cited for “{label}”">'
                '<option value="">usual: {usual}</option>{options}</select>',
                id=f"{base_id}_{index}", name=name, kind=kind, label=label, usual=self.usual[kind],
                checked=" checked" if kind in value["kinds"] else "", options=options))
        # Laid out by .recording-errors in static/admin_accessibility.css (the CSP allows no inline style).
        return format_html('<div id="{}" class="recording-errors">{}</div>', base_id,
                           format_html_join("", "{}", ((line,) for line in lines)))


class RecordingErrorsField(forms.Field):
    widget = RecordingErrorsWidget
    default_error_messages = {
        "unknown_kind": "“%(kind)s” is not a recording error.",
        "unknown_rule": "%(code)s is not a rule you can cite for “%(label)s”: choose one from the list.",
        "rule_without_error": "You chose a rule for “%(label)s” but did not tick it.",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rules_by_code = {}

    def set_rules(self, rules):
        """The rules that can be chosen (the active ones, and any the crime already cites)."""
        self.rules_by_code = {rule.code: rule for rule in rules}
        self.widget.rules = [(rule.code, str(rule)) for rule in rules]

    def to_python(self, value):
        value = value or {}
        return {"kinds": [str(kind) for kind in value.get("kinds", [])],
                "rules": {kind: str(code).strip().upper() for kind, code in value.get("rules", {}).items() if code}}

    def clean(self, value):
        value = self.to_python(value)
        problems = [ValidationError(self.error_messages["unknown_kind"], "unknown_kind", {"kind": kind})
                    for kind in value["kinds"] if kind not in ErrorKind.values]
        rules = {}
        for kind, code in value["rules"].items():
            if kind not in ErrorKind.values:
                continue
            label = ErrorKind(kind).label
            if code not in self.rules_by_code:
                problems.append(ValidationError(self.error_messages["unknown_rule"], "unknown_rule",
                                                {"code": code, "label": label}))
            elif kind not in value["kinds"]:
                problems.append(ValidationError(self.error_messages["rule_without_error"], "rule_without_error",
                                                {"label": label}))
            else:
                rules[kind] = self.rules_by_code[code]
        if problems:
            raise ValidationError(problems)
        return ErrorsEntered(value["kinds"], rules)

    def has_changed(self, initial, data):
        initial, data = self.to_python(initial), self.to_python(data)
        return (set(initial["kinds"]), initial["rules"]) != (set(data["kinds"]), data["rules"])


def citable_rules(rules, cited_ids=()):
    """Rules a crime's errors can cite: the active ones and any inactive ones it already cites."""
    return [rule for rule in rules if rule.is_active or rule.pk in cited_ids]


class AuditedCrimeForm(forms.ModelForm):
    recorded_at = MomentField(label="Recorded at", required=False)
    error_kinds = RecordingErrorsField(
        label="Recording errors, and the rule each breaks",
        required=False,
        help_text="Tick each error. Each cites the usual rule for its kind unless you choose another beside it. "
                  "“Recorded late” is worked out from the times when both are given.",
    )

    class Meta:
        model = AuditedCrime
        fields = ["expected_offence", "force_crime_reference", "recorded_offence", "recorded_at",
                  "cancellation_code", "safeguarding", "domestic_abuse", "vulnerable_victim", "modern_slavery",
                  "child_victim", "error_kinds"]
        # Each flag describes this crime's victim (the admin lays them out in one row, under the safeguarding).
        labels = {"safeguarding": "Safeguarded (if unrecorded)", "domestic_abuse": "Domestic abuse",
                  "vulnerable_victim": "Vulnerable victim", "modern_slavery": "Modern slavery",
                  "child_victim": "Child victim"}
        help_texts = {"domestic_abuse": "", "vulnerable_victim": "", "modern_slavery": "",
                      "child_victim": "Under 18."}

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        errors = list(self.instance.errors.all()) if self.instance.pk else []
        if rules is None:
            rules = list(CountingRule.objects.all())
        self.fields["error_kinds"].set_rules(citable_rules(rules, {error.rule_id for error in errors}))
        if self.instance.cancellation_code:  # a new dict: widgets share their attributes with the class's field
            self.fields["error_kinds"].widget.usual = {
                kind: default_rule_code(kind, self.instance.cancellation_code) for kind in ErrorKind.values}
        codes = {rule.pk: rule.code for rule in rules}
        # A rule is shown as chosen only where it is not the usual one, so that changing the crime (its
        # cancellation ground, say) moves the usual rule with it.
        self.initial["error_kinds"] = {
            "kinds": [error.kind for error in errors],
            "rules": {error.kind: codes[error.rule_id] for error in errors
                      if codes.get(error.rule_id) != default_rule_code(error.kind, self.instance.cancellation_code)},
        }

    def clean(self):
        cleaned = super().clean()
        entered = cleaned.get("error_kinds") or ErrorsEntered()
        problems = error_kinds_problems(
            entered.kinds,
            recorded=cleaned.get("recorded_offence") is not None,
            cancelled=bool(cleaned.get("cancellation_code")),
        )
        for problem in problems:
            self.add_error("error_kinds", problem)
        if "safeguarding" in self.fields and (problem := safeguarding_problem(
                recorded=cleaned.get("recorded_offence") is not None, safeguarding=cleaned.get("safeguarding") or "")):
            self.add_error("safeguarding", problem)
        return cleaned


class AuditedCrimeFormSet(forms.BaseInlineFormSet):
    """Checks each crime against its case: a crime cannot be recorded before it was reported. Reads the
    counting rules once for all its forms."""

    def __init__(self, *args, **kwargs):
        self.rules = list(CountingRule.objects.all())
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "rules": self.rules}

    def clean(self):
        super().clean()
        reported_at = self.instance.reported_at
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            if problem := recording_time_problem(reported_at, form.cleaned_data.get("recorded_at")):
                form.add_error("recorded_at", problem)
        self._check_outcome()

    def _check_outcome(self):
        """A case ending with no crime (no crime disclosed, N100 used correctly) keeps no crimes."""
        case = self.instance
        if case.outcome not in NO_CRIME_OUTCOMES:
            return
        kept = [form for form in self.forms if hasattr(form, "cleaned_data") and not self._should_delete_form(form)
                and form.cleaned_data.get("expected_offence") is not None]
        if kept:
            problem = case_outcome_problems(outcome=case.outcome, reason=case.outcome_reason or "x",
                                            source=case.source, crime_count=len(kept)).get("outcome")
            raise ValidationError(problem)


class CountingRuleAdminForm(forms.ModelForm):
    """Codes are written in capitals; the usual rules of the error kinds stay active."""

    class Meta:
        model = CountingRule
        fields = ["code", "title", "source", "description", "is_active", "display_order"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        code = self.instance.code if self.instance.pk else cleaned.get("code", "")
        if cleaned.get("is_active") is False and (use := built_in_rule_use(code)):
            self.add_error("is_active", f"{code} is {use}, so it must stay active.")
        return cleaned


class QueryReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are these cases queried?", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class CaseQueryForm(forms.Form):
    reason = forms.CharField(label="Why is this case queried?", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Its auditor sees your reason.",
                             error_messages={"required": "Say why the case is queried: its auditor sees your reason."})


class ChallengeForm(forms.Form):
    reason = forms.CharField(label="Why is this error wrong?", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="Give references and codes, not names or narrative.")


class ChallengeResolveForm(forms.Form):
    # No decision is chosen for the inspector: each is made deliberately, with its reason, which the force sees.
    outcome = forms.ChoiceField(label="Decision", widget=forms.RadioSelect, choices=[
        ("upheld", "Uphold: the error stands"), ("withdrawn", "Withdraw: remove the error")],
        error_messages={"required": "Choose whether the error stands (uphold) or is withdrawn."})
    note = forms.CharField(label="Reason for the decision", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="The force sees this reason with the decision.",
                           error_messages={"required": "Give the reason for the decision: the force sees it."})


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


def scope_field(label, help_text):
    return forms.MultipleChoiceField(label=label, choices=RESULT_AREA_CHOICES, required=False,
                                     widget=forms.CheckboxSelectMultiple, help_text=help_text)


class InspectionAdminForm(forms.ModelForm):
    """Refuses changes to what publication froze (the admin also shows those fields read only). The scope is
    ticked from the categories and results; the model's own validation explains a bad one."""

    audited_areas = scope_field(
        "Audited in this inspection",
        "Leave every box empty when the inspection audited everything it reports. A re-inspection that audited "
        "only some categories ticks those: reports show no figure of its own for anything else.")
    carried_forward_areas = scope_field(
        "Carried forward from the previous inspection",
        "Not audited again: reports show the previous inspection's published figure, labelled as carried forward.")

    class Meta:
        model = Inspection
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "grading_scheme" in self.fields:
            self.fields["grading_scheme"].choices = [
                ("", "Work it out from the dates"), *Inspection.GradingScheme.choices]

    def clean_audited_areas(self):
        return normalised_areas(self.cleaned_data["audited_areas"])

    def clean_carried_forward_areas(self):
        return normalised_areas(self.cleaned_data["carried_forward_areas"])

    #: who is saving (set by the admin's get_form): a force auditor plans only their own force's self-audits
    user = None

    def clean(self):
        cleaned = super().clean()
        force, kind = cleaned.get("force"), cleaned.get("kind")
        if self.user is not None and force is not None and kind and not may_audit(self.user, force_id=force.pk,
                                                                                    kind=kind):
            raise ValidationError("A force auditor plans and changes only their own force's self-audits.")
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
        if inspection is not None and cleaned.get("category") and (
                problem := published_figure_problem(inspection, cleaned["category"])):
            self.add_error("category", problem)
        return cleaned


class PublishedResultInlineFormSet(forms.BaseInlineFormSet):
    """An inspection's published figures on its own admin page: checked against the scope being saved with them
    (the inspection form's values are already on ``self.instance``)."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            category = form.cleaned_data.get("category")
            if category and (problem := published_figure_problem(self.instance, category)):
                form.add_error("category", problem)


class ReopenReasonForm(forms.Form):
    reason = forms.CharField(label="Why is the published inspection being reopened?", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Shown with the revised figures when the inspection is published again.")


class GradeRevisionForm(forms.Form):
    """Revise a published inspection's grades: each question's grade (as published, unless changed), when
    and why. Every grade is offered; the service says which the inspection's scheme does not have."""

    revised_on = forms.DateField(label="Date the grades were revised", help_text="For example, 09/02/2017.")
    reason = forms.CharField(label="Why were they revised?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Shown with each revised grade, beside the grade it replaced.")

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        grade_fields = {}
        for question in Question:
            current = getattr(inspection, GRADE_FIELDS[question])
            grade_fields[question.value] = forms.ChoiceField(
                label="Overall grade" if question == Question.OVERALL else question.label, required=False,
                initial=current, choices=[("", "Not graded"), *Grade.choices],
                help_text=f"As published: {Grade(current).label.lower() if current else 'not graded'}.")
        self.fields = {**grade_fields, **self.fields}

    def changed_grades(self):
        """The questions whose grade the form changes, with the new grade."""
        return {question.value: self.cleaned_data[question.value] for question in Question
                if self.cleaned_data[question.value] != getattr(self.inspection, GRADE_FIELDS[question])}


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
            raise ValidationError(locked_message(inspection))
        return cleaned
