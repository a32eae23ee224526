"""The room's own answers: a "guess the other side" round answered on phones.

The consultant opens a round in the app (two or three questions such as "what share of
the marketing team agreed that sales gives up on leads too early?"); participants open a
small page on their phones (a QR code on the projector and in the terminal), say which
side they are on, type their guesses and send them. The reveal
(:func:`toolkit.workshop.guess.guess_reveal`) puts the room's guesses next to what the
survey says.

Security and privacy
--------------------
* The page is served by :class:`RoomServer`, a small standard-library HTTP server started
  by ``aligndx workshop`` beside the app, on its own port and with **its own token**: a
  phone can read the open questions and send numbers, nothing else — it never gets the
  app's token, the client's figures, a kernel or a file.
* It binds the loopback address unless the consultant passes ``--allow-remote``; then it
  binds the laptop's address on the room's network (``--room-ip``), while the app itself
  stays on loopback.
* Answers are numbers 0..100 and a side. One answer per phone: opening the page gives the
  phone a **participant token** issued by the server (a random value in the form and in a
  cookie); an answer counts only with a token the server issued for this round, and a
  phone that answers again replaces its answer. A phone that clears its cookies, opens a
  private tab or posts without a token gets no second vote: the server issues at most
  :data:`TOKENS_PER_ADDRESS` tokens per network address and round (``--phones-per-address``
  raises it for a network that puts every phone behind one address), and hands that address
  its own token again after that, telling the phone that its answer replaces the earlier
  one (the laptop itself, on loopback, is not limited).
  Nothing identifies a phone beyond the token. Request bodies are capped, the number of
  answers per round is capped, and the server logs nothing.
* One device cannot hold the page for the others (slow or many connections, with or
  without the token; :mod:`toolkit.workshop.connguard`): a request must arrive whole
  within :data:`REQUEST_DEADLINE` seconds; one network address holds at most
  :attr:`RoomConfig.connections_per_address` connections at once (a phone needs one or
  two: :data:`CONNECTIONS_PER_PHONE` per ``--phones-per-address``, at least
  :data:`CONNECTIONS_PER_ADDRESS`), a new one replacing that address's oldest unfinished
  one; and when :data:`MAX_CONNECTIONS` are open the oldest unfinished connection makes
  room for a new one.

State lives in the workshop folder's ``room/`` sub-folder: ``round.json`` (written by the
app: the open round and its questions), ``answers.json`` (written by the server) and
``link.json`` (written by the launcher: the phones' address, for the app's QR code).
"""

from __future__ import annotations

import html
import json
import os
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from http import cookies
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..exceptions import InputError
from .connguard import DeadlineHandler, GuardedHTTPServer, address_key

ROUND_FILE, ANSWERS_FILE, LINK_FILE = "round.json", "answers.json", "link.json"
#: Sides a participant may choose on the phone (``none`` = prefer not to say).
PHONE_SIDES = {"sales": "Sales (incl. sales development)", "marketing": "Marketing",
               "other": "Another team", "none": "Prefer not to say"}
MAX_BODY = 4096
MAX_ANSWERS = 1000
#: Participant tokens per network address and round: one phone, one answer (SPEC §8).
TOKENS_PER_ADDRESS = 1
#: The most ``--phones-per-address`` allows (a room, not a conference hall).
MAX_PER_ADDRESS = 200
MAX_QUESTIONS = 3
ROOM_PORT = 8870
#: Connections the phones' page serves at once (a room holds a few dozen phones, and each
#: request is answered in milliseconds).
MAX_CONNECTIONS = 64
#: Seconds a connection has to send its whole request (line, headers and body).
REQUEST_DEADLINE = 5.0
#: Connections one network address may hold at once, at least (a phone's browser opens one
#: or two; the laptop's a few more)...
CONNECTIONS_PER_ADDRESS = 8
#: ...and per phone ``--phones-per-address`` lets share that address.
CONNECTIONS_PER_PHONE = 2
_COOKIE = "aligndx_room"


