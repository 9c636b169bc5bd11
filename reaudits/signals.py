from django.dispatch import Signal

# Sent with ``reaudit`` once a re-audit is submitted, inside its transaction.
reaudit_submitted = Signal()
