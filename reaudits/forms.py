"""The draw form and the blind verdict form for one sampled case."""

from django import forms
from django.core.exceptions import ValidationError

from audits.rules import ErrorKind

MAX_DIGITS = 19


def _whole_number(raw: str, label: str, *, required: bool) -> int | None:
    text = (raw or "").strip()
    if not text:
        if required:
            raise ValidationError(f"Enter the {label}.")
        return None
    if "\x00" in text or not text.isascii() or not text.isdigit():
        raise ValidationError(f"The {label} must be a whole number, 0 or more, in digits only.")
    if len(text) > MAX_DIGITS:
        raise ValidationError(f"The {label} is too large: use at most {MAX_DIGITS} digits.")
    return int(text)


class DrawForm(forms.Form):
    size = forms.CharField(label="How many cases to re-audit", max_length=40, required=False,
                           help_text="Drawn at random from the self-audit's cases with audited crimes.")
    seed = forms.CharField(label="Seed (optional)", max_length=40, required=False,
                           help_text="A whole number. The same seed and size always draw the same cases; left "
                                     "empty, one is chosen and recorded.")

    def clean_size(self):
        return _whole_number(self.cleaned_data["size"], "number of cases", required=True)

    def clean_seed(self):
        return _whole_number(self.cleaned_data["seed"], "seed", required=False)


def verdicts_from_post(data, crime_ids):
    """{crime id: (kinds ticked, {kind: rule code chosen})} from a verdict form's post. Fields are named
    ``crime-<id>`` (the kinds, or "none" for recorded correctly) and ``crime-<id>-rule-<kind>``."""
    verdicts, problems = {}, []
    for number, crime_id in enumerate(crime_ids, start=1):
        ticked = [value for value in data.getlist(f"crime-{crime_id}") if value != "none"]
        said_none = "none" in data.getlist(f"crime-{crime_id}")
        unknown = [kind for kind in ticked if kind not in ErrorKind.values]
        if unknown:
            problems.append(f"Crime {number}: “{unknown[0][:40]}” is not a recording error.")
        if said_none and ticked:
            problems.append(f"Crime {number}: choose “recorded correctly” or the errors found, not both.")
        elif not said_none and not ticked:
            problems.append(f"Crime {number}: say whether it was recorded correctly, or tick the errors found.")
        rules = {kind: (data.get(f"crime-{crime_id}-rule-{kind}") or "").strip().upper()[:30]
                 for kind in ticked if kind in ErrorKind.values}
        verdicts[crime_id] = ([kind for kind in ticked if kind in ErrorKind.values],
                              {kind: code for kind, code in rules.items() if code})
    return verdicts, problems
