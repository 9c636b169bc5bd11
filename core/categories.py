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


class SourceResult(models.TextChoices):
    """Results reported by source or flag beside the category rates, each as "x of y" (HMICFRS reports give
    e.g. vulnerable-victim crimes from safeguarding referrals, 22 of 41 recorded)."""

    VULNERABLE_VICTIM = "vulnerable_victim", "Vulnerable victims"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    MODERN_SLAVERY = "modern_slavery", "Modern slavery"
    N100 = "n100", "N100 records"
    CANCELLATIONS = "cancellations", "Cancelled crime records"
    TIMELINESS = "timeliness", "Recorded within 24 hours"


# What an inspection can publish a figure for, audit, or carry forward from its previous inspection: each
# report category, then each result by source or flag, in the order reports give them.
RESULT_AREA_CHOICES = [*ReportCategory.choices, *SourceResult.choices]
RESULT_AREA_LABELS = dict(RESULT_AREA_CHOICES)
RESULT_AREA_ORDER = [value for value, _ in RESULT_AREA_CHOICES]


class CancellationCategory(models.TextChoices):
    """The crime types whose cancelled records a cancellation review samples (HMICFRS reviews cancelled rapes,
    other sexual offences, violence and robbery). Values are OffenceCategory's where the category is the same;
    robbery has no audit category of its own (it counts under other crime)."""

    RAPE = OffenceCategory.RAPE.value, OffenceCategory.RAPE.label
    OTHER_SEXUAL = OffenceCategory.OTHER_SEXUAL.value, OffenceCategory.OTHER_SEXUAL.label
    VIOLENCE = OffenceCategory.VIOLENCE.value, OffenceCategory.VIOLENCE.label
    ROBBERY = "robbery", "Robbery"
