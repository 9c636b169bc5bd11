"""Database backstop: a recording error may not contradict its crime.

A check constraint cannot look at another table, so triggers do it on both databases. The kinds
below mirror audits.rules.ERROR_NEEDS (tests/test_constraints.py checks they stay in step).

Note for SQLite: Django rebuilds a table to alter it, which drops its triggers. A later migration
that alters audits_recordingerror or audits_auditedcrime must recreate these triggers.
"""

from django.db import migrations

NEEDS_UNRECORDED = ("not_recorded", "n100_misused", "additional_crime_missed")
NEEDS_RECORDED = ("misclassified", "recorded_late")
NEEDS_CANCELLED = ("wrongly_cancelled", "victim_not_told")
MESSAGE = "recording error kind contradicts the audited crime"


def _in(kinds):
    return "(" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def contradiction(kind, recorded_offence, cancellation):
    """SQL that is true when an error of ``kind`` cannot apply to a crime with these columns."""
    return (
        f"(({kind} IN {_in(NEEDS_UNRECORDED)} AND {recorded_offence} IS NOT NULL)"
        f" OR ({kind} IN {_in(NEEDS_RECORDED)} AND {recorded_offence} IS NULL)"
        f" OR ({kind} IN {_in(NEEDS_CANCELLED)} AND ({recorded_offence} IS NULL OR {cancellation} = '')))"
    )


ERROR_CONTRADICTS_CRIME = (
    "EXISTS (SELECT 1 FROM audits_auditedcrime c WHERE c.id = NEW.crime_id AND "
    + contradiction("NEW.kind", "c.recorded_offence_id", "c.cancellation_code")
    + ")"
)
CRIME_CONTRADICTS_ERRORS = (
    "EXISTS (SELECT 1 FROM audits_recordingerror e WHERE e.crime_id = NEW.id AND "
    + contradiction("e.kind", "NEW.recorded_offence_id", "NEW.cancellation_code")
    + ")"
)

SQLITE_FORWARD = [
    f"""CREATE TRIGGER audits_error_fits_crime_insert BEFORE INSERT ON audits_recordingerror
        FOR EACH ROW WHEN {ERROR_CONTRADICTS_CRIME}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audits_error_fits_crime_update BEFORE UPDATE ON audits_recordingerror
        FOR EACH ROW WHEN {ERROR_CONTRADICTS_CRIME}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER audits_crime_fits_errors_update BEFORE UPDATE ON audits_auditedcrime
        FOR EACH ROW WHEN {CRIME_CONTRADICTS_ERRORS}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audits_error_fits_crime_insert",
    "DROP TRIGGER IF EXISTS audits_error_fits_crime_update",
    "DROP TRIGGER IF EXISTS audits_crime_fits_errors_update",
]

POSTGRES_FORWARD = [
    f"""CREATE FUNCTION audits_error_fits_crime() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {ERROR_CONTRADICTS_CRIME} THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER audits_error_fits_crime BEFORE INSERT OR UPDATE ON audits_recordingerror
        FOR EACH ROW EXECUTE FUNCTION audits_error_fits_crime()""",
    f"""CREATE FUNCTION audits_crime_fits_errors() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF {CRIME_CONTRADICTS_ERRORS} THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$""",
    """CREATE TRIGGER audits_crime_fits_errors BEFORE UPDATE ON audits_auditedcrime
        FOR EACH ROW EXECUTE FUNCTION audits_crime_fits_errors()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS audits_error_fits_crime ON audits_recordingerror",
    "DROP FUNCTION IF EXISTS audits_error_fits_crime()",
    "DROP TRIGGER IF EXISTS audits_crime_fits_errors ON audits_auditedcrime",
    "DROP FUNCTION IF EXISTS audits_crime_fits_errors()",
]


def forward(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audits", "0002_offence_classification")]
    operations = [migrations.RunPython(forward, backward)]
