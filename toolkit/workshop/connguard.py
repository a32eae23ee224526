"""Connections of a small HTTP server that faces untrusted clients (the phones' page).

A thread-per-connection server (:class:`http.server.ThreadingHTTPServer`) is easy to starve:
a client opens many connections and sends each request a byte at a time, and every thread
waits for it. :class:`GuardedHTTPServer` bounds what one client can hold:

* **a whole-request deadline** — the request line, headers and body must all arrive within
  ``request_deadline`` seconds of the connection being accepted, however the bytes are
  spread out (a per-read timeout alone lets a client that sends one byte every few seconds
  keep a connection for ever); a late request is closed without an answer;
* **a per-address limit** — at most ``per_address`` connections from one network address
  (one IPv6 /64, the block one device may pick its addresses from) at once; a new one from
  an address at its limit replaces that address's oldest connection still sending its
  request, so a client only ever competes with itself;
* **a total limit** — at most ``max_connections`` at once; when full, the oldest connection
  still sending its request is closed to make room for the new one (a real request is read
  in milliseconds, so the oldest incomplete one is the likeliest to be stalling); only when
  every connection is already being answered is the new one refused.

Handlers derive from :class:`DeadlineHandler` and call :meth:`DeadlineHandler.request_complete`
once they have read the whole request (before answering). Nothing is logged.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def address_key(address: str) -> str:
    """The unit a connection limit counts: the IPv4 address (also when IPv4-mapped), or
    the /64 network of an IPv6 address (a device may use any address of its /64)."""
    try:
        ip = ipaddress.ip_address(str(address))
    except ValueError:
        return str(address)
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip.exploded}/64", strict=False))
    return str(ip)


class DeadlineReader(io.RawIOBase):
    """A socket's input that raises :class:`TimeoutError` once *deadline*
    (:func:`time.monotonic`) has passed, however the bytes are spread out: each read may
    wait only for the time left."""

    def __init__(self, sock: socket.socket, deadline: float):
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


@dataclass
class _Conn:
    key: str
    since: float
    reading: bool = True


class GuardedHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server with a request deadline and per-address and total limits on
    connections (see the module docstring).

    Parameters
    ----------
    server_address, handler_class
        As for :class:`http.server.ThreadingHTTPServer`; *handler_class* derives from
        :class:`DeadlineHandler`.
    max_connections : int
        Connections served at once.
    per_address : int
        Connections one address (IPv6: one /64) may hold at once.
    request_deadline : float
        Seconds a connection has to send its whole request.
    """

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, server_address, handler_class, *, max_connections: int,
                 per_address: int, request_deadline: float, bind_and_activate: bool = True):
        if max_connections < 1 or per_address < 1 or not request_deadline > 0:
            raise ValueError("connection limits and the deadline must be positive")
        self.max_connections = int(max_connections)
        self.per_address = int(per_address)
        self.request_deadline = float(request_deadline)
        self._conns: dict[socket.socket, _Conn] = {}
        self._conns_lock = threading.Lock()
        super().__init__(server_address, handler_class, bind_and_activate)

    # --- admission --------------------------------------------------------------------------
    def process_request(self, request, client_address) -> None:
        key = address_key(client_address[0])
        with self._conns_lock:
            mine = [c for c in self._conns.items() if c[1].key == key]
            if len(mine) >= self.per_address:
                victim = self._oldest_reading(mine)
            elif len(self._conns) >= self.max_connections:
                victim = self._oldest_reading(self._conns.items())
            else:
                victim = False
            if victim is None:  # every connection is being answered: refuse the new one
                self.shutdown_request(request)
                return
            if victim is not False:
                self._drop(victim)
            self._conns[request] = _Conn(key, time.monotonic())
        try:
            super().process_request(request, client_address)
        except Exception:
            self._forget(request)
            raise

    @staticmethod
    def _oldest_reading(conns):
        reading = [(c.since, i, sock) for i, (sock, c) in enumerate(conns) if c.reading]
        return min(reading)[2] if reading else None

    def _drop(self, sock: socket.socket) -> None:
        """Close *sock* for its thread (caller holds the lock): its next read sees the end
        of the stream and the thread finishes; the thread closes the socket."""
        self._conns.pop(sock, None)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _forget(self, request) -> None:
        with self._conns_lock:
            self._conns.pop(request, None)

    def process_request_thread(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self._forget(request)
            self.shutdown_request(request)

    def request_complete(self, request) -> bool:
        """Record that *request*'s connection has sent its whole request (it is no longer
        one to close for room); False when it was closed for room already."""
        with self._conns_lock:
            conn = self._conns.get(request)
            if conn is None:
                return False
            conn.reading = False
            return True

    def open_connections(self) -> dict[str, int]:
        """Connections open now, by address (IPv6: by /64)."""
        with self._conns_lock:
            out: dict[str, int] = {}
            for c in self._conns.values():
                out[c.key] = out.get(c.key, 0) + 1
            return out

    def handle_error(self, request, client_address) -> None:  # noqa: ARG002
        return  # a client's error is not the consultant's: nothing printed


class DeadlineHandler(BaseHTTPRequestHandler):
    """A request handler whose input is bound by the server's ``request_deadline``.

    ``timeout`` (seconds) bounds each write of the answer.
    """

    timeout = 10

    def setup(self) -> None:
        super().setup()
        deadline = time.monotonic() + self.server.request_deadline
        self.rfile.close()  # the socket's own reader: replaced by one bound by the deadline
        self.rfile = io.BufferedReader(DeadlineReader(self.connection, deadline))

    def request_complete(self) -> bool:
        """Call once the whole request is read, before answering; False when the
        connection was closed for room (then do not answer)."""
        if not self.server.request_complete(self.connection):
            self.close_connection = True
            return False
        self.connection.settimeout(self.timeout)
        return True
