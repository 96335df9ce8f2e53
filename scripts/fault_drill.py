#!/usr/bin/env python3
"""Fault drill: the real stack on 127.0.0.1, with Redis and PostgreSQL stopped and started.

    .venv/bin/python scripts/fault_drill.py [--keep]

Starts its own Redis, its own PostgreSQL cluster (initdb into a temporary
folder; run as the `postgres` user when we are root), a fake SMTP server in
this process, a Celery worker and gunicorn with production settings; migrates,
imports the reference data and seeds a council admin with pending join
requests, an officer and published listings. Then, in six phases (all up;
Redis stopped; PostgreSQL stopped too, for 10 s; PostgreSQL started again;
Redis started again; PostgreSQL restarted with no request in between, so the
web processes hold connections to a server that is gone), it does the same
reads and writes over HTTP and prints a table of status codes, then what was
written and what was emailed.

Targets (exit status 1 if any is missed): no 500 at all; 503 only while the
database is down; every write that answered success is in the database, and
none that answered an error is; every email the outbox holds is delivered
once (counted at the fake SMTP server, by the outbox key each message
carries). Everything is bounded in time, and every process the drill started
is stopped in a `finally`. `--keep` keeps the
temporary folder (logs of gunicorn, the worker and PostgreSQL) for reading.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
BIN = Path(PYTHON).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEADLINE_SECONDS = 600  # the whole drill, set-up included
DATABASE_DOWN_SECONDS = 10

ADUR, WORTHING = "E07000223", "E07000229"
PASSWORD = "drill-password-123"  # noqa: S105 (accounts in a throwaway database)
OFFICER = "drill-officer@example.org"  # officer of Adur
ADMIN = "drill-admin@example.org"  # admin of Worthing

PHASES = [
    ("all up", False),
    ("redis down", False),
    ("db down too", True),  # the only phase in which the database is down
    ("db back", False),
    ("all back", False),
    # Stopped and started with no request in between: each web process still holds a
    # connection to the old server, which CONN_HEALTH_CHECKS must notice.
    ("db restarted", False),
]

# Runs in `manage.py shell`: the people and listings the writes need, as JSON.
SEED = """
import json
from allauth.account.models import EmailAddress
from django.utils import timezone
from core.models import OutboxMessage
from councils.models import Authority, Membership, User
from offers import services
from offers.models import Listing, Service

def person(email, **extra):
    user = User.objects.create_user(email=email, password=%(password)r, full_name="Drill " +
        email.split("@")[0], **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user

adur = Authority.objects.get(gss_code=%(adur)r)
worthing = Authority.objects.get(gss_code=%(worthing)r)
officer = person(%(officer)r)
Membership.objects.create(user=officer, authority=adur, role="officer", status="approved",
    method="staff")
admin = person(%(admin)r)
Membership.objects.create(user=admin, authority=worthing, role="admin", status="approved",
    method="staff")
moderator = person("drill-moderator@example.org", is_staff=True)
pending = []
for n in range(%(phases)d):
    requester = person(f"drill-requester-{n}@example.org")
    pending.append(Membership.objects.create(user=requester, authority=worthing,
        status="pending", method="request").pk)
listings = []
for n in range(%(phases)d):
    listing = services.listing_create(authority=worthing, by=admin, kind="offer",
        service=Service.objects.get(slug="internal-audit"), title=f"Drill shared audit {n}",
        summary="Our audit team can take on audit days for a neighbouring council.",
        description="Two auditors, about 300 audit days a year.", delivery_model="shared_team",
        contact_name="Drill Admin", contact_email=%(admin)r)
    services.listing_submit(listing=listing, by=admin)
    services.listing_publish(listing=listing, by=moderator)
    listings.append(listing.pk)
# Seeding emails nobody: the publication notices count as sent.
OutboxMessage.objects.update(status="sent", sent_at=timezone.now())
print("DRILL-JSON " + json.dumps({"pending": pending, "listings": listings,
    "service": Service.objects.get(slug="building-control").pk,
    "outbox_seeded": max(OutboxMessage.objects.values_list("pk", flat=True), default=0)}))
"""

# Runs in `manage.py shell` at the end: what the writes left behind.
REPORT = """
import json
from django.db.models import Count
from councils.models import Membership
from offers.models import Interest, Listing
try:
    from core.models import OutboxMessage
    outbox = dict(OutboxMessage.objects.filter(pk__gt=%(outbox_seeded)d)
        .values_list("status").annotate(n=Count("id")).order_by())
except ImportError:
    outbox = None
print("DRILL-JSON " + json.dumps({
    "listings": list(Listing.objects.filter(title__startswith="Drill listing ")
        .values_list("title", flat=True)),
    "approved": list(Membership.objects.filter(pk__in=%(pending)r, status="approved")
        .values_list("pk", flat=True)),
    "interests": list(Interest.objects.filter(sender__email=%(officer)r)
        .values_list("listing_id", flat=True)),
    "outbox": outbox,
}))
"""

RELAY = """
from core.outbox import outbox_relay
print("DRILL-JSON", outbox_relay())
"""


# --- small helpers ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], *, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def log(message: str) -> None:
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- fake SMTP server --------------------------------------------------------------------


class FakeSmtp:
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, QUIT. Keeps every message."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        wait_for("the fake SMTP server", lambda: port_open(self.port), timeout=10)

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(timeout=5)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
        async with server:
            await self._stopped.wait()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(text: str) -> None:
            writer.write(text.encode() + b"\r\n")

        reply("220 drill ESMTP")
        data: list[bytes] | None = None
        try:
            while line := await reader.readline():
                if data is not None:
                    if line.rstrip(b"\r\n") == b".":
                        message = email.message_from_bytes(
                            b"".join(data), policy=email.policy.default
                        )
                        self.messages.append(message)
                        data = None
                        reply("250 OK: queued")
                    else:
                        data.append(line[1:] if line.startswith(b"..") else line)
                    continue
                verb = line[:4].upper()
                if verb == b"EHLO":
                    reply("250-drill\r\n250 8BITMIME")
                elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    reply("250 OK")
                elif verb == b"DATA":
                    data = []
                    reply("354 End data with <CR><LF>.<CR><LF>")
                elif verb == b"QUIT":
                    reply("221 Bye")
                    await writer.drain()
                    break
                else:
                    reply("502 Command not implemented")
                await writer.drain()
        finally:
            writer.close()


# --- an HTTP client that keeps cookies (the Secure ones too: this is plain HTTP) ----------


class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, Any] | None = None
    ) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(form or {}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except OSError:
            return 0, ""  # no answer at all
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, text

    def sign_in(self, address: str) -> int:
        self.cookies.pop("sessionid", None)
        if "csrftoken" not in self.cookies:
            self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST", "/accounts/login/", {"login": address, "password": PASSWORD}
        )
        return status


# --- the servers ---------------------------------------------------------------------------


@dataclass
class Stack:
    tmp: Path
    redis_port: int = field(default_factory=free_port)
    pg_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    smtp: FakeSmtp = field(default_factory=FakeSmtp)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    pg_started: bool = False

    @property
    def pgdata(self) -> Path:
        return self.tmp / "pg" / "data"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "EMAIL_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="marketplace.settings.production",
            DJANGO_SECRET_KEY="fault-drill-only-not-secret-" + "x" * 40,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            DJANGO_STATIC_ROOT=str(self.tmp / "static"),
            DJANGO_LOG_LEVEL="WARNING",
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{self.pg_port}/drill",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.smtp.port),
            SITE_URL=f"http://127.0.0.1:{self.web_port}",
            # The relay (beat in production, this drill here) queues a row after 5 s, not 60.
            OUTBOX_RELAY_AFTER_SECONDS="5",
            DIGESTS_ENABLED="false",
            LISTING_JOBS_ENABLED="false",
            PYTHONUNBUFFERED="1",
        )
        return env

    # Redis
    def redis_start(self) -> None:
        self.processes["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=(self.tmp / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for("Redis", lambda: port_open(self.redis_port), timeout=15)

    def redis_stop(self) -> None:
        process = self.processes.pop("redis", None)
        if process is not None:
            process.terminate()
            process.wait(timeout=15)

    # PostgreSQL
    def _as_postgres(self, *command: str) -> list[str]:
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def pg_init(self) -> None:
        (self.tmp / "pg").mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.tmp / "pg", user="postgres", group="postgres")
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def pg_start(self) -> None:
        options = (
            f"-p {self.pg_port} -k {self.tmp / 'pg'} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.tmp / "pg" / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=90,
        )
        self.pg_started = True

    def pg_stop(self, mode: str = "fast") -> None:
        if not self.pg_started:
            return
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", mode, "-w", "-t", "60", "stop"
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=90,
        )
        self.pg_started = False

    # Django
    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell_json(self, code: str) -> Any:
        for line in self.manage("shell", "-c", code).splitlines():
            if line.startswith("DRILL-JSON "):
                return json.loads(line.removeprefix("DRILL-JSON "))
        raise RuntimeError("manage.py shell printed no result")

    def start_app(self) -> None:
        self.processes["worker"] = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "marketplace",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=(self.tmp / "worker.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes["web"] = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "marketplace.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=(self.tmp / "web.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            "gunicorn",
            lambda: Browser(self.web_port).request("GET", "/healthz?live")[0] == 200,
            timeout=60,
        )
        wait_for(
            "the Celery worker",
            lambda: "ready" in (self.tmp / "worker.log").read_text(errors="replace"),
            timeout=60,
        )

    def stop_all(self) -> None:
        for name in ("web", "worker", "redis"):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)  # its own session: the master and its children
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        try:
            self.pg_stop("immediate")
        except (subprocess.SubprocessError, OSError) as exc:
            log(f"could not stop PostgreSQL: {exc}")
        self.smtp.stop()


# --- the drill -----------------------------------------------------------------------------

OPERATIONS = [
    "home",
    "directory",
    "council profile",
    "browse",
    "search",
    "healthz",
    "sign in",
    "create a listing",
    "approve join request",
    "express interest",
]
WRITES = {"sign in", "create a listing", "approve join request", "express interest"}


def _healthz(browser: Browser, health: list[str]) -> int:
    status, body = browser.request("GET", "/healthz")
    try:
        health.append(json.loads(body)["status"])
    except (ValueError, KeyError):
        health.append("?")
    return status


def run_phase(
    stack: Stack,
    phase: int,
    seeded: dict[str, Any],
    officer: Browser,
    admin: Browser,
    health: list[str],
) -> dict[str, int]:
    web = stack.web_port
    visitor = Browser(web)
    signer = Browser(web)
    signer.cookies = {k: v for k, v in officer.cookies.items() if k == "csrftoken"}
    codes = {
        "home": visitor.request("GET", "/")[0],
        "directory": visitor.request("GET", "/councils/")[0],
        "council profile": visitor.request("GET", f"/councils/{ADUR}/")[0],
        "browse": visitor.request("GET", "/listings/")[0],
        "search": visitor.request("GET", f"/listings/?q=audit+{phase}")[0],
        "healthz": _healthz(visitor, health),
        "sign in": signer.sign_in(OFFICER),
    }
    form = {
        "service": str(seeded["service"]),
        "title": f"Drill listing {phase}",
        "summary": "We can take on building control for a neighbouring district.",
        "description": "Our team of 12 surveyors covers the district.",
        "delivery_model": "lead_authority",
        "annual_value_gbp": "250000",
        "partner_scope": "any",
        "contact_name": "Drill Officer",
        "contact_email": OFFICER,
        "visibility": "public",
    }
    codes["create a listing"] = officer.request("POST", "/listings/new/offer/", form)[0]
    membership = seeded["pending"][phase]
    codes["approve join request"] = admin.request(
        "POST", f"/councils/{WORTHING}/members/{membership}/decide/", {"decision": "approve"}
    )[0]
    listing = seeded["listings"][phase]
    codes["express interest"] = officer.request(
        "POST",
        f"/listings/{listing}/interest/",
        {"message": f"Adur would like to talk about sharing audit (drill phase {phase})."},
    )[0]
    return codes


def expected(operation: str, database_down: bool) -> set[int]:
    if database_down:
        return {503}
    return {302} if operation in WRITES else {200}


def print_table(results: list[dict[str, int]]) -> None:
    names = [name for name, _ in PHASES]
    width = max(len(o) for o in OPERATIONS) + 2
    print()
    print("Operation".ljust(width) + "".join(n.rjust(13) for n in names))
    print("-" * (width + 13 * len(names)))
    for operation in OPERATIONS:
        cells = []
        for (_, down), codes in zip(PHASES, results, strict=True):
            code = codes[operation]
            mark = "" if code in expected(operation, down) else " !"
            cells.append(f"{code}{mark}".rjust(13))
        print(operation.ljust(width) + "".join(cells))
    print("(! = not what the target says: 2xx/3xx when the database is up, 503 when it is down)")


def drill(stack: Stack) -> bool:  # noqa: C901
    # Over the complexity limit on purpose: a drill reads best as one script,
    # top to bottom (start the servers, run the phases, count and report), and
    # each branch is a phase or a line of the report, not logic to reuse.
    started = time.monotonic()
    log(f"temporary folder {stack.tmp}")
    stack.smtp.start()
    stack.redis_start()
    stack.pg_init()
    stack.pg_start()
    subprocess.run(
        [
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.pg_port),
            "-U",
            "postgres",
            "drill",
        ],
        check=True,
        timeout=60,
    )
    log("migrate, import_authorities, seed, collectstatic")
    stack.manage("migrate", "--noinput")
    stack.manage("import_authorities", timeout=600)
    seeded = stack.shell_json(
        SEED
        % {
            "password": PASSWORD,
            "adur": ADUR,
            "worthing": WORTHING,
            "officer": OFFICER,
            "admin": ADMIN,
            "phases": len(PHASES),
        }
    )
    stack.manage("collectstatic", "--noinput")
    stack.start_app()
    log(f"gunicorn on 127.0.0.1:{stack.web_port}, worker ready, SMTP on {stack.smtp.port}")

    officer, admin = Browser(stack.web_port), Browser(stack.web_port)
    if officer.sign_in(OFFICER) != 302 or admin.sign_in(ADMIN) != 302:
        raise RuntimeError("could not sign in the drill's officer and admin")

    results: list[dict[str, int]] = []
    health: list[str] = []
    for phase, (name, _down) in enumerate(PHASES):
        if name == "redis down":
            stack.redis_stop()
        elif name == "db down too":
            stack.pg_stop()
            down_since = time.monotonic()
        elif name == "db back":
            time.sleep(max(0.0, DATABASE_DOWN_SECONDS - (time.monotonic() - down_since)))
            stack.pg_start()
        elif name == "all back":
            stack.redis_start()
        elif name == "db restarted":
            stack.pg_stop()
            stack.pg_start()
        log(f"phase {phase + 1}: {name}")
        results.append(run_phase(stack, phase, seeded, officer, admin, health))
        if name == "all up":
            time.sleep(3)  # let the worker send phase 1's emails while it still can

    # As beat would, every minute: queue outbox rows whose task never ran.
    time.sleep(6)  # OUTBOX_RELAY_AFTER_SECONDS
    log(f"outbox relay queued {stack.shell_json(RELAY)} messages")
    report_args = {
        "pending": seeded["pending"],
        "officer": OFFICER,
        "outbox_seeded": seeded["outbox_seeded"],
    }
    report = stack.shell_json(REPORT % report_args)
    expected_mail = sum((report["outbox"] or {}).values()) if report["outbox"] is not None else None

    def delivered() -> bool:
        if expected_mail is None:
            return False
        return len(stack.smtp.messages) >= expected_mail

    try:
        wait_for("the worker to send the outbox", delivered, timeout=90)
    except RuntimeError as exc:
        log(str(exc))
    time.sleep(2)  # anything sent twice would arrive now
    report = stack.shell_json(REPORT % report_args)

    print_table(results)
    print(
        "healthz said: " + "; ".join(f"{n}: {h}" for (n, _), h in zip(PHASES, health, strict=True))
    )
    # Writes that answered success, and whether they are in the database.
    succeeded: dict[str, list[int]] = {
        "create a listing": [],
        "approve join request": [],
        "express interest": [],
    }
    refused: dict[str, list[int]] = {operation: [] for operation in succeeded}
    for phase, codes in enumerate(results):
        for operation in succeeded:
            (succeeded if 200 <= codes[operation] < 400 else refused)[operation].append(phase)

    def saved(operation: str, phase: int) -> bool:
        if operation == "create a listing":
            return f"Drill listing {phase}" in report["listings"]
        if operation == "approve join request":
            return seeded["pending"][phase] in report["approved"]
        return seeded["listings"][phase] in report["interests"]

    lost = [(o, p) for o, phases in succeeded.items() for p in phases if not saved(o, p)]
    # An error page for a write that was in fact saved: the person would try again.
    saved_despite_error = [(o, p) for o, phases in refused.items() for p in phases if saved(o, p)]
    answered = sum(len(v) for v in succeeded.values())
    server_errors = sum(
        1 for codes in results for code in codes.values() if code >= 500 and code != 503
    )
    unavailable_while_up = sum(
        1
        for (_, down), codes in zip(PHASES, results, strict=True)
        for code in codes.values()
        if code == 503 and not down
    )
    misses = sum(
        1
        for (_, down), codes in zip(PHASES, results, strict=True)
        for operation, code in codes.items()
        if code not in expected(operation, down)
    )
    keys = Counter(
        str(m.get("X-Outbox-Key") or (m.get("Subject"), m.get("To"))) for m in stack.smtp.messages
    )
    duplicates = sum(n - 1 for n in keys.values() if n > 1)
    message_ids = Counter(str(m.get("Message-ID")) for m in stack.smtp.messages)

    print()
    print(f"500-class answers (503 aside): {server_errors}")
    print(f"503 while the database was up: {unavailable_while_up}")
    print(f"answers not as the target says: {misses}")
    print(f"writes answered success: {answered}; missing from the database: {len(lost)}")
    print(f"writes answered an error but saved all the same: {len(saved_despite_error)}")
    if report["outbox"] is None:
        print(
            "outbox: core.models.OutboxMessage is not there; emails counted at the SMTP server only"
        )
    else:
        print(f"outbox rows by status: {json.dumps(report['outbox'], sort_keys=True)}")
    print(
        f"emails received by the SMTP server: {len(stack.smtp.messages)}; duplicates by outbox key "
        f"(or subject and recipient): {duplicates}; repeated Message-IDs: "
        f"{sum(n - 1 for n in message_ids.values() if n > 1)}"
    )
    outbox_ok = report["outbox"] is None or set(report["outbox"]) <= {"sent"}
    mail_ok = duplicates == 0 and (
        expected_mail is None or len(stack.smtp.messages) == expected_mail
    )
    print(f"drill took {time.monotonic() - started:.0f} s")
    return (
        server_errors == 0
        and unavailable_while_up == 0
        and misses == 0
        and not lost
        and not saved_despite_error
        and outbox_ok
        and mail_ok
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary folder and its logs"
    )
    args = parser.parse_args()
    for tool in ("redis-server", str(PG_BIN / "initdb")):
        if shutil.which(tool) is None:
            print(f"fault drill needs {tool}", file=sys.stderr)
            return 2
    tmp = Path(tempfile.mkdtemp(prefix="fault-drill-"))
    tmp.chmod(0o755)  # the postgres user must reach its data folder inside
    stack = Stack(tmp=tmp)
    timer = threading.Timer(DEADLINE_SECONDS, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.daemon = True
    timer.start()
    try:
        ok = drill(stack)
    except KeyboardInterrupt:
        log(f"gave up after {DEADLINE_SECONDS} s")
        ok = False
    finally:
        timer.cancel()
        stack.stop_all()
        if args.keep:
            log(f"logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("DRILL PASSED" if ok else "DRILL FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
