"""Staff views of support in Django admin; importing the modules registers their ModelAdmins."""

from . import requests  # noqa: F401  (registers ServiceRequestAdmin and CancellationDecisionAdmin)
