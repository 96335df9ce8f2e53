"""Production settings pass Django's deployment checklist and fail fast without secrets.

Each check runs manage.py in a fresh process, because settings are read
once at start-up and the test process already has the test settings.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

# Variables that would change how production settings load; each run starts
# without them so a developer's shell cannot make the test pass or fail.
_SETTINGS_VARIABLES = ("DJANGO_", "DATABASE_", "REDIS_URL", "CELERY_", "EMAIL_")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS_VARIABLES)}
    clean.update(DJANGO_SETTINGS_MODULE="marketplace.settings.production", **env)
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="example.gov.uk",
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_ALLOWED_HOSTS="example.gov.uk")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_rejects_a_short_secret_key():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="too-short",
        DJANGO_ALLOWED_HOSTS="example.gov.uk",
    )

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_has_debug_off_even_if_the_environment_says_on():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print('DEBUG', settings.DEBUG)",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="example.gov.uk",
        DJANGO_DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout
