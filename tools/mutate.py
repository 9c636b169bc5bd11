"""`make mutate`: break each critical line on purpose and check that the tests meant to guard it fail.

Each mutant names a file, the exact text to replace (it must occur exactly once), what to put instead and the
pytest node ids that must fail. One at a time, the file is backed up, mutated in place, the tests run with
``-x -q`` and the original put back (with its timestamp, so no stale bytecode survives), whatever happens:
an exception, Ctrl+C or SIGTERM. A backup left by a run that was killed outright is restored at the next start.

    .venv/bin/python tools/mutate.py            # every mutant
    .venv/bin/python tools/mutate.py 24h token  # only mutants whose name contains one of these words
    .venv/bin/python tools/mutate.py --list

Prints a table (mutant, killed / SURVIVED / ERROR / skipped, seconds) and exits non-zero if any mutant
survived or could not be run. Mutants marked ``postgres`` run only when DATABASE_URL points at PostgreSQL.
Not part of `make test`.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKUPS = ROOT / "tools" / ".mutate-backup"


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    mutated: str
    tests: list = field(default_factory=list)
    postgres: bool = False


G = "tests/test_guards.py::"
MATRIX = "tests/test_api_matrix.py::test_permission_matrix"
GR = "tests/test_grades.py::"
RS = "tests/test_reinspection_scope.py::"

C = "tests/test_cancellation_reviews.py::"

MUTANTS = [
    # Administrators in every matrix.
    Mutant("scoping: administrators see every force", "forces/scoping.py",
           "if role in (Role.ADMINISTRATOR, Role.INSPECTOR):", "if role in (Role.INSPECTOR,):",
           ["tests/test_scoping.py::test_for_user_scopes_every_force_owned_model"]),
    Mutant("roles: administrators edit audits", "forces/roles.py",
           "AUDIT_EDITORS = frozenset({Role.INSPECTOR, Role.ADMINISTRATOR})", "AUDIT_EDITORS = frozenset({Role.INSPECTOR})",
           [f"{MATRIX}[api:inspection-detail-admin]", f"{MATRIX}[api:case-agree-admin]"]),
    Mutant("findings: administrators are the inspectorate", "recommendations/services.py",
           "INSPECTORATE = frozenset({Role.INSPECTOR, Role.ADMINISTRATOR})", "INSPECTORATE = frozenset({Role.INSPECTOR})",
           ["tests/test_recommendations.py::test_every_transition_through_the_service[admin-implemented-complete]"]),
    Mutant("api: administrators post follow-up", "forces/api_auth.py",
           "Role.FORCE_STAFF, Role.INSPECTOR, Role.ADMINISTRATOR)", "Role.FORCE_STAFF, Role.INSPECTOR)",
           [f"{MATRIX}[api:follow-up-list-admin]"]),
    # Guards inside the services, where a page or permission class also guards.
    Mutant("services: ensure_can_edit refuses", "audits/services/guards.py",
           "    if not can_edit_audits(user):\n        raise ValidationError(NOT_AN_EDITOR)",
           "    if False:\n        raise ValidationError(NOT_AN_EDITOR)",
           [f"{G}test_every_audit_and_finding_service_refuses_managers_and_force_staff"]),
    Mutant("services: inspection_save guarded", "audits/services/inspections.py",
           "    ensure_can_write(by)\n    ensure_may_audit(by, inspection)\n    if inspection.pk is not None:\n"
           "        stored = lock_inspection(inspection.pk)\n        ensure_may_audit(by, stored)\n",
           "    if inspection.pk is not None:\n        stored = lock_inspection(inspection.pk)\n",
           [f"{G}test_every_audit_and_finding_service_refuses_managers_and_force_staff"]),
    Mutant("import: import_cases guarded", "audits/services/case_import.py",
           "    ensure_unlocked(plan.inspection, by)", "    Inspection.objects.select_for_update().get(pk=plan.inspection.pk)",
           ["tests/test_self_audits.py::test_services_refuse_a_force_auditor_outside_their_own_self_audits"]),
    Mutant("sampling: frame_upload guarded", "audits/services/sampling.py",
           "replacing an undrawn one). All or nothing.\"\"\"\n    ensure_can_write(by)\n    ensure_unlocked(inspection, by)\n",
           "replacing an undrawn one). All or nothing.\"\"\"\n",
           [f"{G}test_every_audit_and_finding_service_refuses_managers_and_force_staff"]),
    Mutant("sampling: draw_sample guarded", "audits/services/sampling.py",
           "for every record drawn.\"\"\"\n    ensure_can_write(by)\n    ensure_unlocked(inspection, by)\n",
           "for every record drawn.\"\"\"\n",
           [f"{G}test_every_audit_and_finding_service_refuses_managers_and_force_staff"]),
    # A force auditor: their own force's self-audits only (forces.scoping.may_audit, the one rule).
    Mutant("scoping: a force auditor audits only their own force's self-audits", "forces/scoping.py",
           "return (role == Role.FORCE_AUDITOR and kind == SELF_AUDIT_KIND and force_id is not None",
           "return (role == Role.FORCE_AUDITOR and force_id is not None",
           ["tests/test_self_audits.py::test_may_audit_allows_a_force_auditor_only_their_own_forces_self_audits"]),
    Mutant("scoping: a force auditor sees no unpublished inspection", "forces/scoping.py",
           "        if scope.self_audits_and_published_only and prefix is not None:",
           "        if False:",
           ["tests/test_self_audits.py::test_a_force_auditor_sees_their_forces_self_audits_and_published_inspections_only"]),
    Mutant("api: a force auditor writes only their own self-audits' objects", "forces/api_auth.py",
           "        return may_audit(request.user, force_id=inspection.force_id, kind=inspection.kind)",
           "        return True",
           ["tests/test_self_audits.py::test_the_api_gives_a_force_auditor_their_own_self_audits_only"]),
    Mutant("admin: a force auditor changes no inspection", "audits/admin.py",
           "        return super().has_change_permission(request, obj) and (obj is None or may_audit_in(request, obj))",
           "        return super().has_change_permission(request, obj)",
           ["tests/test_self_audits.py::test_a_force_auditor_reads_a_published_inspection_but_cannot_change_it"]),
    Mutant("guards: ensure_unlocked checks who writes", "audits/services/guards.py",
           "    ensure_may_audit(by, locked)\n", "",
           ["tests/test_self_audits.py::test_services_refuse_a_force_auditor_outside_their_own_self_audits"]),
    Mutant("challenges: challenge_resolve guarded", "audits/services/challenges.py",
           "note: str | None = \"\") -> Challenge:\n    ensure_can_edit(by)\n", "note: str | None = \"\") -> Challenge:\n",
           [f"{G}test_every_audit_and_finding_service_refuses_managers_and_force_staff"]),
    Mutant("findings: finding_save guarded", "recommendations/services.py",
           "(inspectors only).\"\"\"\n    _ensure_inspectorate(by)\n", "(inspectors only).\"\"\"\n",
           [f"{G}test_every_audit_and_finding_service_refuses_managers_and_force_staff"]),
    Mutant("tokens: an inactive user's token is refused", "forces/tokens.py",
           " or not token.user.is_active:", ":",
           [f"{G}test_an_inactive_users_valid_token_is_refused"]),
    # Both sides of 24 hours.
    Mutant("24h: late only after 24 hours (rules)", "audits/rules.py",
           "recorded_at - reported_at > timedelta(", "recorded_at - reported_at >= timedelta(",
           [f"{G}test_recorded_exactly_24_hours_after_the_report_is_on_time_and_a_second_more_is_late"]),
    Mutant("24h: timely up to 24 hours (results)", "reports/results.py",
           "Q(recorded_at__lte=F(", "Q(recorded_at__lt=F(",
           [f"{G}test_timeliness_counts_exactly_24_hours_as_timely_and_a_second_more_as_not"]),
    # Publication and moderation.
    Mutant("publication: every case agreed", "audits/services/inspections.py",
           "inspection.cases.exclude(moderation_state=Moderation.AGREED).count()",
           "inspection.cases.filter(moderation_state=Moderation.DRAFT).count()",
           [f"{G}test_each_state_short_of_agreed_blocks_publication"]),
    Mutant("moderation: the auditor is barred too", "audits/services/moderation.py",
           "by.pk in {case.auditor_id, case.submitted_by_id}:", "by.pk in {case.submitted_by_id}:",
           [f"{G}test_neither_the_auditor_nor_the_submitter_moderates_a_case"]),
    Mutant("transitions: reopening needs a reason", "audits/services/inspections.py",
           "Transition(AUDIT_EDITORS, needs_reason=True)", "Transition(AUDIT_EDITORS)",
           ["tests/test_transitions.py::test_reopening_needs_a_reason"]),
    Mutant("transitions: a case is agreed by another inspector", "audits/services/moderation.py",
           "ModerationMove(AUDIT_WRITERS, not_by_author=True)", "ModerationMove(AUDIT_WRITERS)",
           ["tests/test_transitions.py::test_every_moderation_move"]),
    Mutant("notifications: each sent under its lock", "notifications/emails.py",
           "Notification.objects.select_for_update(skip_locked=True)", "Notification.objects",
           ["tests/test_notifications.py::test_three_senders_at_once_send_each_notification_once"], postgres=True),
    Mutant("reminders: overdue once an ISO week", "recommendations/reminders.py",
           'ReminderSent.Kind.OVERDUE, f"{year}-W{week:02d}")', "ReminderSent.Kind.OVERDUE, today.isoformat())",
           [f"{G}test_an_overdue_reminder_is_sent_once_an_iso_week"]),
    Mutant("volumes: 92 days, exclusive", "reports/selectors.py",
           "period_end__gt=end - timedelta(days=VOLUME_MATCH_DAYS)", "period_end__gte=end - timedelta(days=VOLUME_MATCH_DAYS)",
           [f"{G}test_a_volume_matches_only_if_its_year_ends_within_92_days_before_the_audit_period_end"]),
    Mutant("volumes: the window is 92 days", "reports/selectors.py",
           "VOLUME_MATCH_DAYS = 92", "VOLUME_MATCH_DAYS = 365",
           [f"{G}test_a_volume_matches_only_if_its_year_ends_within_92_days_before_the_audit_period_end"]),
    Mutant("import: all or nothing (transaction.atomic)", "audits/services/case_import.py",
           "@transaction.atomic\ndef import_cases(", "def import_cases(",
           [f"{G}test_an_import_failing_part_way_writes_no_case"]),
    Mutant("weighted: a stratum with no cases carries no weight", "reports/weighted.py",
           'audited_total = sum(draw.populations[s] * counts[s]["audited"] / counts[s]["cases"] for s in entered)',
           'audited_total = sum(draw.populations[s] * (counts[s]["audited"] / counts[s]["cases"] if s in entered '
           'else 1) for s in strata)',
           ["tests/test_weighted.py::test_a_stratum_without_audited_cases_is_left_out_and_named"]),
    # Publication lock, frozen fields, provisional figures only when asked for.
    Mutant("locking: the inspection row is locked", "audits/services/locking.py",
           "Inspection.objects.select_for_update().get(pk=inspection_id)", "Inspection.objects.get(pk=inspection_id)",
           ["tests/test_publication_races.py"], postgres=True),
    Mutant("record: frozen fields refused", "audits/services/inspections.py",
           "if stored.is_locked and (changed := _frozen_changes(inspection, stored)):",
           "if False and (changed := _frozen_changes(inspection, stored)):",
           ["tests/test_result_record.py::test_the_service_refuses_a_frozen_change_from_any_caller"]),
    # Grades under their scheme, frozen and revised; titles from the inspection's own year.
    Mutant("grades: adequate only in the five-tier scheme", "audits/grading.py",
           "    if grade in allowed:\n        return None", "    if True:\n        return None",
           [f"{GR}test_adequate_is_refused_on_a_2016_inspection_by_the_service_and_nothing_is_written"]),
    Mutant("grades: published grades read from the record", "reports/selectors.py",
           "            return record.frozen_grades(self.version)", "            return inspection_grades(self.inspection)",
           [f"{GR}test_published_grades_are_frozen_and_version_1_keeps_them_after_a_reopen"]),
    Mutant("grades: a revision copies the frozen figures", "reports/publication.py",
           "    if latest is None:  # published", "    if True:  # published",
           [f"{GR}test_a_revision_copies_the_published_figures_rather_than_recomputing_them"]),
    Mutant("grades: revised after publication only", "audits/services/inspections.py",
           "elif inspection.published_on and revised_on < inspection.published_on:", "elif False:",
           [f"{GR}test_a_bad_revision_is_refused_and_nothing_is_written"]),
    Mutant("titles: the inspection's own year", "audits/models.py",
           'return inspection_title(self.force.name if self.force_id else "", self.get_kind_display(), self.year)',
           'return inspection_title(self.force.name if self.force_id else "", self.get_kind_display(), '
           'self.published_on.year if self.published_on else self.year)',
           [f"{GR}test_the_title_uses_the_stored_year_not_the_publication_date"]),
    Mutant("titles: a version's own year", "reports/selectors.py",
           "        return self.version.year if self.version is not None else self.inspection.year",
           "        return self.inspection.year",
           [f"{GR}test_the_year_cannot_change_while_published_and_version_1_keeps_it"]),
    Mutant("rules: publication freezes the breakdown by rule", "reports/publication.py",
           "errors=result.errors, rules=result.rules,", "errors=result.errors, rules=None,",
           ["tests/test_counting_rules.py::test_a_published_breakdown_by_rule_does_not_move_when_an_error_is_re_cited"
            "_after_reopening"]),
    Mutant("rules: an inactive rule is not newly cited", "audits/rules.py",
           "    if active or already_cited:\n        return None", "    if True:\n        return None",
           ["tests/test_counting_rules.py::test_an_inactive_rule_cannot_be_newly_cited_but_stays_where_it_is_cited",
            "tests/test_counting_rules.py::test_the_api_refuses_an_inactive_rule_and_the_same_kind_with_two_rules"]),
    Mutant("figures: provisional only when asked for", "reports/selectors.py",
           "                include_provisional: bool = False, version_number",
           "                include_provisional: bool = True, version_number",
           ["tests/test_api.py::test_case_with_two_crimes_and_an_error_matches_the_report_page"]),
    # Re-inspection scope, additional crimes a year.
    Mutant("scope: no figure of its own for what was not audited", "audits/scope.py",
           "if not (audited or carried_forward) or area in audited:", "if True:",
           [f"{RS}test_a_reinspection_that_audited_only_violence_and_sexual_offences_shows_no_all_crime_figure_of_its_own"]),
    Mutant("scope: not both audited and carried forward", "audits/scope.py",
           "both = audited & carried_forward", "both: set[str] = set()",
           [f"{RS}test_a_bad_scope_is_refused_by_the_service_and_nothing_is_written[audited0-carried0-True-"
            "cannot be both audited and carried forward: all crime]"]),
    Mutant("scope: frozen at publication", "reports/publication.py",
           "    if figures.scope.recorded:\n        FrozenScope", "    if False:\n        FrozenScope",
           [f"{RS}test_scope_and_the_figures_carried_forward_are_frozen_at_publication"]),
    Mutant("additional crimes: R × (1 − p₁ / p₂)", "reports/statistics.py",
           "return volume * (1 - earlier_rate / min(later_rate, 1.0))", "return volume * (later_rate - earlier_rate)",
           [f"{RS}test_the_additional_crimes_formula_on_a_worked_example"]),
    # Cancellation review: its own sample, locked and frozen like the rest.
    Mutant("rates: a correctly cancelled crime is left out", "reports/results.py",
           'IN_RECORDING_SAMPLE = Q(cancellation_code="") | Q(wrongly_cancelled__isnull=False)',
           "IN_RECORDING_SAMPLE = Q()",
           [f"{C}test_a_correct_c2_cancellation_does_not_change_any_recording_rate_and_counts_in_the_cancellation_review"]),
    Mutant("rates: a wrongly cancelled crime stays in", "reports/results.py",
           'IN_RECORDING_SAMPLE = Q(cancellation_code="") | Q(wrongly_cancelled__isnull=False)',
           'IN_RECORDING_SAMPLE = Q(cancellation_code="")',
           [f"{C}test_a_wrongly_cancelled_crime_stays_in_the_sample_as_not_recorded"]),
    Mutant("cancellation review: an incorrect verdict needs a reason", "audits/rules.py",
           "    if verdict == Verdict.INCORRECT and not reason.strip():",
           "    if False:",
           [f"{C}test_inconsistent_reviews_are_refused_naming_the_field_and_nothing_is_written"]),
    Mutant("cancellation review: the locking backstop", "audits/services/locking.py",
           "@receiver(pre_save, sender=CancellationReview)\n", "",
           [f"{C}test_services_and_the_backstop_refuse_changes_while_published"]),
    Mutant("cancellation review: frozen at publication", "reports/selectors.py",
           "    if figures.version is not None:\n        return record.frozen_cancellations(figures.version)",
           "    if False:\n        return record.frozen_cancellations(figures.version)",
           [f"{C}test_the_published_review_is_frozen_and_editing_after_a_reopen_leaves_version_1_alone"]),
]


def on_postgres():
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def restore_leftovers():
    """Put back any file a previous run left mutated (it was killed before it could restore)."""
    if not BACKUPS.exists():
        return
    for backup in BACKUPS.rglob("*"):
        if backup.is_file():
            target = ROOT / backup.relative_to(BACKUPS)
            shutil.copy2(backup, target)
            print(f"restored {target.relative_to(ROOT)} from an interrupted run")
    shutil.rmtree(BACKUPS)


def apply_and_run(mutant):
    """(result, seconds): 'killed' if the tests failed, 'SURVIVED' if they passed, 'ERROR …' otherwise."""
    target = ROOT / mutant.path
    text = target.read_text()
    if text.count(mutant.original) != 1:
        return f"ERROR: original text found {text.count(mutant.original)} times", 0.0
    backup = BACKUPS / mutant.path
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(target, backup)  # keeps the timestamp, so bytecode compiled from the original stays valid
    started = time.monotonic()
    try:
        target.write_text(text.replace(mutant.original, mutant.mutated))
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # never cache bytecode of a mutant
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:cacheprovider", *mutant.tests],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    finally:
        shutil.copy2(backup, target)
        backup.unlink()
    seconds = time.monotonic() - started
    if completed.returncode == 1:
        return "killed", seconds
    if completed.returncode == 0:
        return "SURVIVED", seconds
    tail = completed.stdout.strip().splitlines()[-1:] or [""]
    return f"ERROR: pytest exit {completed.returncode} ({tail[0][:80]})", seconds


def main(argv):
    if "--list" in argv:
        for mutant in MUTANTS:
            print(f"{mutant.name}\n    {mutant.path}: {mutant.original!r} -> {mutant.mutated!r}\n    {' '.join(mutant.tests)}")
        return 0
    words = [word.lower() for word in argv if not word.startswith("-")]
    chosen = [m for m in MUTANTS if not words or any(word in m.name.lower() for word in words)]

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    restore_leftovers()
    rows, failed = [], False
    width = max(len(m.name) for m in chosen) if chosen else 10
    try:
        for mutant in chosen:
            if mutant.postgres and not on_postgres():
                result, seconds = "skipped (needs PostgreSQL: set DATABASE_URL=postgres://…)", 0.0
            else:
                result, seconds = apply_and_run(mutant)
            failed |= result != "killed" and not result.startswith("skipped")
            rows.append((mutant.name, result, seconds))
            print(f"{mutant.name:<{width}}  {result:<10}  {seconds:6.1f}s", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: every file was restored", file=sys.stderr)
        return 130
    finally:
        if BACKUPS.exists():
            restore_leftovers()
    print()
    print(f"{'mutant':<{width}}  {'result':<10}  seconds")
    print(f"{'-' * width}  {'-' * 10}  -------")
    for name, result, seconds in rows:
        print(f"{name:<{width}}  {result:<10}  {seconds:7.1f}")
    survivors = [name for name, result, _ in rows if result == "SURVIVED"]
    print(f"\n{len(rows)} mutants: {sum(r == 'killed' for _, r, _ in rows)} killed, {len(survivors)} survived, "
          f"{sum(r.startswith('skipped') for _, r, _ in rows)} skipped, "
          f"{sum(r.startswith('ERROR') for _, r, _ in rows)} errors")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
