import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.dev")
application = get_wsgi_application()

# The release digest that keys cached pages, computed at start-up: gunicorn preloads this module, so
# its workers are forked with it and no request pays for reading the files.
from partnerportal.page_cache import release  # noqa: E402

release()
