"""Demonstration data: users for each role and synthetic case-level samples.

The synthetic samples reproduce the rape audit counts published for two real inspections, with a few
hundred other audited crimes around them. Every page that shows them labels them synthetic
(Inspection.sample_is_synthetic). Nothing here runs unless DEBUG is on (see load_demo).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from audits.grading import Grade, GradingScheme, Question
from audits.models import (
    AuditedCase,
    AuditedCrime,
    CancellationReview,
    CountingRule,
    Inspection,
    OffenceSubgroup,
    RecordingError,
)
from audits.rules import ErrorKind, Safeguarding, default_rule_code
from audits.services.challenges import challenge_raise, challenge_resolve
from audits.services.inspections import inspection_change_status, inspection_revise_grades
from audits.services.moderation import case_agree, case_query, case_submit
from audits.services.published_data import freeze_loaded, load_published_results
from audits.services.sampling import draw_sample, frame_upload
from core.categories import ReportCategory, SourceResult
from forces.models import Force, ForceMembership, RecordedCrimeVolume
from forces.roles import Role

DEMO_PASSWORD = "demo"

DEMO_USERS = [
    # username, role, force slug, description
    ("inspector", Role.INSPECTOR, None, "Inspector: enters and moderates audits, every force"),
    ("inspector2", Role.INSPECTOR, None, "Second inspector: moderates the first one's cases"),
    ("tvp-staff", Role.FORCE_STAFF, "thames-valley", "Force staff of Thames Valley Police only"),
    ("glos-staff", Role.FORCE_STAFF, "gloucestershire", "Force staff of Gloucestershire Constabulary only"),
    ("kent-auditor", Role.FORCE_AUDITOR, "kent", "Force auditor: Kent Police's own audits only"),
    ("kent-auditor2", Role.FORCE_AUDITOR, "kent", "Second force auditor: moderates the first one's Kent cases"),
    ("manager", Role.MANAGER, None, "Manager: reads reports for every force"),
    ("admin", Role.ADMINISTRATOR, None, "Administrator: users, roles and reference data"),
]


@dataclass(frozen=True)
class RapeAudit:
    """Published rape audit counts that a synthetic sample must reproduce."""

    recorded: int
    misclassified: int
    not_recorded: int
    n100_misused: int

    @property
    def audited(self):
        return self.recorded + self.misclassified + self.not_recorded + self.n100_misused


# A synthetic cancellation review: (category, ground, AVI evidenced, DDM authorised, victim told, reason if
# incorrect). 14 of 20 correct, in the range published reviews found; the incorrect ones fail for the usual
# reasons (a withdrawal of support taken for AVI, no designated decision maker, a transfer never accepted).
GLOUCESTERSHIRE_CANCELLATIONS = [
    ("rape", "C2", "yes", True, True, ""),
    ("rape", "C2", "no", True, False, "No additional verifiable information: cancelled when the victim withdrew "
                                      "support."),
    ("rape", "C2", "yes", True, True, ""),
    ("rape", "C3", "not_applicable", True, True, ""),
    ("rape", "C2", "yes", False, True, "Not authorised by a designated decision maker."),
    ("other_sexual_offences", "C2", "yes", True, True, ""),
    ("other_sexual_offences", "C4", "not_applicable", True, True, ""),
    ("other_sexual_offences", "C2", "no", True, False, "A retraction treated as AVI; the offence had been disclosed "
                                                       "to a teacher."),
    ("other_sexual_offences", "C1", "not_applicable", True, True, ""),
    ("other_sexual_offences", "C2", "yes", True, False, ""),
    ("violence_against_the_person", "C2", "yes", True, True, ""),
    ("violence_against_the_person", "C3", "not_applicable", True, True, ""),
    ("violence_against_the_person", "C2", "no", True, False, "The victim declined to support a prosecution: that "
                                                             "is not AVI."),
    ("violence_against_the_person", "C1", "not_applicable", False, True, "Transferred before the other force "
                                                                         "accepted the crime."),
    ("violence_against_the_person", "C4", "not_applicable", True, True, ""),
    ("robbery", "C2", "yes", True, True, ""),
    ("robbery", "C3", "not_applicable", True, True, ""),
    ("robbery", "C4", "not_applicable", True, False, "Not recorded in error: property was taken by force, a "
                                                     "robbery."),
    ("robbery", "C2", "yes", True, True, ""),
    ("robbery", "C1", "not_applicable", True, True, ""),
]


@dataclass(frozen=True)
class SyntheticSample:
    force_slug: str
    kind: str
    published: date
    prefix: str
    reported_from: date
    reported_to: date
    rape: RapeAudit
    other_cases: int
    seed: int
    # What the inspection audited and carried forward (audits/scope.py); empty: everything audited.
    audited: tuple[str, ...] = ()
    carried_forward: tuple[str, ...] = ()
    cancellations: tuple = ()


SAMPLES = [
    # Thames Valley 2019 re-inspection: 126 of 138 rapes recorded; of the 12 others 5 misclassified, 7 not recorded.
    # It audits the categories and the results its report published figures for, and carries the other results
    # forward from the 2017 inspection (whose report gave vulnerable victims as 9 of 20). The report published a
    # figure for every category, so carrying a category forward here would hide a real published figure.
    SyntheticSample("thames-valley", Inspection.Kind.CDI_REINSPECTION, date(2019, 7, 1), "SYN-TVP",
                    date(2018, 9, 1), date(2019, 2, 28), RapeAudit(126, 5, 7, 0), other_cases=300, seed=2019,
                    audited=(*ReportCategory.values, SourceResult.DOMESTIC_ABUSE, SourceResult.TIMELINESS),
                    carried_forward=(SourceResult.VULNERABLE_VICTIM, SourceResult.MODERN_SLAVERY, SourceResult.N100,
                                     SourceResult.CANCELLATIONS)),
    # Gloucestershire 2019: 87 of 117; of the 30 others 6 misclassified, 13 not recorded, 11 N100 used wrongly.
    SyntheticSample("gloucestershire", Inspection.Kind.CDI, date(2019, 7, 1), "SYN-GLO",
                    date(2018, 7, 1), date(2018, 12, 31), RapeAudit(87, 6, 13, 11), other_cases=280, seed=1907,
                    cancellations=tuple(GLOUCESTERSHIRE_CANCELLATIONS)),
]

# Other offences audited around the rapes: (subgroup, weight, what a misclassification records instead).
OTHER_OFFENCES = [
    ("Violence with injury", 24, "Violence without injury"),
    ("Violence without injury", 28, "Public order offences"),
    ("Stalking and harassment", 14, "Public order offences"),
    ("Other sexual offences", 6, "Public order offences"),
    ("Criminal damage", 8, "Public order offences"),
    ("Public order offences", 8, "Miscellaneous crimes against society"),
    ("All other theft offences", 7, "Criminal damage"),
    ("Residential burglary", 5, "All other theft offences"),
]


# Synthetic 12-month recorded-crime volumes (excluding fraud) per force, so that the demo can show
# unrecorded-crime estimates. Not Home Office figures: import the real table with import_prc.
DEMO_VOLUMES = {"thames-valley": 144_000, "gloucestershire": 35_000}
DEMO_VOLUME_SHARES = {
    ReportCategory.ALL_CRIME: 1.0,
    ReportCategory.VIOLENCE: 0.29,
    ReportCategory.SEXUAL: 0.024,
    ReportCategory.RAPE: 0.009,
}
DEMO_VOLUME_SOURCE = "Synthetic demonstration volume (not Home Office data)"


# A grade revised after publication, as it happened: HMIC's Staffordshire Police crime data integrity
# inspection 2016 (published 25 August 2016, overall requires improvement). After its January 2017 review of
# the programme HMIC graded the three core questions of the published findings and, in an addendum of
# 9 February 2017, changed the overall judgment to good. Grades only: its figures are not in the published
# results file, so none are loaded.
STAFFORDSHIRE_2016 = {
    "force_slug": "staffordshire", "kind": Inspection.Kind.CDI, "published_on": date(2016, 8, 25), "year": 2016,
    "grading_scheme": GradingScheme.CDI_2016, "grade": Grade.REQUIRES_IMPROVEMENT,
    "report_reference": "justiceinspectorates.gov.uk/hmicfrs/publications/staffordshire-crime-data-integrity-"
                        "inspection-2016/",
    "notes": "Grades as published and as revised by HMIC's addendum of 9 February 2017. HMIC's announcement: the "
             "force recorded around 91% of reported crime; the report's figures are not loaded here.",
}
STAFFORDSHIRE_REVISION = {
    "grades": {Question.OVERALL: Grade.GOOD, Question.EFFECTIVENESS: Grade.GOOD,
               Question.SYSTEMS: Grade.REQUIRES_IMPROVEMENT, Question.LEADERSHIP: Grade.GOOD},
    "revised_on": date(2017, 2, 9),
    "reason": "HMIC's January 2017 review of the crime data integrity programme graded three core questions and "
              "slightly lowered and broadened the recording-rate bands; applied to the published findings "
              "(addendum of 9 February 2017).",
}


@transaction.atomic
def load_demo():
    """The audit side of the demo (recommendations' load_demo command adds the findings on top)."""
    inspections = load_published_results(freeze=False)
    ensure_demo_volumes()
    users = ensure_demo_users()
    made = [build_synthetic_sample(sample, users["inspector"], users["inspector2"]) for sample in SAMPLES]
    freeze_loaded(inspections)
    ensure_revised_grade_example(users["inspector"])
    ensure_demo_work(users)
    ensure_kent_self_audits(users)
    return users, made


def ensure_revised_grade_example(inspector):
    """Staffordshire 2016 as first published (version 1 of its record), then its grades revised through the
    service, as an inspector would (version 2), unless it is there already. The revision is told to the force's
    staff and the managers: the demo manager's notification."""
    details = dict(STAFFORDSHIRE_2016)
    force = Force.objects.get(slug=details.pop("force_slug"))
    inspection, created = Inspection.objects.get_or_create(
        force=force, kind=details.pop("kind"), published_on=details.pop("published_on"),
        defaults={**details, "status": Inspection.Status.PUBLISHED})
    if created:
        freeze_loaded([inspection])
        inspection_revise_grades(inspection=inspection, by=inspector, **STAFFORDSHIRE_REVISION)
    return inspection


def ensure_demo_volumes():
    quarter_ends = [date(year, month, day) for year in range(2016, 2020)
                    for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))]
    for slug, total in DEMO_VOLUMES.items():
        force = Force.objects.get(slug=slug)
        for end in quarter_ends:
            for category, share in DEMO_VOLUME_SHARES.items():
                RecordedCrimeVolume.objects.get_or_create(
                    force=force, period_end=end, category=category,
                    defaults={"count": round(total * share), "source": DEMO_VOLUME_SOURCE},
                )


