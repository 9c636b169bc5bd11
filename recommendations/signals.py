from django.dispatch import Signal

# Sent with ``finding``, ``status_from``, ``status_to``, ``comment`` and ``by`` when a finding changes status.
finding_moved = Signal()
