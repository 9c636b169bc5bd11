"""Reads for re-audits: every queryset goes through ``for_user`` (forces/scoping.py). The force sees its
self-audit's re-audits once they are submitted; the inspectorate sees them throughout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from audits.models import AuditedCase, AuditedCrime, Inspection
from audits.rules import ErrorKind
from core.categories import REPORT_CATEGORY_MEMBERS, ReportCategory
from forces.roles import can_edit_audits
from reaudits.models import ReAudit, ReAuditCase, ReAuditFinding, ReAuditVerdict
from reports.agreement import Agreement, AgreementTable, cohens_kappa

if TYPE_CHECKING:
    from core.types import AnyUser

Side = ReAuditFinding.Side


def reaudits_for(user: AnyUser) -> QuerySet[ReAudit]:
    rows: QuerySet[ReAudit] = ReAudit.objects.for_user(user).select_related("self_audit__force", "drawn_by")
    if not can_edit_audits(user):
        rows = rows.filter(submitted_at__isnull=False)
    return rows


def eligible_cases(self_audit: Inspection) -> QuerySet[AuditedCase]:
    """The self-audit's cases a re-audit can draw: those with audited crimes, in reference order."""
    return (AuditedCase.objects.filter(inspection=self_audit, pk__in=AuditedCrime.objects.values("case_id"))
            .order_by("reference"))


def unfinished_cases(self_audit: Inspection) -> QuerySet[AuditedCase]:
    """Cases not yet agreed in moderation (none count once the self-audit is closed)."""
    if self_audit.status == Inspection.Status.CLOSED:
        return AuditedCase.objects.none()
    return AuditedCase.objects.filter(inspection=self_audit).exclude(moderation_state=AuditedCase.Moderation.AGREED)


def reaudit_cases(reaudit: ReAudit) -> QuerySet[ReAuditCase]:
    return (ReAuditCase.objects.filter(reaudit=reaudit).select_related("case")
            .annotate(crime_count=Count("case__crimes", distinct=True), verdict_count=Count("verdicts", distinct=True))
            .order_by("position"))


def blind_crimes(case: AuditedCase) -> QuerySet[AuditedCrime]:
    """A case's crimes as the force's record shows them: what was reported and recorded, never the force's
    auditors' errors or notes (nothing here reaches them)."""
    return (AuditedCrime.objects.filter(case=case).select_related("expected_offence", "recorded_offence")
            .only("id", "case_id", "expected_offence__name", "expected_offence__category", "force_crime_reference",
                  "recorded_offence__name", "recorded_at", "cancellation_code", "domestic_abuse",
                  "vulnerable_victim", "modern_slavery", "child_victim")
            .order_by("id"))


def inspector_findings(reaudit_case: ReAuditCase) -> dict[int, list[ReAuditFinding]]:
    """The inspector's findings on a case's crimes so far, by crime id."""
    found: dict[int, list[ReAuditFinding]] = {}
    for finding in (ReAuditFinding.objects.filter(verdict__reaudit_case=reaudit_case, side=Side.INSPECTORATE)
                    .select_related("rule", "verdict")):
        found.setdefault(finding.verdict.crime_id, []).append(finding)
    return found


# Results ------------------------------------------------------------------------------------------------------


@dataclass
class CategoryAgreement:
    category: ReportCategory
    agreement: Agreement


@dataclass
class Results:
    categories: list[CategoryAgreement]
    by_kind: list[dict[str, Any]]
    by_rule: list[dict[str, Any]]
    disagreements: list[ReAuditVerdict]
    crimes: int = 0


def _tables(reaudit: ReAudit) -> dict[ReportCategory, AgreementTable]:
    """The 2×2 table of verdicts per report category, counted in the database by offence category."""
    counts = (ReAuditVerdict.objects.filter(reaudit_case__reaudit=reaudit)
              .values("crime__expected_offence__category", "force_compliant", "compliant")
              .annotate(n=Count("pk")).order_by())
    tables: dict[ReportCategory, AgreementTable] = {}
    for category in ReportCategory:
        members = REPORT_CATEGORY_MEMBERS[category]
        cells = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
        for row in counts:
            if members is None or row["crime__expected_offence__category"] in members:
                cells[(bool(row["force_compliant"]), row["compliant"])] += row["n"]
        tables[category] = AgreementTable(
            both_compliant=cells[(True, True)], force_only_compliant=cells[(True, False)],
            inspectorate_only_compliant=cells[(False, True)], neither_compliant=cells[(False, False)])
    return tables


