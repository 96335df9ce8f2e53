"""Benchmark: does sign-up take as long for a registered address as for a new one?

    .venv/bin/python bench/bench_signup.py [--rounds 40]

Uses its own PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/bench_signup, created and migrated if
missing), the production password hasher (Django's PBKDF2 default), eager
Celery and in-memory email. Posts the real sign-up form through Django's test
client, alternating new and registered addresses, and prints each path's
timings, how far their ranges overlap, and the same figures for allauth's
stock form (no equal-work fix) as the baseline from the same run.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-password-123456"  # noqa: S105 (a throwaway bench account)


def _setup(database_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    from benchdb import ensure_database

    ensure_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _time_signup(email: str, n: int) -> float:
    from django.test import Client

    client = Client(REMOTE_ADDR=f"10.9.{n // 250}.{n % 250}", HTTP_HOST="127.0.0.1")
    started = time.perf_counter()
    response = client.post(
        "/accounts/signup/",
        {"full_name": "Bench", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.status_code
    return elapsed


def _measure(rounds: int, known_email: str) -> tuple[list[float], list[float]]:
    new, known = [], []
    for n in range(rounds):
        new.append(_time_signup(f"bench-{uuid.uuid4().hex}@example.org", 2 * n))
        known.append(_time_signup(known_email, 2 * n + 1))
    return new, known


def _row(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"{label:<44} {min(ordered):7.1f} {statistics.median(ordered):7.1f} "
        f"{p95:7.1f} {max(ordered):7.1f}"
    )


def _overlap(a: list[float], b: list[float]) -> str:
    low, high = max(min(a), min(b)), min(max(a), max(b))
    if low > high:
        return f"no overlap (gap {low - high:.1f} ms)"
    inside = sum(low <= t <= high for t in a + b) / len(a + b)
    return f"ranges overlap over {high - low:.1f} ms; {inside:.0%} of all timings fall inside it"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_signup"
        ),
    )
    args = parser.parse_args()
    _setup(args.database_url)
    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher
    from django.test import override_settings

    from councils.models import User

    known_email = "bench-known@example.org"
    if not User.objects.filter(email=known_email).exists():
        User.objects.create_user(email=known_email, password=PASSWORD)
    print(f"password hasher: {get_hasher().algorithm} ({get_hasher().iterations} iterations)")  # type: ignore[attr-defined]
    print(f"rounds: {args.rounds} per path, alternating\n")
    print(f"{'path (ms)':<44} {'min':>7} {'p50':>7} {'p95':>7} {'max':>7}")

    new, known = _measure(args.rounds, known_email)
    print(_row("new address (our form)", new))
    print(_row("registered address (our form)", known))
    print(f"  -> {_overlap(new, known)}")

    stock = {**settings.ACCOUNT_FORMS, "signup": "allauth.account.forms.SignupForm"}
    with override_settings(ACCOUNT_FORMS=stock):
        base_new, base_known = _measure(args.rounds, known_email)
    print(_row("baseline: new address (allauth stock form)", base_new))
    print(_row("baseline: registered address (stock form)", base_known))
    print(f"  -> {_overlap(base_new, base_known)}")
    User.objects.filter(email__startswith="bench-").exclude(email=known_email).delete()


if __name__ == "__main__":
    main()