def ensure_demo_users():
    User = get_user_model()
    forces = {force.slug: force for force in Force.objects.filter(slug__in=[u[2] for u in DEMO_USERS if u[2]])}
    users = {}
    for username, role, force_slug, description in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.first_name = description.split(":")[0]
        user.is_staff = role in (Role.INSPECTOR, Role.ADMINISTRATOR, Role.FORCE_AUDITOR)  # the admin's entry screens
        user.is_superuser = role == Role.ADMINISTRATOR
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role.value)])
        if force_slug:
            ForceMembership.objects.update_or_create(user=user, defaults={"force": forces[force_slug]})
        else:
            ForceMembership.objects.filter(user=user).delete()
        users[username] = user
    return users


def build_synthetic_sample(sample, auditor, moderator):
    """Create the sample's cases unless they exist already. Returns the inspection."""
    inspection = Inspection.objects.get(force__slug=sample.force_slug, kind=sample.kind, published_on=sample.published)
    if inspection.cases.exists():
        return inspection
    # Build while unlocked, publish again afterwards.
    inspection.status = Inspection.Status.MODERATION
    inspection.sample_is_synthetic = True
    # The reference data gives no audit period for a re-inspection: the synthetic sample's report dates stand in,
    # so that the demo finds a (synthetic) recorded-crime volume for additional crimes a year.
    inspection.audit_period_start = inspection.audit_period_start or sample.reported_from
    inspection.audit_period_end = inspection.audit_period_end or sample.reported_to
    inspection.audited_areas = [str(area) for area in sample.audited]
    inspection.carried_forward_areas = [str(area) for area in sample.carried_forward]
    inspection.full_clean()
    inspection.save()
    _SampleBuilder(sample, inspection, auditor, moderator).build()
    inspection.status = Inspection.Status.PUBLISHED
    inspection.save()
    return inspection


