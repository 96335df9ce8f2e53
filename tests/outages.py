"""Real failures for the resilience tests: a port nobody listens on, a server that
accepts and never answers, a switchable proxy to a real Redis, and a database
connection the real driver cannot open."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


def unused_port() -> int:
    """A local TCP port with nothing listening on it (just released by the kernel)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never sends a byte: a hung Redis."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


class Proxy:
    """Forwards 127.0.0.1:<port> to an upstream host and port while started."""

    def __init__(self, port: int, upstream: tuple[str, int]) -> None:
        self.port = port
        self.upstream = upstream
        self._server: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._spawn(self._accept, self._server)

    def stop(self) -> None:
        for sock in [self._server, *self._sockets]:
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        for thread in self._threads:
            thread.join(timeout=2)
        self._server, self._sockets, self._threads = None, [], []

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # stopped
            upstream = socket.create_connection(self.upstream)
            self._sockets += [client, upstream]
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Point the default connection at a database that cannot be opened, then restore it.

    The test's own connection (and its transaction) is left untouched; only
    the handler's entry for this thread is swapped, so the next request
    meets a real driver failing to connect.
    """
    real = connections[DEFAULT_DB_ALIAS]
    broken_settings = dict(real.settings_dict)
    broken_settings.update(HOST="127.0.0.1", PORT=str(unused_port()))
    broken_settings["OPTIONS"] = {**broken_settings.get("OPTIONS", {}), "connect_timeout": 2}
    broken_settings["CONN_MAX_AGE"] = 0
    broken = real.__class__(broken_settings, DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = broken
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = real
        broken.close()
