"""Deploy checks: `manage.py check --deploy` refuses a production configuration that switches off two-factor
sign-in (CDI_TWO_FACTOR_REQUIRED; forces/twofactor.py)."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_required(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if getattr(settings, "CDI_TWO_FACTOR_REQUIRED", False):
        return []
    return [Warning("Two-factor sign-in is switched off (CDI_TWO_FACTOR_REQUIRED): inspectors and administrators "
                    "could read and change every force's audit data with a password alone.",
                    hint="Unset CDI_TWO_FACTOR_REQUIRED (it is on whenever DEBUG is off) or set it to 1.",
                    id="forces.W001")]