class _SampleBuilder:
    def __init__(self, sample, inspection, auditor, moderator):
        self.sample = sample
        self.inspection = inspection
        self.auditor = auditor
        self.moderator = moderator
        self.rng = random.Random(sample.seed)
        self.offences = {o.name: o for o in OffenceSubgroup.objects.all()}
        self.rules = {rule.code: rule for rule in CountingRule.objects.all()}
        self.serial = 0
        self.victim = {}  # the victim flags of the crimes being added

    def build(self):
        rape = self.sample.rape
        outcomes = (
            ["recorded"] * rape.recorded
            + ["misclassified"] * rape.misclassified
            + ["not_recorded"] * rape.not_recorded
            + ["n100"] * rape.n100_misused
        )
        self.rng.shuffle(outcomes)
        for outcome in outcomes:
            self._rape_case(outcome)
        names = [name for name, _, _ in OTHER_OFFENCES]
        weights = [weight for _, weight, _ in OTHER_OFFENCES]
        instead = {name: other for name, _, other in OTHER_OFFENCES}
        for _ in range(self.sample.other_cases):
            case = self._case(self.rng.choices(["incident_log", "crime_bureau", "safeguarding_referral"],
                                               [70, 20, 10])[0])
            first = self.rng.choices(names, weights)[0]
            # The victim flags of the case's first crime (drawn as they always were, so the sample stays as it was).
            self.victim = {"domestic_abuse": first.startswith(("Violence", "Stalking")) and self.rng.random() < 0.35,
                           "vulnerable_victim": self.rng.random() < 0.08}
            self._describe(case)
            self._other_crime(case, first, instead[first], additional=False)
            if self.rng.random() < 0.2:
                second = self.rng.choices(names, weights)[0]
                # Another victim's crime: one case in two shares the first victim's flags, the other does not, so
                # that the flags show a crime flagged beside an unflagged sibling.
                if self.serial % 2 == 0:
                    self.victim = {}
                self._other_crime(case, second, instead[second], additional=True)
        self._cancellation_review()
        self._records_without_crime()

    def _describe(self, case):
        """How the record reached the force and whether equality information was obtained: from the case's
        number, not the random stream, so the sample stays as it was."""
        case.third_party_report = case.source in ("third_party_report", "safeguarding_referral") \
            and self.serial % 3 != 0
        case.equality_information = ("no" if self.serial % 4 == 0 else
                                     "not_applicable" if self.serial % 9 == 0 else "yes")
        case.save()

    def _records_without_crime(self):
        """Records that disclosed no crime (incident logs), and N100 records found correctly classified where the
        inspection audited N100 records: added after the rest, so that the crimes drawn before are unchanged."""
        outcomes = [("incident_log", "no_crime", "Concern for welfare; no crime disclosed on the log.")] * 12
        if self.sample.rape.n100_misused:
            outcomes += [("n100_record", "n100_correct",
                          "Report assessed; no rape disclosed under the counting rules.")] * 10
        for source, outcome, reason in outcomes:
            case = self._case(source)
            case.outcome, case.outcome_reason = outcome, reason
            self._describe(case)

    def _cancellation_review(self):
        """The reviewed cancelled and transferred records: a sample of their own, never in a recording rate."""
        for number, (category, ground, avi, ddm, told, reason) in enumerate(self.sample.cancellations, start=1):
            review = CancellationReview(
                inspection=self.inspection, reference=f"{self.sample.prefix}-CX{number:03d}", category=category,
                ground=ground, avi_evidenced=avi, ddm_authorised=ddm, victim_told=told,
                verdict="incorrect" if reason else "correct", reason=reason,
                notes="Synthetic demonstration review.")
            review.full_clean()
            review.save()

    def _case(self, source):
        self.serial += 1
        span = (self.sample.reported_to - self.sample.reported_from).days
        day = self.sample.reported_from + timedelta(days=self.rng.randint(0, span))
        reported = timezone.make_aware(datetime.combine(day, time(self.rng.randint(0, 23), self.rng.randint(0, 59))))
        now = timezone.now()
        return AuditedCase.objects.create(
            inspection=self.inspection,
            reference=f"{self.sample.prefix}-{self.serial:05d}",
            source=source,
            reported_at=reported,
            auditor=self.auditor,
            moderation_state=AuditedCase.Moderation.AGREED,
            submitted_by=self.auditor,
            submitted_at=now,
            moderated_by=self.moderator,
            moderated_at=now,
            notes="Synthetic demonstration case.",
        )

    def _crime(self, case, expected, recorded=None, errors=(), late=False, cancellation="", rules=None):
        """``rules``: error kind -> code of a rule cited instead of the kind's usual one."""
        recorded_at = None
        if recorded:
            hours = self.rng.uniform(26, 120) if late else self.rng.uniform(0.5, 20)
            recorded_at = case.reported_at + timedelta(hours=hours)
        crime = AuditedCrime.objects.create(
            case=case,
            expected_offence=self.offences[expected],
            recorded_offence=self.offences[recorded] if recorded else None,
            recorded_at=recorded_at,
            force_crime_reference=f"CR{case.reference[-5:]}{self.rng.randint(10, 99)}" if recorded else "",
            cancellation_code=cancellation,
            # Whether an unrecorded crime's victim was safeguarded anyway: from the case's number, not the stream.
            safeguarding="" if recorded else ("no" if self.serial % 5 == 0 else
                                              "not_known" if self.serial % 5 == 1 else "yes"),
            **self.victim,
        )
        kinds = set(errors) | ({ErrorKind.RECORDED_LATE} if late else set())
        for kind in kinds:
            code = (rules or {}).get(kind)
            RecordingError.objects.create(crime=crime, kind=kind, rule=self.rules[code] if code else None)
        return crime

    def _cited_instead(self, case, expected, kind):
        """Some errors cite a rule other than their kind's usual one, so that the breakdown by rule shows
        more than the kinds do. Chosen from the case, not the random stream, so the sample stays as it was."""
        if kind == ErrorKind.NOT_RECORDED and case.source in ("third_party_report", "safeguarding_referral"):
            return "NCRS-THIRD-PARTY"
        if kind == ErrorKind.MISCLASSIFIED and expected == "Stalking and harassment":
            return "HOCR-PCR"
        if kind == ErrorKind.ADDITIONAL_CRIME_MISSED and self.serial % 3 == 0:
            return "HOCR-FIR"
        if kind == ErrorKind.WRONGLY_CANCELLED and self.serial % 2 == 0:
            return "CANCEL-DDM"
        return None

    def _crime_with_errors(self, case, expected, errors, **fields):
        rules = {kind: code for kind in errors if (code := self._cited_instead(case, expected, kind))}
        return self._crime(case, expected, errors=errors, rules=rules, **fields)

    def _rape_case(self, outcome):
        source = "n100_record" if outcome == "n100" else self.rng.choices(
            ["incident_log", "safeguarding_referral", "third_party_report"], [60, 25, 15])[0]
        case = self._case(source)
        self.victim = {"vulnerable_victim": self.rng.random() < 0.3, "domestic_abuse": self.rng.random() < 0.25,
                       "child_victim": self.serial % 7 == 0}
        # Gloucestershire's unrecorded rapes were largely anonymous reports through a sexual assault referral centre.
        case.anonymous_report = outcome in ("not_recorded", "n100") and self.serial % 3 != 0
        self._describe(case)
        if outcome == "recorded":
            self._crime(case, "Rape", recorded="Rape")
        elif outcome == "misclassified":
            self._crime(case, "Rape", recorded="Other sexual offences", errors=[ErrorKind.MISCLASSIFIED])
        elif outcome == "not_recorded":
            self._crime_with_errors(case, "Rape", [ErrorKind.NOT_RECORDED])
        else:
            self._crime(case, "Rape", errors=[ErrorKind.N100_MISUSED])

    def _other_crime(self, case, expected, instead, additional):
        roll = self.rng.random()
        if additional and roll < 0.45:
            self._crime_with_errors(case, expected, [ErrorKind.ADDITIONAL_CRIME_MISSED])
        elif roll < 0.10:
            self._crime_with_errors(case, expected, [ErrorKind.NOT_RECORDED])
        elif roll < 0.15:
            self._crime_with_errors(case, expected, [ErrorKind.MISCLASSIFIED], recorded=instead)
        elif roll < 0.17:
            self._crime_with_errors(case, expected, [ErrorKind.WRONGLY_CANCELLED, ErrorKind.VICTIM_NOT_TOLD],
                                    recorded=expected, cancellation="C2")
        else:
            self._crime(case, expected, recorded=expected, late=self.rng.random() < 0.08)


# Work in progress --------------------------------------------------------------------------------------------------
# Two synthetic PEEL victim service assessments still under way, so that every demo user starts on work: in
# Gloucestershire a frame uploaded, a seeded sample drawn and cases in every moderation state (each inspector's
# waiting for the other); in Thames Valley all cases agreed and open to challenge, with one challenge open and one
# decided. Everything moves through the services, so the notifications they send are waiting for the users.
# Dates follow today's, so the work always looks current.

WORK_NOTE = "Synthetic demonstration work in progress: not a real inspection."
WORK_SEED = 2026


def _work_dates(today: date) -> dict:
    end = today.replace(day=1) - timedelta(days=120)
    end = end.replace(day=28)
    return {"audit_period_start": end - timedelta(days=181), "audit_period_end": end,
            "fieldwork_start": today - timedelta(days=14)}


def _work_inspection(slug: str, status: str, today: date, **extra) -> tuple[Inspection, bool]:
    force = Force.objects.get(slug=slug)
    existing = Inspection.objects.filter(force=force, kind=Inspection.Kind.PEEL_VICTIM_SERVICE,
                                         notes=WORK_NOTE).first()
    if existing is not None:
        return existing, False
    inspection = Inspection(force=force, kind=Inspection.Kind.PEEL_VICTIM_SERVICE, status=status,
                            sample_is_synthetic=True, notes=WORK_NOTE, **_work_dates(today), **extra)
    inspection.full_clean()
    inspection.save()
    return inspection, True


