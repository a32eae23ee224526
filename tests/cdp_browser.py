"""A minimal headless-Chromium driver over the DevTools protocol (for the workshop app tests).

Playwright's own browser download is not always possible; this drives the system Chromium
(``chromium`` / ``chromium-browser`` / ``google-chrome`` on PATH, or ``$CHROMIUM``) with
``websocket-client`` (a jupyter_server dependency). Every wait has a deadline; the browser
runs in its own process group with a throw-away profile and is killed on close.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium-family browser, or None."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in CANDIDATES:
        p = shutil.which(name)
        if p:
            return p
    return None


class Browser:
    """One headless Chromium with one page, driven over CDP."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 1600,
                 timeout: float = 60.0):
        import websocket

        self.profile = tempfile.mkdtemp(prefix="aligndx-chromium-")
        args = [executable, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
                "about:blank"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = Path(self.profile) / "DevToolsActivePort"
        end = time.monotonic() + timeout
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > end or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        ws_url = None
        while ws_url is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                            timeout=5) as r:
                    pages = [p for p in json.load(r) if p.get("type") == "page"]
                ws_url = pages[0]["webSocketDebuggerUrl"] if pages else None
            except OSError:
                pass
            if ws_url is None:
                if time.monotonic() > end:
                    self.close()
                    raise RuntimeError("chromium has no page")
                time.sleep(0.2)
        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self._ids = itertools.count(1)
        self.send("Page.enable")
        self.send("Runtime.enable")

    # --- protocol --------------------------------------------------------------------------
    def send(self, method: str, timeout: float = 60.0, **params):
        """Call a CDP method and return its result (events in between are dropped)."""
        mid = next(self._ids)
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.ws.settimeout(max(0.1, end - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
        raise TimeoutError(method)

    def eval(self, expression: str):
        """Evaluate JavaScript in the page; return its (JSON) value."""
        r = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"].get("text", "JS error"))
        return r.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 120.0, interval: float = 0.5):
        """Poll *expression* until truthy; return its value (TimeoutError otherwise)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"waited {timeout:.0f}s for: {expression}")

    def goto(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def press(self, key: str, code: int) -> None:
        """Press and release a key in the focused element (e.g. ArrowRight, 39)."""
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                      windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)

    def screenshot(self, path: Path, selector: str | None = None) -> Path:
        """PNG of the whole page, or of the element matching *selector*."""
        params = {"format": "png", "captureBeyondViewport": True}
        if selector:
            rect = self.eval(
                "(() => { const e = document.querySelector(%s); if (!e) return null;"
                " e.scrollIntoView(); const r = e.getBoundingClientRect();"
                " return {x: r.left + window.scrollX, y: r.top + window.scrollY,"
                " width: r.width, height: r.height}; })()" % json.dumps(selector))
            if rect and rect["width"] > 0 and rect["height"] > 0:
                params["clip"] = {**rect, "scale": 1}
        else:   # the whole page: the app scrolls inside a container, so grow the viewport
            width, height = self.eval(
                "[window.innerWidth, Math.max(...Array.from(document.querySelectorAll('*'))"
                ".map(e => e.scrollHeight))]")
            self.send("Emulation.setDeviceMetricsOverride", width=int(width),
                      height=int(min(height, 16000)), deviceScaleFactor=1, mobile=False)
            time.sleep(1.0)
        try:
            data = self.send("Page.captureScreenshot", **params)["data"]
        finally:
            if not selector:
                self.send("Emulation.clearDeviceMetricsOverride")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)