def _unmatched(reaudit: ReAudit, side: str, *, same_rule: bool) -> QuerySet[ReAuditFinding]:
    """``side``'s findings that the other side did not make on the same crime (the same kind; with
    ``same_rule``, the same kind citing the same rule)."""
    other = "force" if side == Side.INSPECTORATE else "inspectorate"
    match = ReAuditFinding.objects.filter(verdict=OuterRef("verdict"), side=other, kind=OuterRef("kind"))
    if same_rule:
        match = match.filter(rule=OuterRef("rule"))
    return (ReAuditFinding.objects.filter(verdict__reaudit_case__reaudit=reaudit, side=side)
            .exclude(Exists(match)))


def reaudit_results(reaudit: ReAudit) -> Results:
    """Agreement per category, and where the two sides' findings differ by error kind and by rule."""
    tables = _tables(reaudit)
    categories = [CategoryAgreement(category, cohens_kappa(tables[category])) for category in ReportCategory]
    labels = dict(ErrorKind.choices)
    kinds: dict[str, dict[str, Any]] = {}
    rules: dict[int, dict[str, Any]] = {}
    for side in (Side.FORCE, Side.INSPECTORATE):
        for kind_row in _unmatched(reaudit, side, same_rule=False).values("kind").annotate(n=Count("pk")).order_by():
            kinds.setdefault(kind_row["kind"], {"kind": labels.get(kind_row["kind"], kind_row["kind"]), "force": 0,
                                                "inspectorate": 0})[side] = kind_row["n"]
        for rule_row in (_unmatched(reaudit, side, same_rule=True).values("rule", "rule__code", "rule__title")
                         .annotate(n=Count("pk")).order_by()):
            rules.setdefault(rule_row["rule"], {"code": rule_row["rule__code"], "title": rule_row["rule__title"],
                                                "force": 0, "inspectorate": 0})[side] = rule_row["n"]
    differs = Q()
    for side in (Side.FORCE, Side.INSPECTORATE):  # a finding one side made and the other did not (kind or rule)
        differs |= Q(Exists(_unmatched(reaudit, side, same_rule=True).filter(verdict=OuterRef("pk"))))
    disagreements = list(
        ReAuditVerdict.objects.filter(reaudit_case__reaudit=reaudit).filter(differs)
        .select_related("reaudit_case__case", "crime__expected_offence")
        .prefetch_related(Prefetch("findings", queryset=ReAuditFinding.objects.select_related("rule")))
        .order_by("reaudit_case__position", "crime_id"))
    return Results(
        categories=categories,
        by_kind=sorted(kinds.values(), key=lambda row: -(row["force"] + row["inspectorate"])),
        by_rule=sorted(rules.values(), key=lambda row: (-(row["force"] + row["inspectorate"]), row["code"])),
        disagreements=disagreements,
        crimes=tables[ReportCategory.ALL_CRIME].total,
    )


# Exports: one table per CSV file ---------------------------------------------------------------------------------

AGREEMENT_HEADER = ["Category", "Crimes re-audited", "Same verdict", "Agreement (%)", "Cohen's kappa",
                    "Kappa 95% interval: low", "Kappa 95% interval: high", "Reading", "Both found compliant",
                    "Only the force found compliant", "Only the inspectorate found compliant",
                    "Neither found compliant"]
DISAGREEMENT_HEADER = ["Case", "Crime (offence that should have been recorded)", "The force found",
                       "The inspectorate found"]


def _number(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def agreement_rows(results: Results) -> list[list[str]]:
    rows = []
    for row in results.categories:
        agreement, table = row.agreement, row.agreement.table
        rows.append([row.category.label, str(table.total), str(table.agreed),
                     _number(None if agreement.agreement is None else agreement.agreement * 100, 1),
                     _number(agreement.kappa, 3), _number(agreement.low, 3), _number(agreement.high, 3),
                     agreement.reading, str(table.both_compliant), str(table.force_only_compliant),
                     str(table.inspectorate_only_compliant), str(table.neither_compliant)])
    return rows


def _found(verdict: ReAuditVerdict, side: str, compliant: bool | None) -> str:
    findings = [f"{finding.get_kind_display()} ({finding.rule.code})" for finding in verdict.findings.all()
                if finding.side == side]
    return "; ".join(findings) if findings else ("Recorded correctly" if compliant else "")


def disagreement_rows(results: Results) -> list[list[str]]:
    return [[verdict.reaudit_case.case.reference, verdict.crime.expected_offence.name,
             _found(verdict, Side.FORCE, verdict.force_compliant), _found(verdict, Side.INSPECTORATE, verdict.compliant)]
            for verdict in results.disagreements]