# --- files shared by the app and the server ----------------------------------------------
def write_json(path: Path, obj) -> None:
    """Write *obj* as JSON atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, default=None):
    """Read a JSON file; *default* when it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def open_round(folder: str | Path, questions: list[dict]) -> str:
    """Open a new round with *questions* (``{id, text, ...}``); return its id.

    Raises
    ------
    InputError
        No question, or more than :data:`MAX_QUESTIONS`.
    """
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InputError(f"a round has 1 to {MAX_QUESTIONS} questions, got {len(questions)}")
    rid = secrets.token_hex(4)
    write_json(Path(folder) / ROUND_FILE, {"round": rid, "open": True,
                                           "questions": list(questions),
                                           "opened_at": time.time()})
    return rid


def close_round(folder: str | Path) -> None:
    """Stop accepting answers for the current round (the phones say it is closed)."""
    r = read_json(Path(folder) / ROUND_FILE)
    if r:
        write_json(Path(folder) / ROUND_FILE, {**r, "open": False})


def current_round(folder: str | Path) -> dict | None:
    """The round as the app wrote it, or None."""
    return read_json(Path(folder) / ROUND_FILE)


def round_answers(folder: str | Path) -> list[dict]:
    """The answers of the current round: ``[{side, answers: {question id: 0..100}}]``."""
    r = current_round(folder)
    a = read_json(Path(folder) / ANSWERS_FILE, {})
    if not r or not isinstance(a, dict) or a.get("round") != r.get("round"):
        return []
    return list((a.get("answers") or {}).values())


def room_link(folder: str | Path) -> dict | None:
    """``{url, remote}`` for the phones, written by the launcher; None without one."""
    return read_json(Path(folder) / LINK_FILE)


