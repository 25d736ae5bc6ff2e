"""The WSGI application gunicorn serves (``gunicorn config.wsgi``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What start-up built (modules, settings, URL patterns, translations) lives as long as the process:
# frozen out of the collector's reach, each full collection no longer walks it (issue 15: 0.2 ms of
# CPU per comment POST, ``python -m bench intake``; the same as gunicorn's --preload would need).
gc.freeze()
