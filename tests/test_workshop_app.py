"""The workshop app as the room sees it: ``aligndx workshop`` served on 127.0.0.1 and driven
by headless Chromium (load, move a slider, see the figure change, run a phone round) with a
screenshot of each view; and nothing in it reaches code: no code cell, no terminal, no
execute_request to the kernel, no file of the workshop folder.

Skipped when no Chromium is installed. Every wait has a generous deadline (a loaded 2-core
machine starts a kernel slowly) and the servers are stopped whatever happens. Screenshots
go to ``$ALIGNDX_SCREENSHOTS`` when set, else to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from cdp_browser import Browser, find_chromium
from toolkit.workshop.launch import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "followup-gap"
START_S = 300          # server up (analysis + Voilà) on a loaded machine
RENDER_S = 240         # first page: kernel start + notebook execution
STEP_S = 120           # one widget round trip

pytestmark = pytest.mark.slow


def _http(url: str, method: str = "GET", data: bytes | None = None) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with opener.open(req, timeout=RENDER_S) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def _start(args: list[str], cwd: Path, log: Path, extra_env: dict | None = None
           ) -> subprocess.Popen:
    env = {**os.environ, **(extra_env or {}), "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    return subprocess.Popen(args, cwd=str(cwd), env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)        # the launcher forwards it to Voilà
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)     # anything left of the group
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def chromium():
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine")
    return exe


@pytest.fixture(scope="module")
def served(tmp_path_factory, chromium):
    """``aligndx workshop followup-gap`` on 127.0.0.1: (app url, token, folder, room cfg)."""
    tmp = tmp_path_factory.mktemp("workshop-app")
    # random start ports: other checkouts may run this test on the same machine at once
    port = free_port("127.0.0.1", random.randint(20000, 29000))
    room_port = free_port("127.0.0.1", random.randint(30000, 39000))
    log = tmp / "server.log"
    proc = _start([sys.executable, "-m", "toolkit.cli", "workshop", str(SAMPLE), "-o",
                   str(tmp), "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
                   "--room-port", str(room_port)], tmp, log)
    try:
        if not (wait_for_port("127.0.0.1", port, START_S, proc)
                and wait_for_port("127.0.0.1", room_port, 30, proc)):
            pytest.fail("the workshop app did not start:\n" + log.read_text()[-3000:])
        out = log.read_text()
        url = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", out).group(1)
        token = url.split("token=")[1]
        folder = tmp / SAMPLE.name
        yield {"url": url, "token": token, "port": port, "folder": folder,
               "room": json.loads((folder / "room" / "link.json").read_text())["url"],
               "log": log}
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def page(served, chromium):
    b = Browser(chromium, width=1280, height=1400)
    try:
        b.goto(served["url"])
        b.wait_for("document.querySelectorAll('.aligndx-sla img').length > 0", RENDER_S)
        yield b
    finally:
        b.close()


def _shots() -> Path | None:
    d = os.environ.get("ALIGNDX_SCREENSHOTS")
    return Path(d) if d else None


def test_app_loads_slider_moves_figure_changes_and_each_view_is_screenshot(
        page, served, tmp_path):
    shots = _shots() or tmp_path
    b = page
    assert b.eval("document.body.innerText.includes('alignment workshop')")
    for view in ("reveal", "guess", "whatif", "sla"):
        png = b.screenshot(shots / f"workshop-{view}.png", f".aligndx-{view}")
        assert png.stat().st_size > 5_000, view
    # what-if: move "Marketing %" two steps with the keyboard, as a participant would
    img = "document.querySelector('.aligndx-whatif img').src"
    cap = "document.querySelector('.aligndx-whatif figcaption').textContent"
    before_img, before_cap = b.eval(img), b.eval(cap)
    assert "Added cost 0 USD" in before_cap
    readout = "document.querySelector('.aligndx-whatif .widget-readout').textContent"
    for expected in ("0.5%", "1.0%"):          # one key press, one step, then the next
        b.eval("document.querySelector('.aligndx-whatif .noUi-handle').focus()")
        b.press("ArrowRight", 39)
        b.wait_for(f"{readout} === {json.dumps(expected)}", STEP_S)
    b.wait_for(f"({img}) !== {json.dumps(before_img)} && "
               f"({cap}).includes('of won revenue') && !({cap}).includes('Added cost 0 USD')",
               STEP_S)
    b.screenshot(shots / "workshop-whatif-moved.png", ".aligndx-whatif")
    # SLA designer: attempts target one step down; the figure and its cost change
    sla_img = "document.querySelector('.aligndx-sla img').src"
    before = b.eval(sla_img)
    b.eval("document.querySelectorAll('.aligndx-sla .noUi-handle')[1].focus()")
    b.press("ArrowLeft", 37)
    b.wait_for(f"({sla_img}) !== {json.dumps(before)}", STEP_S)
    assert "What it costs" in b.eval("document.querySelector('.aligndx-sla').innerText")
    # reveal: the gap stage draws the gap
    b.eval("Array.from(document.querySelectorAll('.aligndx-reveal button'))"
           ".find(e => e.textContent.includes('The gap')).click()")
    b.wait_for("document.querySelector('.aligndx-reveal').innerText.includes('Gap ')", STEP_S)
    b.screenshot(shots / "workshop-reveal-gap.png", ".aligndx-reveal")
    b.screenshot(shots / "workshop-page.png")


def test_phone_round_end_to_end(page, served, tmp_path):
    shots = _shots() or tmp_path
    b = page
    click = ("Array.from(document.querySelectorAll('.aligndx-guess button'))"
             ".find(e => e.textContent.includes(%s)).click()")
    b.eval(click % json.dumps("Open the round"))
    b.wait_for("document.querySelector('.aligndx-guess').innerText.includes('Round open')",
               STEP_S)
    link = served["room"]
    assert link.startswith("http://127.0.0.1:") and served["token"] not in link
    status, body = _http(link)
    assert status == 200 and "sales gives up on leads too early" in body
    phone = Browser(find_chromium(), width=390, height=1100)      # what a phone shows
    try:
        phone.goto(link)
        phone.wait_for("document.querySelectorAll('input[inputmode=numeric]').length === 3",
                       STEP_S)
        phone.screenshot(shots / "workshop-phone.png")
    finally:
        phone.close()
    rnd = re.search(r"name=round value='([^']+)'", body).group(1)
    t = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["t"][0]
    post = link.split("/?")[0] + "/answer"
    # six sales and six marketing phones; marketing guesses 10..60 for Q1
    for i in range(12):
        side = "sales" if i < 6 else "marketing"
        # each phone opens the page (its participant token), then sends its guesses
        token = re.search(r"name=p value='([0-9a-f]+)'", _http(link)[1]).group(1)
        form = {"t": t, "round": rnd, "p": token, "side": side, "q1": 10 * (i % 6 + 1),
                "q2": 50, "q3": 20}
        assert _http(post, "POST", urllib.parse.urlencode(form).encode())[0] == 200
    b.eval(click % json.dumps("How many answers?"))
    b.wait_for("document.querySelector('.aligndx-guess').innerText.includes('12 answers')",
               STEP_S)
    b.eval(click % json.dumps("Close and reveal"))
    b.wait_for("document.querySelectorAll('.aligndx-guess img').length > 0", STEP_S)
    text = b.eval("document.querySelector('.aligndx-guess').innerText")
    assert "Round closed with 12 answers" in text
    assert "35%" in text           # the room's median of 10,10,20,20,...,60,60 for Q1
    b.screenshot(shots / "workshop-guess-reveal.png", ".aligndx-guess")
    # the phone page says the round is closed
    assert "No round is open" in _http(link)[1]


def test_no_code_cell_terminal_or_kernel_execution_is_reachable(page, served):
    b = page
    base, tok = f"http://127.0.0.1:{served['port']}", served["token"]
    # no code, no editor, no prompt in what the room sees
    assert b.eval("document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-InputPrompt,"
                  " .cm-editor, .cm-content, .CodeMirror, textarea, .jp-Terminal').length"
                  ) == 0
    assert b.eval("document.querySelectorAll('.jp-MarkdownOutput').length") >= 5  # the prose
    text = b.eval("document.body.innerText")
    assert "app.reveal_section" not in text and "import " not in text
    html = _http(f"{base}/?token={tok}")[1]
    for code in ("app.reveal_section", "from toolkit", "import ", "session ="):
        assert code not in html
    # without the token: nothing
    assert _http(f"{base}/")[0] in (302, 401, 403)
    assert "alignment workshop" not in _http(f"{base}/?token=wrong")[1]
    # no terminal, contents, tree, lab or file route (everything unknown is refused)
    for path in ("/terminals/websocket/1", "/api/terminals", "/api/contents", "/lab",
                 "/tree", "/api/sessions", "/voila/files/results.json",
                 "/voila/files/workshop.ipynb", "/voila/files/voila.json",
                 "/voila/files/room/link.json"):
        status, _ = _http(f"{base}{path}?token={tok}")
        if status == 302:           # Voilà sends unknown paths to /voila/files/... : 403
            status, _ = _http(f"{base}/voila/files{path}?token={tok}")
        assert status in (403, 404, 405), path
    assert _http(f"{base}/api/terminals?token={tok}", "POST", b"")[0] in (403, 404, 405)
    assert _http(f"{base}/api/kernels?token={tok}", "POST", b"{}")[0] in (403, 404, 405)
    # the page's kernel: widget messages work, execute_request is dropped
    import websocket
    kernel = re.search(r'kernelId"\s*:\s*"([0-9a-f-]+)"', html).group(1)
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{served['port']}/api/kernels/{kernel}/channels?token={tok}",
        timeout=STEP_S, suppress_origin=True)
    marker = served["folder"] / f"pwned-{uuid.uuid4().hex}"

    def msg(kind: str, content: dict) -> tuple[str, str]:
        mid = uuid.uuid4().hex
        ws.send(json.dumps({"header": {"msg_id": mid, "msg_type": kind, "session": "t",
                                       "username": "t", "version": "5.3"},
                            "parent_header": {}, "metadata": {}, "content": content,
                            "channel": "shell", "buffers": []}))
        return mid, kind

    try:
        ex, _ = msg("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')",
                                        "silent": False, "store_history": False,
                                        "user_expressions": {}, "allow_stdin": False})
        info, _ = msg("kernel_info_request", {})
        seen: dict[str, set] = {}

        def record(m: dict) -> None:
            parent = (m.get("parent_header") or {}).get("msg_id", "")
            seen.setdefault(parent, set()).add(m["header"]["msg_type"])

        end = time.monotonic() + STEP_S
        while "kernel_info_reply" not in seen.get(info, ()) and time.monotonic() < end:
            record(json.loads(ws.recv()))
        assert "kernel_info_reply" in seen.get(info, ())   # the channel works ...
        end = time.monotonic() + 5
        ws.settimeout(1)
        while time.monotonic() < end:                      # ... and execution never runs
            try:
                record(json.loads(ws.recv()))
            except websocket.WebSocketTimeoutException:
                pass
        assert ex not in seen, seen.get(ex)
    finally:
        ws.close()
    assert not marker.exists()
    # the phones' page serves the form and nothing else
    room = served["room"].split("/?")[0]
    for path in ("/api/kernels", "/terminals", "/results.json", "/room/link.json"):
        assert _http(f"{room}{path}?t=x")[0] == 404


def test_lab_mode_has_no_terminals(tmp_path, chromium):
    """``--lab`` is JupyterLab for the consultant: the code shows, terminals do not."""
    from toolkit.workshop.launch import build_command, prepare_workshop

    nb = prepare_workshop(SAMPLE, tmp_path)
    port = free_port("127.0.0.1", random.randint(40000, 49000))
    cmd = build_command(nb, lab=True, port=port, open_browser=False)
    log = tmp_path / "lab.log"
    proc = _start(cmd.argv, cmd.cwd, log, cmd.env)      # the token travels in JUPYTER_TOKEN
    try:
        if not wait_for_port("127.0.0.1", port, START_S, proc):
            pytest.fail("JupyterLab did not start:\n" + log.read_text()[-3000:])
        base = f"http://127.0.0.1:{port}"
        end = time.monotonic() + START_S
        while _http(f"{base}/api/status?token={cmd.token}")[0] != 200:
            assert time.monotonic() < end, log.read_text()[-3000:]
            time.sleep(1)
        assert _http(f"{base}/api/contents?token={cmd.token}")[0] == 200   # auth works
        assert _http(f"{base}/api/terminals?token={cmd.token}")[0] == 404
        assert _http(f"{base}/api/terminals?token={cmd.token}", "POST", b"")[0] == 404
        assert _http(f"{base}/api/contents")[0] == 403                    # token needed
    finally:
        _stop(proc)
