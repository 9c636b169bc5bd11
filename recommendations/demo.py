"""Demonstration findings with a little follow-up history, for the demo users to work on."""

from datetime import date

from audits.models import Inspection
from recommendations import services
from recommendations.models import Finding, Theme

DEMO_NOTE = "(Demonstration finding, not the published wording.)"

# force slug, kind, published month -> findings as (reference, kind, parent reference, timescale, themes, text)
DEMO_FINDINGS = {
    ("thames-valley", "cdi", date(2018, 2, 1)): [
        ("CoC1", "cause_of_concern", None, "3_months", ["Crime recording processes"],
         "The force is not recording a substantial proportion of the crimes reported to it."),
        ("R1.1", "recommendation", "CoC1", "3_months", ["Crime recording processes", "Timeliness"],
         "Make sure crimes reported through incident logs are recorded within 24 hours."),
        ("R1.2", "recommendation", "CoC1", "6_months", ["Training and awareness"],
         "Train call handlers and officers in the crime recording rules."),
        ("AFI1", "area_for_improvement", None, "6_months", ["Cancelled crimes"],
         "Make sure victims are told when their crime record is cancelled."),
    ],
    ("gloucestershire", "cdi", date(2019, 7, 1)): [
        ("CoC1", "cause_of_concern", None, "3_months", ["Rape and N100"],
         "Reports of rape are not always recorded, and the N100 classification is misused."),
        ("R1.1", "recommendation", "CoC1", "3_months", ["Rape and N100", "Audit and supervision"],
         "Audit N100 records so that every reported rape is recorded as a crime when it should be."),
        ("R1.2", "recommendation", "CoC1", "6_months", ["Vulnerable victims"],
         "Record crimes disclosed in safeguarding referrals."),
    ],
}


def load_demo_findings(users):
    inspector, staff = users["inspector"], {"thames-valley": users["tvp-staff"], "gloucestershire": users["glos-staff"]}
    for (slug, kind, published), rows in DEMO_FINDINGS.items():
        inspection = Inspection.objects.get(force__slug=slug, kind=kind, published_on=published)
        if inspection.findings.exists():
            continue
        made = {}
        for reference, finding_kind, parent, timescale, themes, text in rows:
            finding = Finding(inspection=inspection, kind=finding_kind, reference=reference,
                              parent=made.get(parent), timescale=timescale, text=f"{text} {DEMO_NOTE}")
            made[reference] = services.finding_save(finding=finding, by=inspector,
                                                    themes=Theme.objects.filter(name__in=themes))
        services.schedule_findings(inspection=inspection)
        _progress(made, staff[slug], inspector)
    _verdict(inspector)


def _update(finding, by, **kwargs):
    finding.refresh_from_db()
    services.finding_update(finding_id=finding.pk, by=by, expected_version=finding.version, **kwargs)


def _progress(made, staff, inspector):
    _update(made["R1.2"], staff, status="in_progress", comment="Training programme started for all call handlers.")
    if "AFI1" in made:
        _update(made["AFI1"], staff, status="implemented", comment="Victim letters now sent on every cancellation.")
    else:
        _update(made["R1.2"], staff, status="implemented", comment="Referrals now reviewed daily by the crime bureau.")
        _update(made["R1.2"], inspector, status="complete", comment="Verified at the re-audit.")


def _verdict(inspector):
    later = Inspection.objects.filter(force__slug="thames-valley", kind="cdi_reinspection").first()
    earlier = Finding.objects.filter(inspection__force__slug="thames-valley", reference="CoC1",
                                     inspection__kind="cdi").first()
    if later and earlier:
        services.verdict_record(inspection=later, finding=earlier, outcome="partly_implemented",
                                comment="Recording has improved but violent crime is still under-recorded.",
                                by=inspector)
