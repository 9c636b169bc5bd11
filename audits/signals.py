from django.dispatch import Signal

# Sent with ``inspection`` and ``by`` when an inspection is published (recommendations schedule their due dates).
inspection_published = Signal()

# Sent with ``inspection`` when a published inspection's figures are loaded from its report rather than
# published here (reports freeze them as the first version of its published record).
published_figures_loaded = Signal()
