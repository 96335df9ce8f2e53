"""WSGI entry point for gunicorn. Production settings unless told otherwise.

Refuses to start, saying why, when the static files manifest is missing
(marketplace/checks.py): otherwise every page would be a bare error.
"""

import os

from django.core.wsgi import get_wsgi_application

from marketplace.checks import static_manifest_require

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.production")

application = get_wsgi_application()
static_manifest_require()
