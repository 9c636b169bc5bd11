"""Case outcomes (no crime disclosed, N100 used correctly), report flags and equality information on the case;
victim flags and safeguarding on the audited crime.

Data: each case's domestic abuse, vulnerable victim and modern slavery flags are copied onto every crime of the
case (one victim each, as before the flags moved: every figure by flag stays as it was), and every crime the
force did not record is given "safeguarding: not known" (no one asked before). Reversible: going back, a case is
flagged if any of its crimes is.

On PostgreSQL the data is moved with foreign keys checked as it goes (see checked_now).

SQLite rebuilds audits_auditedcrime to add columns with a default: the triggers of 0003 are dropped first and
created again after, as in 0014.
"""



import importlib

from django.conf import settings
from django.db import migrations, models

TRIGGERS = importlib.import_module("audits.migrations.0003_error_kind_triggers")
VICTIM_FLAGS = ("domestic_abuse", "vulnerable_victim", "modern_slavery")


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS.SQLITE_BACKWARD:
            schema_editor.execute(statement)


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        drop_sqlite_triggers(apps, schema_editor)
        for statement in TRIGGERS.SQLITE_FORWARD:
            schema_editor.execute(statement)


def checked_now(schema_editor):
    """On PostgreSQL, check foreign keys as each update runs: checks left pending until the end of the migration's
    transaction would stop the table from being altered after the data is moved ("pending trigger events")."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def checked_at_end(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def flags_onto_crimes(apps, schema_editor):
    checked_now(schema_editor)
    AuditedCase = apps.get_model("audits", "AuditedCase")
    AuditedCrime = apps.get_model("audits", "AuditedCrime")
    for flag in VICTIM_FLAGS:
        AuditedCrime.objects.filter(case__in=AuditedCase.objects.filter(**{flag: True})).update(**{flag: True})
    AuditedCrime.objects.filter(recorded_offence__isnull=True).update(safeguarding="not_known")
    checked_at_end(schema_editor)


def flags_onto_cases(apps, schema_editor):
    checked_now(schema_editor)
    AuditedCase = apps.get_model("audits", "AuditedCase")
    AuditedCrime = apps.get_model("audits", "AuditedCrime")
    for flag in VICTIM_FLAGS:
        AuditedCase.objects.filter(
            pk__in=AuditedCrime.objects.filter(**{flag: True}).values("case_id")).update(**{flag: True})
    # Cases ending with no crime cannot be represented before this migration: they go back to disclosing crimes.
    AuditedCase.objects.exclude(outcome="crimes").update(outcome="crimes", outcome_reason="")
    checked_at_end(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0015_cancellation_review'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AddField(
            model_name='auditedcase',
            name='anonymous_report',
            field=models.BooleanField(default=False, help_text='The report was made anonymously.'),
        ),
        migrations.AddField(
            model_name='auditedcase',
            name='equality_information',
            field=models.CharField(blank=True, choices=[('yes', 'Obtained'), ('no', 'Not obtained'), ('not_applicable', 'Not applicable')], help_text="Did the force obtain the victim's equality information? Empty: not assessed.", max_length=20),
        ),
        migrations.AddField(
            model_name='auditedcase',
            name='outcome',
            field=models.CharField(choices=[('crimes', 'Crimes disclosed'), ('no_crime', 'No crime disclosed'), ('n100_correct', 'N100 used correctly')], default='crimes', help_text='Crimes disclosed (enter them below), no crime disclosed, or N100 used correctly (an N100 record only). A case ending with no crime has no crimes and needs a reason.', max_length=20),
        ),
        migrations.AddField(
            model_name='auditedcase',
            name='outcome_reason',
            field=models.CharField(blank=True, help_text='Why no crime was disclosed, or why N100 was correct. References and codes only.', max_length=300, verbose_name='reason for the outcome'),
        ),
        migrations.AddField(
            model_name='auditedcase',
            name='third_party_report',
            field=models.BooleanField(default=False, help_text='Reported by a third party (e.g. a professional or a sexual assault referral centre).'),
        ),
        migrations.AddField(
            model_name='auditedcrime',
            name='child_victim',
            field=models.BooleanField(default=False, help_text='The victim was under 18.'),
        ),
        migrations.AddField(
            model_name='auditedcrime',
            name='domestic_abuse',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='auditedcrime',
            name='modern_slavery',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='auditedcrime',
            name='safeguarding',
            field=models.CharField(blank=True, choices=[('yes', 'Yes'), ('no', 'No'), ('not_known', 'Not known')], help_text='For a crime the force did not record: was the victim safeguarded anyway? Yes, no or not known. Empty for a recorded crime.', max_length=20, verbose_name='safeguarding provided'),
        ),
        migrations.AddField(
            model_name='auditedcrime',
            name='vulnerable_victim',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='historicalauditedcase',
            name='anonymous_report',
            field=models.BooleanField(default=False, help_text='The report was made anonymously.'),
        ),
        migrations.AddField(
            model_name='historicalauditedcase',
            name='equality_information',
            field=models.CharField(blank=True, choices=[('yes', 'Obtained'), ('no', 'Not obtained'), ('not_applicable', 'Not applicable')], help_text="Did the force obtain the victim's equality information? Empty: not assessed.", max_length=20),
        ),
        migrations.AddField(
            model_name='historicalauditedcase',
            name='outcome',
            field=models.CharField(choices=[('crimes', 'Crimes disclosed'), ('no_crime', 'No crime disclosed'), ('n100_correct', 'N100 used correctly')], default='crimes', help_text='Crimes disclosed (enter them below), no crime disclosed, or N100 used correctly (an N100 record only). A case ending with no crime has no crimes and needs a reason.', max_length=20),
        ),
        migrations.AddField(
            model_name='historicalauditedcase',
            name='outcome_reason',
            field=models.CharField(blank=True, help_text='Why no crime was disclosed, or why N100 was correct. References and codes only.', max_length=300, verbose_name='reason for the outcome'),
        ),
        migrations.AddField(
            model_name='historicalauditedcase',
            name='third_party_report',
            field=models.BooleanField(default=False, help_text='Reported by a third party (e.g. a professional or a sexual assault referral centre).'),
        ),
        migrations.AddField(
            model_name='historicalauditedcrime',
            name='child_victim',
            field=models.BooleanField(default=False, help_text='The victim was under 18.'),
        ),
        migrations.AddField(
            model_name='historicalauditedcrime',
            name='domestic_abuse',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='historicalauditedcrime',
            name='modern_slavery',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='historicalauditedcrime',
            name='safeguarding',
            field=models.CharField(blank=True, choices=[('yes', 'Yes'), ('no', 'No'), ('not_known', 'Not known')], help_text='For a crime the force did not record: was the victim safeguarded anyway? Yes, no or not known. Empty for a recorded crime.', max_length=20, verbose_name='safeguarding provided'),
        ),
        migrations.AddField(
            model_name='historicalauditedcrime',
            name='vulnerable_victim',
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(flags_onto_crimes, flags_onto_cases),
        migrations.RemoveField(
            model_name='auditedcase',
            name='domestic_abuse',
        ),
        migrations.RemoveField(
            model_name='auditedcase',
            name='modern_slavery',
        ),
        migrations.RemoveField(
            model_name='auditedcase',
            name='vulnerable_victim',
        ),
        migrations.RemoveField(
            model_name='historicalauditedcase',
            name='domestic_abuse',
        ),
        migrations.RemoveField(
            model_name='historicalauditedcase',
            name='modern_slavery',
        ),
        migrations.RemoveField(
            model_name='historicalauditedcase',
            name='vulnerable_victim',
        ),
        migrations.AddConstraint(
            model_name='auditedcase',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'crimes'), ('outcome_reason', '')), models.Q(('outcome__in', ['n100_correct', 'no_crime']), models.Q(('outcome_reason', ''), _negated=True)), _connector='OR'), name='case_outcome_reason_when_no_crime', violation_error_message='A case ending with no crime needs a reason; one disclosing crimes has none.'),
        ),
        migrations.AddConstraint(
            model_name='auditedcase',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'n100_correct'), _negated=True), ('source', 'n100_record'), _connector='OR'), name='case_n100_correct_only_for_n100_records', violation_error_message='“N100 used correctly” is an outcome of an N100 record only.'),
        ),
        migrations.AddConstraint(
            model_name='auditedcase',
            constraint=models.CheckConstraint(condition=models.Q(('equality_information__in', ['', 'yes', 'no', 'not_applicable'])), name='case_equality_information_known', violation_error_message='Equality information is yes, no, not applicable or empty.'),
        ),
        migrations.AddConstraint(
            model_name='auditedcrime',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('recorded_offence__isnull', True), ('safeguarding__in', ['yes', 'no', 'not_known'])), models.Q(('recorded_offence__isnull', False), ('safeguarding', '')), _connector='OR'), name='crime_safeguarding_for_unrecorded_only', violation_error_message='Say whether the victim of an unrecorded crime was safeguarded (yes, no or not known); a recorded crime has no answer.'),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
