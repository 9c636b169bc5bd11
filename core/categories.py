"""Audit categories: how Home Office offence subgroups roll up into the categories audits report on."""

from django.db import models


class OffenceCategory(models.TextChoices):
    """The audit category an offence subgroup belongs to (one each)."""

    VIOLENCE = "violence_against_the_person", "Violence against the person"
    RAPE = "rape", "Rape"
    OTHER_SEXUAL = "other_sexual_offences", "Other sexual offences"
    OTHER = "other_crime", "Other crime"


class ReportCategory(models.TextChoices):
    """The categories that recording rates and recorded-crime volumes are given for."""

    ALL_CRIME = "all_crime", "All crime"
    VIOLENCE = "violence_against_the_person", "Violence against the person"
    SEXUAL = "sexual_offences", "Sexual offences"
    RAPE = "rape", "Rape"


# The categories a case can be filtered by: each report category but "all crime", and crimes outside them.
CASE_FILTER_CATEGORIES = [(c.value, c.label) for c in ReportCategory if c != ReportCategory.ALL_CRIME] + [
    (OffenceCategory.OTHER.value, OffenceCategory.OTHER.label)
]

# Which subgroup categories make up each report category; None means every offence.
REPORT_CATEGORY_MEMBERS = {
    ReportCategory.ALL_CRIME: None,
    ReportCategory.VIOLENCE: {OffenceCategory.VIOLENCE},
    ReportCategory.SEXUAL: {OffenceCategory.RAPE, OffenceCategory.OTHER_SEXUAL},
    ReportCategory.RAPE: {OffenceCategory.RAPE},
}


class CancellationCategory(models.TextChoices):
    """The crime types whose cancelled records a cancellation review samples (HMICFRS reviews cancelled rapes,
    other sexual offences, violence and robbery). Values are OffenceCategory's where the category is the same;
    robbery has no audit category of its own (it counts under other crime)."""

    RAPE = OffenceCategory.RAPE.value, OffenceCategory.RAPE.label
    OTHER_SEXUAL = OffenceCategory.OTHER_SEXUAL.value, OffenceCategory.OTHER_SEXUAL.label
    VIOLENCE = OffenceCategory.VIOLENCE.value, OffenceCategory.VIOLENCE.label
    ROBBERY = "robbery", "Robbery"
