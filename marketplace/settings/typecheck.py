"""Settings for mypy's Django plugin, which imports settings but never connects.

A placeholder DATABASE_URL keeps `mypy` working without a database; nothing
else may use this module.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://type-checking-only.invalid/unused")

from .test import *  # noqa: F403
