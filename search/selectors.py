"""Search by reference: audited cases (the force's record reference), audited crimes (the force's crime
reference) and findings, each through its model's scoping, so nobody finds another force's records."""

from dataclasses import dataclass

from django.db.models import QuerySet

from audits.models import AuditedCase, AuditedCrime
from recommendations.models import Finding

MAX_QUERY = 64  # the longest reference any of them holds
LIMIT = 50  # per kind; a reference search that finds more needs more of the reference


class QueryProblem(ValueError):
    pass


@dataclass
class Results:
    query: str
    cases: list
    crimes: list
    findings: list

    @property
    def count(self) -> int:
        return len(self.cases) + len(self.crimes) + len(self.findings)

    @property
    def truncated(self) -> bool:
        return LIMIT in (len(self.cases), len(self.crimes), len(self.findings))


def clean_query(raw: str) -> str:
    query = " ".join(raw.split())
    if "\x00" in query or any(ord(c) < 32 for c in query):
        raise QueryProblem("Search for a reference: letters, digits and punctuation only.")
    if len(query) > MAX_QUERY:
        raise QueryProblem(f"A reference is at most {MAX_QUERY} characters.")
    return query


def _first(queryset: QuerySet) -> list:
    return list(queryset[:LIMIT])


def search(user, raw: str) -> Results:
    """Records whose reference contains the query (case-insensitive), exact matches first. Three queries."""
    query = clean_query(raw)
    if not query:
        return Results(query, [], [], [])
    cases = (AuditedCase.objects.for_user(user).filter(reference__icontains=query)
             .select_related("inspection__force").order_by("reference", "id"))
    crimes = (AuditedCrime.objects.for_user(user).filter(force_crime_reference__icontains=query)
              .select_related("case__inspection__force", "expected_offence").order_by("force_crime_reference", "id"))
    findings = (Finding.objects.for_user(user).filter(reference__icontains=query)
                .select_related("inspection__force").order_by("reference", "id"))
    exact_first = lambda rows, ref: sorted(rows, key=lambda row: ref(row).lower() != query.lower())  # noqa: E731
    return Results(query, exact_first(_first(cases), lambda c: c.reference),
                   exact_first(_first(crimes), lambda c: c.force_crime_reference),
                   exact_first(_first(findings), lambda f: f.reference))