# --- the server ------------------------------------------------------------------------------
def lan_address() -> str | None:
    """This machine's address on the network of its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.254.254.254", 1))
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


@dataclass
class RoomConfig:
    """Where and how the phones' page is served.

    Attributes
    ----------
    folder : Path
        The ``room/`` folder of the workshop.
    ip : str
        Address to bind (loopback unless ``--allow-remote``).
    port : int
    token : str
        The phones' token (not the app's).
    remote : bool
        Whether the page is open to the room's network.
    per_address : int
        Participant tokens per network address and round (``--phones-per-address``;
        default :data:`TOKENS_PER_ADDRESS`). Raise it where the room's network puts every
        phone behind one address (a guest Wi-Fi that translates addresses); a participant
        with a private tab can then answer that many times.
    request_deadline : float
        Seconds a connection has to send its whole request (default
        :data:`REQUEST_DEADLINE`).
    max_connections : int
        Connections served at once (default :data:`MAX_CONNECTIONS`).
    connection_limit : int or None
        Connections one network address may hold at once; None (default): see
        :attr:`connections_per_address`.
    """

    folder: Path
    ip: str
    port: int
    token: str
    remote: bool = False
    per_address: int = TOKENS_PER_ADDRESS
    request_deadline: float = REQUEST_DEADLINE
    max_connections: int = MAX_CONNECTIONS
    connection_limit: int | None = None

    @property
    def connections_per_address(self) -> int:
        """Connections one network address may hold at once: :attr:`connection_limit`
        when set, else :data:`CONNECTIONS_PER_PHONE` for each of the :attr:`per_address`
        phones that may share it, at least :data:`CONNECTIONS_PER_ADDRESS`, at most
        :attr:`max_connections`."""
        if self.connection_limit:
            return int(self.connection_limit)
        return min(int(self.max_connections),
                   max(CONNECTIONS_PER_ADDRESS, CONNECTIONS_PER_PHONE * int(self.per_address)))

    @property
    def url(self) -> str:
        """The address the phones open (with the token)."""
        from .launch import url_host

        return f"http://{url_host(self.ip)}:{self.port}/?t={self.token}"


def room_config(folder: str | Path, *, allow_remote: bool = False, ip: str | None = None,
                port: int | None = None, app_ip: str = "127.0.0.1",
                token: str | None = None,
                per_address: int = TOKENS_PER_ADDRESS) -> RoomConfig:
    """Decide where the phones' page goes.

    Without *allow_remote* it binds the app's loopback address (the consultant can try it
    on the laptop; phones cannot reach it). With it, *ip* (``--room-ip``), else the app's
    address when that is not loopback, else this laptop's address on the room's network.
    A wildcard (``0.0.0.0``, ``::``) is replaced by that address too: the QR code must
    name an address phones can open.

    Raises
    ------
    InputError
        A non-loopback *ip* without *allow_remote*, no network address found, or
        *per_address* outside 1–:data:`MAX_PER_ADDRESS`.
    """
    from .launch import free_port, is_loopback, normalize_ip

    if not 1 <= int(per_address) <= MAX_PER_ADDRESS:
        raise InputError(f"--phones-per-address {per_address}: expected a whole number "
                         f"from 1 to {MAX_PER_ADDRESS}")

    if ip is not None and not is_loopback(ip) and not allow_remote:
        raise InputError(f"--room-ip {ip}: the phones' page stays on this laptop unless "
                         "--allow-remote is given")
    if not allow_remote:
        bind = normalize_ip(app_ip) if is_loopback(app_ip) else "127.0.0.1"
    else:
        bind = normalize_ip(ip) if ip else (normalize_ip(app_ip) if not is_loopback(app_ip)
                                            else lan_address())
        if bind in ("0.0.0.0", "::", "[::]"):
            # a wildcard is no address a phone can open: serve and print this laptop's
            # address on the room's network instead
            bind = lan_address()
        if not bind:
            raise InputError("--allow-remote: cannot find this laptop's address on the "
                             "room's network; connect to the room's Wi-Fi or pass --room-ip")
    port = int(port) if port else free_port(bind, ROOM_PORT)
    return RoomConfig(folder=Path(folder), ip=bind, port=port,
                      token=token or secrets.token_urlsafe(16),
                      remote=bool(allow_remote and not is_loopback(bind)),
                      per_address=int(per_address))


_STYLE = ("body{font-family:system-ui,sans-serif;margin:1.2em;max-width:34em;font-size:18px}"
          "label{display:block;margin:.8em 0 .3em}input[type=number]{font-size:1.2em;"
          "width:5em}button{font-size:1.1em;padding:.5em 1.2em;margin-top:1em}"
          ".q{border-top:1px solid #ccc;padding-top:.6em;margin-top:.8em}")


def _page(title: str, body: str) -> bytes:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>").encode("utf-8")


def _form(cfg: RoomConfig, rnd: dict, participant: str, shared: bool = False) -> bytes:
    esc = html.escape
    sides = "".join(f"<label><input type=radio name=side value={k} required> {esc(v)}"
                    "</label>" for k, v in PHONE_SIDES.items())
    qs = "".join(
        f"<div class=q><label for={esc(q['id'])}>{esc(q['text'])}</label>"
        f"<input id={esc(q['id'])} name={esc(q['id'])} type=number min=0 max=100 step=1 "
        "inputmode=numeric required> %</div>" for q in rnd["questions"])
    body = (f"<form method=post action='/answer'>"
            f"<input type=hidden name=t value='{esc(cfg.token, quote=True)}'>"
            f"<input type=hidden name=round value='{esc(rnd['round'], quote=True)}'>"
            f"<input type=hidden name=p value='{esc(participant, quote=True)}'>"
            + (f"<p class=note><b>Note:</b> a phone on this network connection has already "
               f"joined this round, and answers from one connection count once: if you "
               f"send yours, it replaces that one. If colleagues share your connection, "
               f"tell the consultant.</p>" if shared else "")
            + f"<p>Your answers are anonymous: only the room's totals are shown, and only "
            f"for groups large enough.</p><fieldset><legend>Which team are you on?"
            f"</legend>{sides}</fieldset>{qs}<button type=submit>Send</button></form>")
    return _page("Guess the other side", body)


class _Handler(DeadlineHandler):
    server_version = "aligndx-room"
    sys_version = ""
    cfg: RoomConfig
    lock: threading.Lock
    #: participant tokens of the open round: ``{"round", "tokens": set, "by_address"}``
    registry: dict

    def log_message(self, *_args) -> None:  # no log of addresses or answers
        return

    def _send(self, code: int, body: bytes, extra: dict | None = None) -> None:
        if not self.request_complete():  # closed to make room: no answer
            return
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self';"
                         " frame-ancestors 'none'")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _token_ok(self, value: str | None) -> bool:
        # bytes: compare_digest refuses non-ASCII text with a TypeError (a traceback naming
        # the phone's address on the consultant's terminal)
        return bool(value) and secrets.compare_digest(str(value).encode("utf-8", "replace"),
                                                      self.cfg.token.encode("utf-8"))

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        if not self.request_complete():  # the whole request is in (no body)
            return
        u = urlsplit(self.path)
        t = (parse_qs(u.query).get("t") or [None])[0]
        if u.path != "/" or not self._token_ok(t):
            self._send(404, _page("Not found", "<p>Scan the code on the screen.</p>"))
            return
        rnd = current_round(self.cfg.folder)
        if not rnd or not rnd.get("open"):
            self._send(200, _page("Guess the other side",
                                  "<p>No round is open. Wait for the facilitator, then "
                                  "reload this page.</p>"))
            return
        with self.lock:
            cookie = self._cookie()
            participant = self._participant(str(rnd.get("round")), cookie)
        if participant is None:
            self._send(409, _page("Guess the other side", "<p>This round is full.</p>"))
            return
        shared = participant != cookie and participant in self.registry.get("shared", ())
        self._send(200, _form(self.cfg, rnd, participant, shared),
                   self._cookie_header(participant))

    def _cookie(self) -> str:
        jar = cookies.SimpleCookie(self.headers.get("Cookie") or "")
        return jar[_COOKIE].value if _COOKIE in jar else ""

    @staticmethod
    def _cookie_header(participant: str) -> dict:
        return {"Set-Cookie": f"{_COOKIE}={participant}; Path=/; HttpOnly; SameSite=Strict"}

    def _participant(self, rid: str, cookie: str) -> str | None:
        """This phone's participant token for round *rid* (caller holds the lock): the one
        its cookie carries when the server issued it, else a new one — unless its address
        has had :attr:`RoomConfig.per_address` already (an IPv6 address counts as its /64),
        then that address's last token
        again (recorded as shared, so the page says so). None when the round has
        :data:`MAX_ANSWERS` participants."""
        reg = self.registry
        if reg.get("round") != rid:  # a new round: earlier tokens no longer count
            reg.clear()
            reg.update({"round": rid, "tokens": set(), "by_address": {}, "shared": set()})
        if cookie in reg["tokens"]:
            return cookie
        address = str(self.client_address[0])
        # counted per device: an IPv6 device may use any address of its /64 (connguard)
        mine = reg["by_address"].setdefault(address_key(address), [])
        if mine and len(mine) >= self.cfg.per_address and not _is_local(address):
            reg["shared"].add(mine[-1])
            return mine[-1]
        if len(reg["tokens"]) >= MAX_ANSWERS:
            return None
        token = secrets.token_hex(16)
        reg["tokens"].add(token)
        mine.append(token)
        return token

    def do_POST(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != "/answer":
            self._send(404, _page("Not found", ""))
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY:
            self._send(413, _page("Too large", "<p>That answer could not be read.</p>"))
            return
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        if not self.request_complete():
            return
        get = lambda k: (form.get(k) or [None])[0]  # noqa: E731
        if not self._token_ok(get("t")):
            self._send(403, _page("Not allowed", "<p>Scan the code on the screen.</p>"))
            return
        participant = str(get("p") or "")
        msg, code = self._store(get, participant)
        self._send(code, _page("Guess the other side", f"<p>{html.escape(msg)}</p>"))

    def _store(self, get, participant: str) -> tuple[str, int]:
        with self.lock:
            rnd = current_round(self.cfg.folder)
            if not rnd or not rnd.get("open") or get("round") != rnd.get("round"):
                return "This round is closed. Wait for the next one.", 409
            if self.registry.get("round") != rnd.get("round") \
                    or participant not in self.registry.get("tokens", ()):
                # no token this server issued for this round: not a vote (SPEC §8)
                return ("Please open the page from the code on the screen again, then "
                        "send your guesses.", 403)
            device = participant
            side = get("side")
            if side not in PHONE_SIDES:
                return "Please choose your team.", 400
            values = {}
            for q in rnd["questions"]:
                raw = get(q["id"])
                try:
                    v = float(raw)
                except (TypeError, ValueError):
                    return "Please answer every question with a number from 0 to 100.", 400
                if not 0 <= v <= 100:
                    return "Please answer every question with a number from 0 to 100.", 400
                values[q["id"]] = v
            path = self.cfg.folder / ANSWERS_FILE
            data = read_json(path, {})
            if not isinstance(data, dict) or data.get("round") != rnd["round"]:
                data = {"round": rnd["round"], "answers": {}}
            answers = data["answers"]
            if device not in answers and len(answers) >= MAX_ANSWERS:
                return "This round is full.", 409
            answers[device] = {"side": side, "answers": values}
            write_json(path, data)
        return "Thank you — your guesses are in. Watch the screen for the reveal.", 200

    do_HEAD = do_GET


def _is_local(address: str) -> bool:
    """A loopback client: the laptop itself (only it can reach a loopback-bound page)."""
    from .launch import is_loopback

    return is_loopback(address.removeprefix("::ffff:"))


class _Server(GuardedHTTPServer):
    """The phones' page's server: the limits of
    :class:`~toolkit.workshop.connguard.GuardedHTTPServer`, set from the
    :class:`RoomConfig`; errors never print."""


class RoomServer:
    """The phones' page, served in a background thread (see the module docstring).

    Parameters
    ----------
    cfg : RoomConfig
    """

    def __init__(self, cfg: RoomConfig):
        self.cfg = cfg
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind, write ``link.json`` for the app, and serve until :meth:`stop`."""
        handler = type("RoomHandler", (_Handler,), {"cfg": self.cfg,
                                                    "lock": threading.Lock(),
                                                    "registry": {}})
        server_cls = _Server
        if ":" in self.cfg.ip:
            server_cls = type("RoomServer6", (_Server,), {"address_family": socket.AF_INET6})
        self.cfg.folder.mkdir(parents=True, exist_ok=True)
        self._httpd = server_cls((self.cfg.ip, self.cfg.port), handler,
                                 max_connections=self.cfg.max_connections,
                                 per_address=self.cfg.connections_per_address,
                                 request_deadline=self.cfg.request_deadline)
        self.cfg.port = self._httpd.server_address[1]
        write_json(self.cfg.folder / LINK_FILE, {"url": self.cfg.url,
                                                 "remote": self.cfg.remote})
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        name="aligndx-room")
        self._thread.start()

    def open_connections(self) -> dict[str, int]:
        """Connections open now, by network address (IPv6: by /64); empty when stopped."""
        return self._httpd.open_connections() if self._httpd is not None else {}

    def stop(self) -> None:
        """Stop serving and remove ``link.json`` (the token is no longer valid)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        (self.cfg.folder / LINK_FILE).unlink(missing_ok=True)


def terminal_qr(url: str) -> str:
    """*url* as a QR code drawn with block characters, for the terminal."""
    import io

    import segno

    buf = io.StringIO()
    segno.make(url, error="m").terminal(out=buf, compact=True)
    return buf.getvalue()


def svg_qr(url: str, scale: int = 6) -> str:
    """*url* as an inline SVG QR code (for the app, shown on the projector)."""
    import io

    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=scale, xmldecl=False,
                                    svgns=True, border=2)
    return buf.getvalue().decode("utf-8")
