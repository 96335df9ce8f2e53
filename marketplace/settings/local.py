"""Defaults for running on one machine: eager Celery, email to files.

The database is DATABASE_URL's; `make run` starts an embedded PostgreSQL for it (ADR 9).

Safe only on a developer's machine: the secret key has a public default here.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")

from .base import *  # noqa: F403
