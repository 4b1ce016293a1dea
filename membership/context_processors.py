from django.conf import settings
from django.utils.translation import gettext_noop

from .permissions import Capabilities

# The default portal and program names, so the catalogue carries their translations.
DEFAULT_NAMES = (gettext_noop("Partner Center"), gettext_noop("Microsoft Partner Network"))


def portal(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PROGRAM_NAME": settings.PROGRAM_NAME,
        "can": Capabilities(getattr(request, "user", None)),
    }
