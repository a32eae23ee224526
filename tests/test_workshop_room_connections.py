"""The phones' page under slow and many connections (security issue 13, W1): one device
trickling requests over many connections must not keep the page from the other phones."""

from __future__ import annotations

import select
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from toolkit.workshop import room as room_mod
from toolkit.workshop.room import RoomConfig, RoomServer, open_round

#: how long a test waits for something that should happen at once (generous: a loaded
#: machine); nothing asserts that it happened fast
PATIENCE = 20.0


@pytest.fixture
def room(tmp_path):
    cfg = RoomConfig(folder=tmp_path / "room", ip="127.0.0.1", port=0, token="phone-tok")
    srv = RoomServer(cfg)
    srv.start()
    open_round(cfg.folder, [{"id": "q1", "text": "What share?"}])
    try:
        yield cfg, srv
    finally:
        srv.stop()


def _slow(port: int, source: str = "127.0.0.1", first: bytes = b"GET /?t=x HTTP/1.1\r\n"):
    """A connection that has sent the start of a request and waits."""
    s = socket.socket()
    try:
        s.bind((source, 0))
    except OSError:
        s.close()
        pytest.skip(f"cannot send from {source} on this system")
    s.connect(("127.0.0.1", port))
    s.sendall(first)
    return s


def _trickle(socks: list[socket.socket], data: bytes) -> None:
    for s in socks:
        try:
            s.sendall(data)
        except OSError:
            pass


def _closed(s: socket.socket, wait: float = 0.0, got: bytearray | None = None) -> bool:
    """Whether the server closed *s* (end of stream or reset), waiting up to *wait*; what
    it sent before is added to *got*."""
    end = time.monotonic() + wait
    while select.select([s], [], [], max(0.0, end - time.monotonic()))[0]:
        try:
            data = s.recv(4096)
        except OSError:
            return True
        if not data:
            return True
        if got is not None:
            got += data
    return False


def _phone(cfg: RoomConfig, source: str = "127.0.0.1") -> int | str:
    """The status a phone at *source* gets for the page (or the error, as text)."""
    url = f"http://127.0.0.1:{cfg.port}/?t={cfg.token}"
    if source != "127.0.0.1":
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", cfg.port, timeout=PATIENCE,
                                          source_address=(source, 0))
        try:
            conn.request("GET", f"/?t={cfg.token}")
            return conn.getresponse().status
        except OSError as e:
            return repr(e)
        finally:
            conn.close()
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError as e:
        return repr(e)


def test_slow_connections_from_one_address_do_not_keep_a_phone_out(room):
    """The finding's repro: more slow connections than the server serves at once, from one
    address, each trickling header lines and never finishing. The page still answers a
    phone on that address (the address's oldest unfinished connection makes room) and on
    another address; the address holds at most its limit of connections (and threads)."""
    cfg, srv = room
    before = threading.active_count()
    held = [_slow(cfg.port) for _ in range(room_mod.MAX_CONNECTIONS + 6)]
    try:
        _trickle(held, b"Host: a\r\n")
        time.sleep(0.3)
        _trickle(held, b"X-a: b\r\n")
        assert _phone(cfg) == 200                      # same address
        assert _phone(cfg, "127.0.0.2") == 200         # another phone
        limit = cfg.connections_per_address
        assert limit == room_mod.CONNECTIONS_PER_ADDRESS == 8
        # the server closed all but the newest few of the slow connections
        end = time.monotonic() + PATIENCE
        while True:
            open_now = [s for s in held if not _closed(s)]
            if len(open_now) <= limit or time.monotonic() > end:
                break
            time.sleep(0.1)
        assert len(open_now) <= limit
        assert open_now == held[len(held) - len(open_now):]   # the newest were kept
        assert srv.open_connections().get("127.0.0.1", 0) <= limit
        while threading.active_count() - before > limit and time.monotonic() < end:
            time.sleep(0.1)
        assert threading.active_count() - before <= limit
    finally:
        for s in held:
            s.close()


