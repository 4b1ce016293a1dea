"""Staff views of support in Django admin; importing the modules registers their ModelAdmins.

``requests``: the queue and a request's page (with ``cancellation``, its Process cancellation page);
``decisions``: cancellation decisions and their approvals; ``canned``: canned replies.
"""

from . import canned, decisions, requests  # noqa: F401  (register their ModelAdmins)
