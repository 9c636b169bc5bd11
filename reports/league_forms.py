"""The league table's choices (a GET form): which category or result, and which forces to compare, all forces,
a region, or forces the reader picks, from the forces the reader may see."""

from django import forms
from django.db.models import QuerySet

from core.categories import RESULT_AREA_CHOICES, ReportCategory
from forces.models import Force
from reports.league import ALL_FORCES, GROUP_CHOICES, PICKED, REGION


class LeagueForm(forms.Form):
    category = forms.ChoiceField(label="Category or result", choices=RESULT_AREA_CHOICES, required=False)
    group = forms.ChoiceField(label="Compare", choices=GROUP_CHOICES, required=False, widget=forms.RadioSelect)
    region = forms.ChoiceField(label="Region", required=False)
    forces = forms.MultipleChoiceField(label="Forces", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, data, *, forces: QuerySet[Force]):
        super().__init__(data)
        self.available = forces
        rows = list(forces.values_list("slug", "name", "region"))
        self.fields["region"].choices = [("", "Choose a region")] + [
            (region, region) for region in sorted({region for _, _, region in rows})]
        self.fields["forces"].choices = [(slug, name) for slug, name, _ in rows]

    def clean(self):
        data = super().clean()
        group = data.get("group") or ALL_FORCES
        data["group"] = group
        data["category"] = data.get("category") or ReportCategory.ALL_CRIME.value
        if group == REGION and not data.get("region"):
            self.add_error("region", "Choose the region to compare.")
        if group == PICKED and len(data.get("forces") or []) < 2:
            self.add_error("forces", "Pick at least two forces to compare.")
        return data

    def chosen_forces(self) -> QuerySet[Force]:
        """The forces compared (call after is_valid)."""
        data = self.cleaned_data
        if data["group"] == REGION:
            return self.available.filter(region=data["region"])
        if data["group"] == PICKED:
            return self.available.filter(slug__in=data["forces"])
        return self.available
