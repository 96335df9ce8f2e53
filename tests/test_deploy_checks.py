"""Production settings pass Django's deployment checklist and fail fast without
secrets or without collected static files.

Each check runs manage.py (or imports the WSGI entry point) in a fresh process,
because settings are read once at start-up and the test process already has
the test settings. Production stores static files with a manifest that
collectstatic writes, so the checks that must pass run against a STATIC_ROOT
collected once for this module.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import Error

from marketplace.checks import check_static_manifest

# Variables that would change how production settings load; each run starts
# without them so a developer's shell cannot make the test pass or fail.
_SETTINGS_VARIABLES = ("DJANGO_", "DATABASE_", "REDIS_URL", "CELERY_", "EMAIL_")


def _python(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_SETTINGS_VARIABLES)}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.production",
            # None of these commands connects; a name that cannot resolve proves it.
            "DATABASE_URL": "postgres://deploy-checks.invalid/unused",
            **env,
        }
    )
    return subprocess.run(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=settings.BASE_DIR,
        timeout=120,
        check=False,
    )


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _python(str(Path(settings.BASE_DIR) / "manage.py"), *args, **env)


def _production(**env: str) -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "example.gov.uk",
        **env,
    }


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A STATIC_ROOT filled by collectstatic with production settings (about a second)."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = _manage("collectstatic", "--noinput", **_production(DJANGO_STATIC_ROOT=str(root)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "staticfiles.json").exists()
    return str(root)


def test_production_settings_pass_the_deployment_checklist(collected_static):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **_production(DJANGO_STATIC_ROOT=collected_static),
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


def test_settings_refuse_to_start_without_a_database_url():
    result = _manage("check", **_production(DATABASE_URL=""))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "set DATABASE_URL or use make run / make test" in result.stderr


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


def test_check_deploy_reports_a_missing_static_manifest(tmp_path):
    result = _manage("check", "--deploy", **_production(DJANGO_STATIC_ROOT=str(tmp_path)))

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "marketplace.E001" in output
    assert "run manage.py collectstatic" in output


def test_wsgi_refuses_to_start_without_the_static_manifest(tmp_path):
    result = _python(
        "-c", "import marketplace.wsgi", **_production(DJANGO_STATIC_ROOT=str(tmp_path))
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "run manage.py collectstatic" in result.stderr
    assert str(tmp_path / "staticfiles.json") in result.stderr


def test_wsgi_starts_once_static_files_are_collected(collected_static):
    result = _python(
        "-c",
        "from marketplace.wsgi import application; print('ready', callable(application))",
        **_production(DJANGO_STATIC_ROOT=collected_static),
    )

    assert result.returncode == 0, result.stderr
    assert "ready True" in result.stdout


def test_manifest_check_passes_for_storage_without_a_manifest():
    # The test and local settings serve files as they are: nothing to collect.
    assert check_static_manifest() == []


def test_manifest_check_fails_for_manifest_storage_with_an_empty_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    errors = check_static_manifest()

    assert [error.id for error in errors] == ["marketplace.E001"]
    assert isinstance(errors[0], Error)
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": ""}')
    assert check_static_manifest() == []
