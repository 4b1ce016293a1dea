from django.conf import settings
from django.utils.translation import gettext_noop

# The default portal and program names, so the catalogue carries their translations.
DEFAULT_NAMES = (gettext_noop("Partner Center"), gettext_noop("Microsoft Partner Network"))

from .permissions import Capabilities


def portal(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PROGRAM_NAME": settings.PROGRAM_NAME,
        "can": Capabilities(getattr(request, "user", None)),
    }