def test_a_full_server_makes_room_for_a_new_phone(room):
    """Slow connections from enough addresses to fill the server (each address within its
    limit): a new phone still gets the page — the oldest unfinished connection is closed
    for it — and the server never holds more than its total."""
    cfg, srv = room
    per, n_addr = 8, room_mod.MAX_CONNECTIONS // 8 + 1   # the default limit per address
    held = [_slow(cfg.port, f"127.0.0.{10 + a}") for a in range(n_addr) for _ in range(per)]
    try:
        assert len(held) > room_mod.MAX_CONNECTIONS
        _trickle(held, b"Host: a\r\n")
        assert _phone(cfg, "127.0.0.3") == 200
        assert _closed(held[0], PATIENCE)              # the oldest made room
        assert sum(srv.open_connections().values()) <= room_mod.MAX_CONNECTIONS
        assert cfg.connections_per_address == per
    finally:
        for s in held:
            s.close()


@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_trickling_connection_is_closed_by_the_request_deadline(tmp_path, where):
    """A connection sending one byte a second (never long enough silent for a per-read
    timeout) is closed, unanswered, once the whole-request deadline has passed — while
    sending its headers or its body."""
    cfg = RoomConfig(folder=tmp_path / "room", ip="127.0.0.1", port=0, token="phone-tok")
    cfg.request_deadline = deadline = 1.5   # set on the instance: a small deadline
    srv = RoomServer(cfg)
    srv.start()
    first = (b"GET /?t=phone-tok HTTP/1.1\r\n" if where == "headers" else
             b"POST /answer HTTP/1.1\r\nContent-Length: 4000\r\n\r\nt=phone-tok")
    s = _slow(cfg.port, first=first)
    try:
        start, got = time.monotonic(), bytearray()
        closed = False
        while not closed and time.monotonic() - start < 4 * deadline:
            _trickle([s], b"a")
            closed = _closed(s, 1.0, got)
        assert closed, f"still open after {4 * deadline} s"
        assert got == b""                              # no answer to a late request
        assert _phone(cfg) == 200                      # the page itself still answers
    finally:
        s.close()
        srv.stop()


def test_the_connection_limit_scales_with_phones_per_address():
    """Each address may hold 2 connections per phone that ``--phones-per-address`` lets share
    it, at least 8 and at most the server's total; IPv6 counts by /64 (a device may use any
    address of its /64), IPv4-mapped addresses as IPv4."""
    from toolkit.workshop.connguard import address_key

    def limit(**kw):
        return RoomConfig(folder=".", ip="127.0.0.1", port=0, token="t",
                          **kw).connections_per_address

    assert [limit(per_address=n) for n in (1, 4, 5, 10, 200)] == [8, 8, 10, 20, 64]
    assert limit(per_address=10, max_connections=12) == 12
    assert limit(connection_limit=3) == 3
    assert address_key("::ffff:10.0.0.5") == address_key("10.0.0.5") == "10.0.0.5"
    assert address_key("2001:db8::1") == address_key("2001:db8::ab:cd:ef:2") \
        == "2001:db8::/64"
    assert address_key("2001:db8:0:1::1") != address_key("2001:db8::1")


def test_one_ipv6_device_cannot_vote_more_often_by_changing_address():
    """The per-address answer limit counts an IPv6 /64 as one device, as the connection
    limit does: a phone cycling through addresses of its /64 gets its first token back."""
    from types import SimpleNamespace

    from toolkit.workshop import room as room_mod

    cfg = SimpleNamespace(per_address=1)
    reg: dict = {}
    tokens = []
    for host in ("2001:db8:1:2::10", "2001:db8:1:2::11", "2001:db8:1:2:ffff::1"):
        fake = SimpleNamespace(registry=reg, cfg=cfg, client_address=(host, 5000))
        tokens.append(room_mod._Handler._participant(fake, "r1", ""))
    assert len(set(tokens)) == 1
    other = SimpleNamespace(registry=reg, cfg=cfg, client_address=("2001:db8:1:3::10", 1))
    assert room_mod._Handler._participant(other, "r1", "") not in tokens