def _frame_csv(prefix: str, start: date, rng: random.Random) -> bytes:
    lines = ["reference,occurred_at,stratum"]
    for n in range(1, 121):
        day = start + timedelta(days=rng.randint(0, 180))
        lines.append(f"{prefix}-{n:04d},{day:%d/%m/%Y} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d},"
                     f"{'crime_bureau' if n % 4 == 0 else 'incident_log'}")
    return ("\n".join(lines) + "\n").encode()


def _work_crime(case: AuditedCase, offences: dict, expected: str, *, recorded: bool = True,
                error: str = "") -> AuditedCrime:
    crime = AuditedCrime.objects.create(
        case=case, expected_offence=offences[expected],
        recorded_offence=offences[expected] if recorded else None,
        recorded_at=case.reported_at + timedelta(hours=3) if recorded else None,
        force_crime_reference=f"CR-{case.reference}" if recorded else "",
        safeguarding="" if recorded else Safeguarding.YES)
    if error:
        RecordingError.objects.create(crime=crime, kind=error)
    return crime


def ensure_demo_work(users: dict) -> list[Inspection]:
    """The two inspections in progress, unless they are there already."""
    today = timezone.localdate()
    offences = {o.name: o for o in OffenceSubgroup.objects.all()}
    inspector, inspector2, admin = users["inspector"], users["inspector2"], users["admin"]

    glos, created = _work_inspection("gloucestershire", Inspection.Status.FIELDWORK, today)
    if created:
        rng = random.Random(WORK_SEED)
        frame = SimpleUploadedFile("glos-extract.csv", _frame_csv("GLO-PV", glos.audit_period_start, rng))
        frame_upload(inspection=glos, upload=frame, filename="glos-extract.csv", by=inspector)
        draw_sample(inspection=glos, seed=WORK_SEED, sizes={"incident_log": 9, "crime_bureau": 3}, by=inspector)
        cases = list(glos.cases.order_by("reference"))
        auditors = [inspector, inspector2, inspector, inspector2, inspector, inspector2, inspector, inspector2,
                    admin, inspector, inspector, inspector2]
        kinds = ["Violence with injury", "Stalking and harassment", "Rape", "Violence without injury"]
        for n, (case, auditor) in enumerate(zip(cases, auditors, strict=True)):
            AuditedCase.objects.filter(pk=case.pk).update(auditor=auditor)
            case.auditor = auditor
            _work_crime(case, offences, kinds[n % 4], recorded=n % 3 != 1,
                        error="" if n % 3 != 1 else ErrorKind.NOT_RECORDED)
        # 0-1 agreed, 2-3 queried (one of the administrator's), 4-7 submitted (two for each inspector), 8-11 draft.
        for case in cases[:8]:
            case_submit(case=case, by=case.auditor)
        case_agree(case=cases[0], by=inspector2)
        case_agree(case=cases[1], by=inspector)
        case_query(case=cases[2], by=inspector2,
                   reason="The crime bureau recorded this on the day: check the crime reference and its time.")
        admin_case = cases[8]
        case_submit(case=admin_case, by=admin)
        case_query(case=admin_case, by=inspector,
                   reason="Which rule makes the stalking a second crime? Cite it or remove the crime.")
        case_query(case=cases[3], by=inspector,
                   reason="The log shows a third-party report: say whether the victim was safeguarded.")

    tvp, created = _work_inspection("thames-valley", Inspection.Status.FIELDWORK, today,
                                    challenges_close_on=today + timedelta(days=7), year=today.year)
    if created:
        errors = []
        for n in range(6):
            case = AuditedCase.objects.create(
                inspection=tvp, reference=f"TVP-PV-{n + 1:04d}", source=AuditedCase.Source.INCIDENT_LOG,
                reported_at=timezone.make_aware(datetime.combine(tvp.audit_period_start + timedelta(days=20 * n),
                                                                 time(9 + n, 15))),
                auditor=inspector, notes="Synthetic demonstration case.")
            crime = _work_crime(case, offences, ["Rape", "Violence with injury", "Other sexual offences"][n % 3],
                                recorded=n % 2 == 0, error="" if n % 2 == 0 else ErrorKind.NOT_RECORDED)
            errors += list(crime.errors.all())
            case_submit(case=case, by=inspector)
            case_agree(case=case, by=inspector2)
        inspection_change_status(inspection=tvp, status=Inspection.Status.MODERATION, by=inspector)
        staff = users["tvp-staff"]
        decided = challenge_raise(error_id=errors[0].pk, by=staff,
                                  reason="Recorded as crime CR-TVP-PV-0002 within the hour; the extract missed it.")
        challenge_resolve(challenge_id=decided.pk, by=inspector2, outcome="upheld",
                          note="CR-TVP-PV-0002 is a different victim's crime: this report was never recorded.")
        challenge_raise(error_id=errors[1].pk, by=staff,
                        reason="The caller withdrew the allegation before officers attended; no crime was disclosed.")
    return [glos, tvp]


