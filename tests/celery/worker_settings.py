"""Settings for the Celery worker process that tests/celery/ starts.

The test settings, with tasks queued for real (not eager), the test's own
queue, and an email backend that records every accepted message to a file.
The test passes these values in the worker's environment (a test-only
settings module, so the rule that only marketplace/settings/ reads the
environment is kept for the application itself).
"""

import os

from marketplace.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["DIGEST_TEST_QUEUE"]
EMAIL_BACKEND = "tests.celery.backends.RecordingBackend"
RECORDING_EMAIL_FILE = os.environ["DIGEST_TEST_SINK"]
RECORDING_EMAIL_DELAY = float(os.environ.get("DIGEST_TEST_DELAY", "0"))
DIGEST_BATCH_SIZE = int(os.environ.get("DIGEST_TEST_BATCH_SIZE", "10"))
DIGEST_CLAIM_TIMEOUT = int(os.environ.get("DIGEST_TEST_CLAIM_TIMEOUT", "2"))
OUTBOX_CLAIM_TIMEOUT_SECONDS = DIGEST_CLAIM_TIMEOUT
OUTBOX_RELAY_AFTER_SECONDS = 1
RECORDING_EMAIL_DELAY_AFTER = float(os.environ.get("DIGEST_TEST_DELAY_AFTER", "0"))
