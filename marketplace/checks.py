"""Start-up checks for things that would make every page fail.

With the manifest storage of production (whitenoise's
CompressedManifestStaticFilesStorage) and no manifest, because nobody ran
collectstatic, each `{% static %}` raises and every page answers a bare
"Internal Server Error". marketplace/wsgi.py refuses to start instead, and
`manage.py check --deploy` reports the same problem.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


def static_manifest_problem() -> str | None:
    """Why static file URLs cannot be built (manifest storage without a manifest), or None."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    if storage.manifest_storage.exists(storage.manifest_name):
        return None
    path = storage.manifest_storage.path(storage.manifest_name)
    return (
        f"The static files manifest {path} is missing, so every page would answer "
        "'Internal Server Error': run manage.py collectstatic (it writes the manifest "
        "into STATIC_ROOT)."
    )


def static_manifest_require() -> None:
    """Raise ImproperlyConfigured, saying to run collectstatic, if the manifest is missing."""
    problem = static_manifest_problem()
    if problem:
        raise ImproperlyConfigured(problem)


@register(Tags.staticfiles, deploy=True)
def check_static_manifest(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    problem = static_manifest_problem()
    if problem is None:
        return []
    return [Error(problem, id="marketplace.E001")]