# Kent's own audits: a year of monthly self-audits whose compliance drifts upward (88% to 97%), while a (synthetic)
# inspection of the last three months finds about 80%. Dated from today, like the work in progress.
SELF_AUDIT_NOTE = "Synthetic demonstration: Kent Police's own monthly audit, not a real one."
KENT_INSPECTION_NOTE = "Synthetic demonstration inspection of Kent Police, to set against its own audits."
# The year of own audits runs to November 2018, between Kent's real 2017 inspection and its 2019 re-inspection, so
# the synthetic inspection set against them is published before the re-inspection and never stands as Kent's
# latest published figure (the overview, league tables and public page keep showing the real one).
KENT_OWN_AUDITS_UNTIL = date(2018, 12, 1)
SELF_AUDIT_CRIMES = 80  # crimes a month
SELF_AUDIT_OFFENCES = [("Violence with injury", 22), ("Violence without injury", 22), ("Stalking and harassment", 10),
                       ("Rape", 8), ("Other sexual offences", 10), ("Public order offences", 14),
                       ("Criminal damage", 8), ("All other theft offences", 6)]


def _month_starts(today: date, months: int) -> list[date]:
    """The first days of the ``months`` whole months before this one, oldest first."""
    starts, first = [], today.replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
        starts.append(first)
    return starts[::-1]


