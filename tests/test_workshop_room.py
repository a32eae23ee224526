"""The phone round: the phones' page (token, validation, one answer per phone, limits) and
the reveal (hand-computed medians; no group under the threshold)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pandas as pd
import pytest

from toolkit.exceptions import InputError
from toolkit.workshop import room as room_mod
from toolkit.workshop.guess import guess_reveal, make_questions
from toolkit.workshop.room import (RoomConfig, RoomServer, close_round, open_round,
                                   room_config, round_answers, svg_qr, terminal_qr)

K = 5


@pytest.fixture
def server(tmp_path):
    cfg = RoomConfig(folder=tmp_path / "room", ip="127.0.0.1", port=0, token="phone-tok")
    srv = RoomServer(cfg)
    srv.start()
    try:
        yield cfg
    finally:
        srv.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def _phone(cfg: RoomConfig, cookie: str | None = None) -> tuple[str | None, str]:
    """What a phone gets when it opens the page: (participant token, its cookie)."""
    req = urllib.request.Request(cfg.url)
    if cookie:
        req.add_header("Cookie", cookie)
    with urllib.request.urlopen(req, timeout=30) as r:
        body, set_cookie = r.read().decode(), r.headers.get("Set-Cookie", "")
    m = re.search(r"name=p value='([0-9a-f]+)'", body)
    return (m.group(1) if m else None), set_cookie.split(";")[0]


def _post(cfg: RoomConfig, fields: dict, cookie: str | None = None,
          raw: bytes | None = None, phone: bool = True) -> tuple[int, str, str]:
    """POST an answer; with *phone* (default) as a phone does: open the page first (with
    *cookie*) and send the participant token it gave."""
    if raw is None and phone and "p" not in fields:
        p, _ = _phone(cfg, cookie)
        fields = {**fields, "p": p} if p else fields
    data = raw if raw is not None else urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{cfg.port}/answer", data=data)
    if cookie:
        req.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(), r.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers.get("Set-Cookie", "")


def test_page_needs_the_token_and_an_open_round(server):
    cfg = server
    base = f"http://127.0.0.1:{cfg.port}"
    assert _get(base + "/")[0] == 404
    assert _get(base + "/?t=wrong")[0] == 404
    for path in ("/api/kernels", "/terminals", "/results.json", "/../answers.json"):
        assert _get(base + path + "?t=phone-tok")[0] == 404
    code, body = _get(cfg.url)
    assert code == 200 and "No round is open" in body
    open_round(cfg.folder, make_questions())
    code, body = _get(cfg.url)
    assert code == 200
    assert "sales gives up on leads too early" in body
    assert body.count("inputmode=numeric") == 3 and "Prefer not to say" in body
    # link.json tells the app where the phones go
    assert json.loads((cfg.folder / "link.json").read_text())["url"] == cfg.url


def test_answers_validated_one_per_phone(server):
    cfg = server
    rid = open_round(cfg.folder, make_questions())
    ok = {"t": "phone-tok", "round": rid, "side": "sales", "q1": 30, "q2": 70, "q3": 10}
    p, device = _phone(cfg)
    assert device.startswith("aligndx_room=") and device.endswith(p)
    code, body, _ = _post(cfg, {**ok, "p": p})
    assert code == 200 and "your guesses are in" in body
    # the same phone (its cookie) opens the page again: the same token; its answer is
    # replaced, not added
    assert _phone(cfg, device)[0] == p
    assert _post(cfg, {**ok, "q1": 40}, cookie=device)[0] == 200
    answers = round_answers(cfg.folder)
    assert answers == [{"side": "sales", "answers": {"q1": 40.0, "q2": 70.0, "q3": 10.0}}]
    # another phone
    assert _post(cfg, {**ok, "side": "marketing"})[0] == 200
    assert len(round_answers(cfg.folder)) == 2
    bad = [({**ok, "t": "nope"}, 403), ({**ok, "q2": 150}, 400), ({**ok, "q2": "lots"}, 400),
           ({**ok, "q3": "nan"}, 400), ({**ok, "side": "ceo"}, 400),
           ({k: v for k, v in ok.items() if k != "q1"}, 400), ({**ok, "round": "old"}, 409)]
    for fields, status in bad:
        assert _post(cfg, fields)[0] == status, fields
    assert _post(cfg, {}, raw=b"x" * (room_mod.MAX_BODY + 1))[0] == 413
    close_round(cfg.folder)
    assert _post(cfg, ok)[0] == 409
    assert "No round is open" in _get(cfg.url)[1]
    assert len(round_answers(cfg.folder)) == 2


def test_a_new_round_starts_empty_and_questions_are_escaped(server, monkeypatch):
    cfg = server
    rid = open_round(cfg.folder, make_questions())
    assert _post(cfg, {"t": "phone-tok", "round": rid, "side": "none", "q1": 1, "q2": 2,
                       "q3": 3})[0] == 200
    qs = [{"id": "q1", "code": "X", "about": "sales", "text": "<script>alert(1)</script>"}]
    rid2 = open_round(cfg.folder, qs)
    assert round_answers(cfg.folder) == []
    body = _get(cfg.url)[1]
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert _post(cfg, {"t": "phone-tok", "round": rid2, "side": "other", "q1": 50})[0] == 200
    assert round_answers(cfg.folder) == [{"side": "other", "answers": {"q1": 50.0}}]
    monkeypatch.setattr(room_mod, "MAX_ANSWERS", 1)
    code, body = _get(cfg.url)       # a second phone: the round is full
    assert code == 409 and "full" in body


def test_stop_removes_the_link(tmp_path):
    cfg = RoomConfig(folder=tmp_path / "room", ip="127.0.0.1", port=0, token="t")
    srv = RoomServer(cfg)
    srv.start()
    assert (cfg.folder / "link.json").exists()
    srv.stop()
    assert not (cfg.folder / "link.json").exists()


def test_ipv6_loopback_room(tmp_path):
    try:
        cfg = RoomConfig(folder=tmp_path / "room", ip="::1", port=0, token="t6")
        srv = RoomServer(cfg)
        srv.start()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        assert cfg.url.startswith("http://[::1]:")
        assert _get(cfg.url)[0] == 200
    finally:
        srv.stop()


def test_room_binding_rules(tmp_path, monkeypatch):
    cfg = room_config(tmp_path, port=18999)
    assert cfg.ip == "127.0.0.1" and not cfg.remote and cfg.port == 18999
    with pytest.raises(InputError, match="allow-remote"):
        room_config(tmp_path, ip="192.168.1.7")
    monkeypatch.setattr(room_mod, "lan_address", lambda: None)
    with pytest.raises(InputError, match="room-ip"):
        room_config(tmp_path, allow_remote=True)
    assert room_config(tmp_path, app_ip="[::1]", port=18998).ip == "::1"
    a, b = room_config(tmp_path, port=18997), room_config(tmp_path, port=18997)
    assert a.token != b.token and len(a.token) >= 16
    # a wildcard app address (--ip 0.0.0.0 --allow-remote) is no address for a QR code:
    # the phones get this laptop's address on the room's network
    monkeypatch.setattr(room_mod, "lan_address", lambda: "192.0.2.10")
    for wild in ("0.0.0.0", "::"):
        cfg = room_config(tmp_path, allow_remote=True, app_ip=wild, port=18996)
        assert cfg.ip == "192.0.2.10" and cfg.remote
        assert cfg.url.startswith("http://192.0.2.10:18996/?t=")
        cfg = room_config(tmp_path, allow_remote=True, ip=wild, port=18996)
        assert cfg.ip == "192.0.2.10"


def test_qr_codes():
    url = "http://192.0.2.10:8870/?t=abc"
    text = terminal_qr(url)
    assert len(text.splitlines()) > 10 and "█" in text
    svg = svg_qr(url)
    assert svg.lstrip().startswith("<svg") and "<script" not in svg


# --- the reveal -----------------------------------------------------------------------------
def survey(n_sales=5, n_mkt=5) -> pd.DataFrame:
    # CLAIM_LEADS: sales 4,4,5,5,2 (80 % agree); CLAIM_FOLLOW: marketing 5,5,4,2,1 (60 %)
    rows = [dict(team="sales", CLAIM_LEADS=c, CLAIM_FOLLOW=2)
            for c in [4, 4, 5, 5, 2, 3, 3, 3][:n_sales]]
    rows += [dict(team="marketing", CLAIM_LEADS=2, CLAIM_FOLLOW=c)
             for c in [5, 5, 4, 2, 1, 3, 3][:n_mkt]]
    df = pd.DataFrame(rows)
    df.insert(0, "respondent_id", [f"R{i}" for i in range(len(df))])
    return df


def guesses(spec) -> list[dict]:
    return [{"side": side, "answers": {"q1": float(v), "q2": float(v)}}
            for side, values in spec for v in values]


QS = make_questions([("CLAIM_LEADS", "sales"), ("CLAIM_FOLLOW", "marketing")])


def test_reveal_hand_computed():
    ans = guesses([("sales", [10, 20, 30, 40, 50]), ("marketing", [60, 70, 80, 90, 100]),
                   ("other", [0, 100])])
    r = guess_reveal(survey(), QS, ans, min_group_size=K)
    q1, q2 = r["questions"]
    assert q1["actual"] == pytest.approx(80.0) and q2["actual"] == pytest.approx(60.0)
    # 2 guessers of other teams (< 5) are left out of the room's figure, like the survey's
    # "all" (else room − sales − marketing would give them)
    assert q1["room"]["n"] == 10
    assert q1["room"]["median"] == pytest.approx(55.0)
    assert q1["room"]["q1"] == pytest.approx(np.percentile(np.arange(10, 101, 10), 25))
    assert q1["by_side"]["sales"]["median"] == 30 and q1["by_side"]["marketing"]["median"] == 80
    assert q1["error"] == pytest.approx(-25.0) and q1["verdict"] == "underestimated"
    assert q2["error"] == pytest.approx(-5.0) and q2["verdict"] == "spot on"
    assert r["n_answers"] == 12
    json.dumps(r, allow_nan=False)


def test_reveal_never_shows_a_group_under_the_threshold():
    # 4 marketing guessers: marketing hidden, and sales hidden too (room − sales = them)
    ans = guesses([("sales", [10, 20, 30, 40, 50, 60]), ("marketing", [70, 80, 90, 95])])
    r = guess_reveal(survey(), QS, ans, min_group_size=K)
    for q in r["questions"]:
        assert q["by_side"] == {"sales": None, "marketing": None}
        assert q["room"]["n"] == 10
    text = json.dumps(r)
    assert "marketing side (guesses)" in text and '"n": 4' not in text
    # 3 guesses in all: nothing of the room shown, the survey figure still is
    r = guess_reveal(survey(), QS, guesses([("sales", [10, 20, 30])]), min_group_size=K)
    assert all(q["room"] is None and q["verdict"] == "waiting" for q in r["questions"])
    # a survey side under the threshold: its answer hidden, never 0
    r = guess_reveal(survey(n_mkt=4), QS, guesses([("sales", range(5))]), min_group_size=K)
    assert r["questions"][1]["actual"] is None and r["questions"][1]["verdict"] == "hidden"
    # every summary shown covers at least K guesses
    for q in r["questions"]:
        for s in [q["room"], *q["by_side"].values()]:
            assert s is None or s["n"] >= K


def test_make_questions_rejects_unknown():
    with pytest.raises(InputError):
        make_questions([("NOPE", "sales")])
    with pytest.raises(InputError):
        make_questions([("CLAIM_LEADS", "revops")])
    with pytest.raises(InputError):
        open_round("/nonexistent-never-written", [])


def test_guess_figures_pass_the_anonymity_audit():
    """Every mix of guessers (0..8 per side) yields figures the audit of toolkit.privacy_audit
    finds safe; independently, no shown group and no difference of shown groups is under K."""
    pytest.importorskip("toolkit.privacy_audit")
    rng = np.random.default_rng(7)
    s = survey()
    for n_s in range(0, 9):
        for n_m in range(0, 9):
            n_o = int(rng.integers(0, 4))
            ans = guesses([("sales", rng.integers(0, 101, n_s)),
                           ("marketing", rng.integers(0, 101, n_m)),
                           ("none", rng.integers(0, 101, n_o))])
            r = guess_reveal(s, QS, ans, min_group_size=K)
            assert r["audit"]["ok"], (n_s, n_m, n_o)
            for q in r["questions"]:
                shown = [x["n"] for x in q["by_side"].values() if x is not None]
                assert all(n >= K for n in shown)
                if q["room"] is not None:
                    rest = q["room"]["n"] - sum(shown)
                    assert rest == 0 or rest >= K, (n_s, n_m, n_o)


def test_the_audit_withholds_what_the_rule_would_have_let_through(monkeypatch):
    """Not vacuous: with a permissive display rule, the audit catches the small group."""
    pytest.importorskip("toolkit.privacy_audit")
    from toolkit.survey.groups import Visibility
    from toolkit.workshop import guess as guess_mod

    monkeypatch.setattr(guess_mod, "visibility", lambda s, m, r, k: Visibility(
        sales=True, marketing=True, include_rest=True, all=True))
    ans = guesses([("sales", [10, 20, 30, 40, 50, 60]), ("marketing", [70, 80, 90, 95])])
    r = guess_reveal(survey(), QS, ans, min_group_size=K)
    for q in r["questions"]:
        # marketing (4 guesses) would be shown by the permissive rule and sales would give
        # it by subtraction from the room: the audit withholds the question's guesses
        assert q["room"] is None and q["by_side"] == {"sales": None, "marketing": None}
    assert r["audit"]["ok"]
    assert any(x["reason"] == "audit" for x in r["suppressed"])


def test_one_phone_cannot_stuff_the_ballot_or_read_a_guess(server, monkeypatch):
    """Review 13 M7 / new-user F11: answers without a server-issued participant token do not
    count; one phone (one address) without cookies gets its own token back, so its answers
    replace each other; the reveal publishes no mean."""
    cfg = server
    qs = make_questions()[:1]
    rid = open_round(cfg.folder, qs)
    ans = {"t": "phone-tok", "round": rid, "side": "marketing"}
    # a POST with no token, or a made-up one, is not a vote
    assert _post(cfg, {**ans, "q1": 0}, phone=False)[0] == 403
    assert _post(cfg, {**ans, "q1": 0, "p": "0" * 32})[0] == 403
    assert round_answers(cfg.folder) == []
    # phones in the room are on other addresses than the laptop's loopback
    monkeypatch.setattr(room_mod, "_is_local", lambda address: False)
    honest, _ = _phone(cfg)
    assert _post(cfg, {**ans, "q1": 37, "p": honest})[0] == 200
    # the attacker: the same phone (address), no cookie jar, four more answers
    for v in (0, 0, 100, 100):
        assert _post(cfg, {**ans, "q1": v})[0] == 200
    assert [a["answers"]["q1"] for a in round_answers(cfg.folder)] == [100.0]
    assert _phone(cfg)[0] == honest        # the address gets its own token back
    # the repro of the review: the honest guess is no longer readable from the reveal
    r = guess_reveal(None, qs, round_answers(cfg.folder), min_group_size=5)
    assert r["questions"][0]["by_side"]["marketing"] is None
    assert r["questions"][0]["room"] is None


def test_phones_sharing_one_address_are_told_and_the_limit_can_be_raised(tmp_path,
                                                                        monkeypatch):
    """Phones behind one address (a guest Wi-Fi that translates addresses) share one answer
    by default — the second phone is told its answer replaces a colleague's instead of
    silently overwriting it; ``--phones-per-address`` raises the limit."""
    monkeypatch.setattr(room_mod, "_is_local", lambda address: False)
    note = "answers from one connection count once"
    for per_address, expect_distinct in ((1, 1), (3, 3)):
        cfg = RoomConfig(folder=tmp_path / f"room{per_address}", ip="127.0.0.1", port=0,
                         token="phone-tok", per_address=per_address)
        srv = RoomServer(cfg)
        srv.start()
        try:
            rid = open_round(cfg.folder, make_questions()[:1])
            pages = []
            for _ in range(4):  # four phones, no cookies, one address
                with urllib.request.urlopen(f"http://127.0.0.1:{cfg.port}/?t=phone-tok",
                                            timeout=30) as r:
                    pages.append(r.read().decode())
            tokens = [re.search(r"name=p value='([0-9a-f]+)'", p).group(1) for p in pages]
            assert len(set(tokens)) == expect_distinct
            # the phones that got a token of their own see no note; the others do
            assert [note in p for p in pages] == [i >= expect_distinct for i in range(4)]
            for i, tok in enumerate(tokens):
                assert _post(cfg, {"t": "phone-tok", "round": rid, "side": "sales",
                                   "q1": 10 * i, "p": tok})[0] == 200
            assert len(round_answers(cfg.folder)) == expect_distinct
        finally:
            srv.stop()
    with pytest.raises(InputError, match="phones-per-address"):
        room_config(tmp_path / "r", per_address=0)


def test_a_reveal_publishes_no_mean():
    ans = guesses([("sales", [10, 20, 30, 40, 50]), ("marketing", [60, 70, 80, 90, 100])])
    r = guess_reveal(survey(), QS, ans, min_group_size=K)
    for q in r["questions"]:
        for s in [q["room"], *q["by_side"].values()]:
            assert s is not None and set(s) == {"n", "median", "q1", "q3"}


def test_hostile_connections_neither_crash_nor_hold_the_room(server, monkeypatch, capsys):
    """Review 13b F3: a non-ASCII token made compare_digest raise (a traceback naming the
    phone's address on the consultant's terminal); slow, token-less connections each held
    a thread without limit. Now: 404, nothing printed; idle connections time out and
    connections beyond the cap are closed, and a real phone still gets the page."""
    import socket
    import threading
    import time

    cfg = server
    base = f"http://127.0.0.1:{cfg.port}"
    assert _get(base + "/?t=%C3%A9")[0] == 404
    code, _, _ = _post(cfg, {"t": "é", "q1": "50"}, phone=False)
    assert code == 403
    assert "Traceback" not in capsys.readouterr().err
    before = threading.active_count()
    held = []
    for _ in range(room_mod.MAX_CONNECTIONS + 40):
        c = socket.create_connection(("127.0.0.1", cfg.port))
        c.sendall(b"POST /answer HTTP/1.1\r\nContent-Length: 4000\r\n\r\n")
        held.append(c)
    time.sleep(1.0)
    assert threading.active_count() - before <= room_mod.MAX_CONNECTIONS
    for c in held:
        c.close()
    deadline = time.time() + 30
    while threading.active_count() > before + 2 and time.time() < deadline:
        time.sleep(0.2)
    assert _get(cfg.url)[0] == 200
