from django.dispatch import Signal

# Sent with ``inspection`` and ``by`` when an inspection is published (recommendations schedule their due dates).
inspection_published = Signal()