def _month_end(start: date) -> date:
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _bulk_sample(inspection: Inspection, prefix: str, crimes: int, rate: float, rng: random.Random, auditor,
                 moderator) -> None:
    """``crimes`` one-crime cases, each recorded with probability ``rate`` (else not recorded, with its error),
    already agreed in moderation: written in bulk, so the demo stays fast."""
    offences = {o.name: o for o in OffenceSubgroup.objects.all()}
    names, weights = zip(*SELF_AUDIT_OFFENCES, strict=True)
    start, end = inspection.audit_period_start, inspection.audit_period_end
    now = timezone.now()
    cases = AuditedCase.objects.bulk_create([
        AuditedCase(inspection=inspection, reference=f"{prefix}-{n + 1:04d}", source=AuditedCase.Source.INCIDENT_LOG,
                    reported_at=timezone.make_aware(datetime.combine(
                        start + timedelta(days=rng.randint(0, (end - start).days)), time(rng.randint(0, 23), 30))),
                    auditor=auditor, moderation_state=AuditedCase.Moderation.AGREED, submitted_by=auditor,
                    submitted_at=now, moderated_by=moderator, moderated_at=now, notes="Synthetic demonstration case.")
        for n in range(crimes)])
    if any(case.pk is None for case in cases):  # a database that returns no ids from bulk_create
        cases = list(inspection.cases.order_by("reference"))
    rows, unrecorded = [], []
    for case in cases:
        offence = offences[rng.choices(names, weights)[0]]
        recorded = rng.random() < rate
        rows.append(AuditedCrime(case=case, expected_offence=offence, recorded_offence=offence if recorded else None,
                                 recorded_at=case.reported_at + timedelta(hours=rng.randint(1, 30)) if recorded
                                 else None, force_crime_reference=f"CR-{case.reference}" if recorded else "",
                                 safeguarding="" if recorded else Safeguarding.YES))
        unrecorded.append(not recorded)
    made = AuditedCrime.objects.bulk_create(rows)
    if any(crime.pk is None for crime in made):
        made = list(AuditedCrime.objects.filter(case__inspection=inspection).order_by("case__reference"))
    rule = CountingRule.objects.filter(code=default_rule_code(ErrorKind.NOT_RECORDED, "")).first()
    RecordingError.objects.bulk_create([RecordingError(crime=crime, kind=ErrorKind.NOT_RECORDED, rule=rule)
                                        for crime, missing in zip(made, unrecorded, strict=True) if missing])


