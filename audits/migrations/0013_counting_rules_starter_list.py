"""The counting rules the app ships with, and the usual rule cited by every recording error already stored.

The list describes each provision rather than quoting it; administrators can add rules in the admin.
Loading is idempotent (transactional tests call ``load_counting_rules`` again after emptying the database).
The defaults below mirror audits.rules.DEFAULT_RULE_CODES as it is at this release.
"""

from django.db import migrations

NCRS = "National Crime Recording Standard (NCRS)"
WHETHER_AND_WHEN = "HOCR general rules: whether and when to record"
CLASSIFICATION = "HOCR general rules: classification and reclassification"
REMOVING = "HOCR general rules: removing recorded crimes (cancellation)"
ONE_PER_VICTIM = "HOCR general rules: one crime per victim"
FINISHED_INCIDENT = "HOCR general rules: finished incident rule"
PRINCIPAL_CRIME = "HOCR general rules: principal crime rule"
RAPE = "HOCR: reports of rape (N100)"

# code, title, source, description
STARTER_RULES = [
    ("NCRS-DECISION", "Recording decision: record what amounts to a crime", NCRS,
     "A reported incident is recorded as a crime when, on the balance of probability, the circumstances as "
     "reported amount to a crime defined by law and there is no credible evidence to the contrary."),
    ("NCRS-THIRD-PARTY", "Third-party and anonymous reports", NCRS,
     "A crime reported by someone other than the victim (a professional third party acting for the victim, a "
     "witness, or an anonymous report) is recorded when the recording decision is met, without waiting for "
     "the victim to confirm it where the rules do not require that."),
    ("HOCR-24H", "Recorded within 24 hours of the report", WHETHER_AND_WHEN,
     "The crime is recorded within 24 hours of the report being received."),
    ("HOCR-CLASS", "Right Home Office classification", CLASSIFICATION,
     "The crime is recorded under the Home Office classification that fits the offence disclosed, and "
     "reclassified if later information shows a different offence."),
    ("HOCR-OCPV", "One crime per victim", ONE_PER_VICTIM,
     "One crime is recorded for each victim, so a report disclosing crimes against several victims produces "
     "several crimes."),
    ("HOCR-FIR", "Finished incident rule", FINISHED_INCIDENT,
     "Crimes are counted per finished incident: what is reported together is counted by the rules for one "
     "incident, and a further incident is counted separately."),
    ("HOCR-PCR", "Principal crime rule", PRINCIPAL_CRIME,
     "Where one incident discloses several crimes against the same victim, the most serious (the principal "
     "crime) is recorded."),
    ("N100", "N100 for reports of rape not recorded as rape", RAPE,
     "A report of rape that is not immediately recorded as a crime of rape is recorded as N100 and the "
     "decision kept under review; N100 is not a substitute for recording a rape that meets the recording "
     "decision."),
    ("C1", "Cancellation ground C1: transferred to another force", REMOVING,
     "A recorded crime may be cancelled on ground C1 only when it happened outside the force's area and was "
     "transferred to the force where it happened."),
    ("C2", "Cancellation ground C2: additional verifiable information", REMOVING,
     "A recorded crime may be cancelled on ground C2 only when additional verifiable information shows that no "
     "notifiable crime was committed."),
    ("C3", "Cancellation ground C3: duplicate", REMOVING,
     "A recorded crime may be cancelled on ground C3 only when it duplicates, or is part of, a crime already "
     "recorded."),
    ("C4", "Cancellation ground C4: recorded in error", REMOVING,
     "A recorded crime may be cancelled on ground C4 only when it was recorded in error."),
    ("CANCEL-VICTIM", "Victim told of the cancellation", REMOVING,
     "When a crime is cancelled, the victim is told of the decision."),
    ("CANCEL-DDM", "Cancellation authorised by a designated decision maker", REMOVING,
     "A cancellation is authorised by the force's designated decision maker (or another person with that "
     "authority under the rules)."),
]

DEFAULTS = {
    "not_recorded": "NCRS-DECISION",
    "misclassified": "HOCR-CLASS",
    "n100_misused": "N100",
    "recorded_late": "HOCR-24H",
    "additional_crime_missed": "HOCR-OCPV",
    "victim_not_told": "CANCEL-VICTIM",
}
CANCELLATION_GROUNDS = ("C1", "C2", "C3", "C4")


def load_counting_rules(apps, schema_editor):
    CountingRule = apps.get_model("audits", "CountingRule")
    for order, (code, title, source, description) in enumerate(STARTER_RULES, start=1):
        CountingRule.objects.get_or_create(code=code, defaults={
            "title": title, "source": source, "description": description, "display_order": order * 10})


def cite_usual_rules(apps, schema_editor):
    CountingRule = apps.get_model("audits", "CountingRule")
    RecordingError = apps.get_model("audits", "RecordingError")
    rules = dict(CountingRule.objects.values_list("code", "pk"))
    unset = RecordingError.objects.filter(rule__isnull=True)
    for kind, code in DEFAULTS.items():
        unset.filter(kind=kind).update(rule_id=rules[code])
    for ground in CANCELLATION_GROUNDS:
        unset.filter(kind="wrongly_cancelled", crime__cancellation_code=ground).update(rule_id=rules[ground])
    # The database refuses a wrongly cancelled crime without a ground; should one exist, it should have stayed recorded.
    unset.update(rule_id=rules["NCRS-DECISION"])


def forward(apps, schema_editor):
    load_counting_rules(apps, schema_editor)
    cite_usual_rules(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audits", "0012_counting_rules")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
