"""Writes to audit data. Admin, pages and the API call these rather than saving models directly, so the
rules live in one place: who may do what, moderation, publication locking and derived errors.

One module per feature; the case and inspection writes most callers need are importable from here.
Challenges, sampling, the bulk import and the published-figures loader are imported from their modules."""

from audits.services.case_versions import CaseChange, CaseConflict, case_changes_since, case_conflict, case_mark_changed
from audits.services.cases import case_delete, case_save, case_write, crime_delete, crime_save
from audits.services.guards import ensure_can_edit, ensure_unlocked
from audits.services.inspections import (
    INSPECTION_TRANSITIONS,
    PUBLISHED_RESULTS_FROZEN,
    inspection_change_status,
    inspection_revise_grades,
    inspection_save,
    published_result_delete,
    published_result_save,
)
from audits.services.moderation import (
    case_agree,
    case_query,
    case_return_to_draft_if_moderated,
    case_submit,
    cases_submit,
    refusal_summary,
)

__all__ = [
    "INSPECTION_TRANSITIONS", "PUBLISHED_RESULTS_FROZEN", "CaseChange", "CaseConflict", "case_agree",
    "case_changes_since", "case_conflict", "case_delete", "case_mark_changed", "case_query",
    "case_return_to_draft_if_moderated", "case_save", "case_submit", "cases_submit", "case_write", "crime_delete", "crime_save",
    "ensure_can_edit", "ensure_unlocked", "inspection_change_status", "inspection_revise_grades", "inspection_save", "published_result_delete",
    "published_result_save", "refusal_summary",
]
