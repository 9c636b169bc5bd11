from django.dispatch import Signal

# Sent with ``inspection`` and ``by`` when an inspection is published (recommendations schedule their due dates).
inspection_published = Signal()

# Sent with ``inspection`` when a published inspection's figures are loaded from its report rather than
# published here (reports freeze them as the first version of its published record).
published_figures_loaded = Signal()

# Sent with ``challenge`` and ``by`` when force staff raise a challenge, and when an inspector decides it.
challenge_raised = Signal()
challenge_decided = Signal()

# Sent with ``case`` and ``by`` when a moderator queries a case (its reason is ``case.query_reason``).
case_queried = Signal()

# Sent with ``inspection``, ``by`` and ``reason`` when grades of a published inspection are revised (under
# its row lock): reports write the next version of its published record with the revised grades, its figures
# copied unchanged from the version before.
grades_revised = Signal()

# Sent with ``inspection`` and ``by`` when a force's own audit is closed (notifications tell the force's auditors
# and staff, and the inspectors).
self_audit_closed = Signal()