def ensure_kent_self_audits(users: dict) -> list[Inspection]:
    """Kent's twelve monthly self-audits, closed by its auditor (each closing tells the force and the inspectors),
    and a published synthetic Kent inspection of the last three months, unless they are there already."""
    kent = Force.objects.get(slug="kent")
    if Inspection.objects.filter(force=kent, notes=SELF_AUDIT_NOTE).exists():
        return list(Inspection.objects.filter(force=kent, notes=SELF_AUDIT_NOTE))
    auditor, auditor2 = users["kent-auditor"], users["kent-auditor2"]
    rng = random.Random(WORK_SEED + 17)
    starts = _month_starts(KENT_OWN_AUDITS_UNTIL, 12)
    audits = []
    for n, start in enumerate(starts):
        audit = Inspection(force=kent, kind=Inspection.Kind.FORCE_SELF_AUDIT, status=Inspection.Status.MODERATION,
                           audit_period_start=start, audit_period_end=_month_end(start), sample_is_synthetic=True,
                           notes=SELF_AUDIT_NOTE)
        audit.full_clean()
        audit.save()
        _bulk_sample(audit, f"KNT-SA-{start:%Y%m}", SELF_AUDIT_CRIMES, 0.88 + 0.09 * n / 11, rng, auditor, auditor2)
        inspection_change_status(inspection=audit, status=Inspection.Status.CLOSED, by=auditor)
        audits.append(audit)
    inspector, inspector2 = users["inspector"], users["inspector2"]
    inspection = Inspection(force=kent, kind=Inspection.Kind.CDI, status=Inspection.Status.MODERATION,
                            audit_period_start=starts[-3], audit_period_end=_month_end(starts[-1]),
                            fieldwork_start=KENT_OWN_AUDITS_UNTIL + timedelta(days=2),
                            fieldwork_end=KENT_OWN_AUDITS_UNTIL + timedelta(days=13),
                            published_on=KENT_OWN_AUDITS_UNTIL + timedelta(days=19),
                            sample_is_synthetic=True, notes=KENT_INSPECTION_NOTE)
    inspection.full_clean()
    inspection.save()
    _bulk_sample(inspection, "KNT-CDI", 240, 0.80, rng, inspector, inspector2)
    inspection_change_status(inspection=inspection, status=Inspection.Status.PUBLISHED, by=inspector)
    return audits
