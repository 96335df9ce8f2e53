"""A slow mail server that writes down every message it accepts.

One line per accepted message ("<run>:<user>", from the X-Digest-Delivery
header), appended to a file with a single write() before send returns, so a
worker killed afterwards cannot lose the record: the count is real.
"""

import os
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        path = getattr(settings, "RECORDING_EMAIL_FILE")  # noqa: B009 (test-only setting)
        for message in email_messages:
            message.message().as_bytes()  # build it, as a real backend would
            time.sleep(getattr(settings, "RECORDING_EMAIL_DELAY"))  # noqa: B009
            headers = message.extra_headers
            key = headers.get("X-Digest-Delivery") or headers.get("X-Outbox-Key", "?")
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, f"{key}\n".encode())
            finally:
                os.close(fd)
            # Accepted but not yet returned: widens the window a kill can land in.
            time.sleep(getattr(settings, "RECORDING_EMAIL_DELAY_AFTER", 0))
        return len(email_messages)


def recorded(path: Any) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []
