"""Render the report's sections on two cores: a forked helper takes them from the end (issue 18).

Inside the report kernel, :func:`toolkit.report.sections.load` calls :func:`start` once the
results are loaded: the kernel forks a helper process that renders heavy sections from the
middle of the report first (``first``, in turn), then the sections from the last one backwards, while
the notebook's cells render them from the first one on; each section is rendered by whichever
of the two claims it first (an ``O_EXCL`` file: no lock is shared, so a helper that dies cannot
block the kernel). When a cell needs a section the helper is still rendering, the kernel
renders the next unclaimed sections meanwhile and keeps them for their own cells. The charts,
most of a report's rendering time, are thus drawn in parallel, off the serial tail after
``results.json`` is written.

What the helper renders is what the kernel would have rendered: it is a copy of the kernel
forked after the results were loaded, runs the same renderers on the same results and hands
back the displayable objects (pickled). The kernel uses them only for the results object it
forked with, unchanged since (a digest is compared); whenever anything is off — no ``fork``
on this platform, the helper failed, died or went silent, the results changed — the kernel
renders the section itself, as before. ``ALIGNDX_PARALLEL_SECTIONS=0`` turns the helper off.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import select
import shutil
import sys
from typing import Callable, Sequence

#: Seconds the kernel waits for a section the helper claimed while the helper says nothing;
#: after that it renders the section itself.
SILENCE_LIMIT = 120.0

_ACTIVE: "SectionHelper | None" = None


def in_kernel() -> bool:
    """Whether this process is a notebook kernel (an IPython shell with a kernel)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the report stack
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def enabled() -> bool:
    """Whether a helper may be forked here: POSIX, inside a notebook kernel, not turned off."""
    if not hasattr(os, "fork") or os.environ.get("ALIGNDX_PARALLEL_SECTIONS", "1") == "0":
        return False
    return in_kernel()


def digest(results: dict) -> str:
    """A digest of *results*' content (to notice a change after the helper was forked).

    The pickle of the object (~5 ms for a typical results.json, against ~30 ms for sorted
    JSON: it is taken for every section the helper renders). Equal digests mean equal
    content; a change of content always changes it (a difference that is not one — e.g. a
    key order — only costs a rendering in the kernel).
    """
    try:
        data = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - not picklable: the JSON text
        data = json.dumps(results, sort_keys=True, default=str,
                          ensure_ascii=False).encode("utf-8")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class SectionHelper:
    """A forked process rendering *order*'s sections from the last one backwards.

    Parameters
    ----------
    results : dict
        The loaded results (the object the notebook passes to ``render``).
    order : sequence of str
        Section keys in report order.
    render : callable
        ``render(section, results) -> Rendered``: the serial renderer.
    first : str or sequence of str, optional
        Sections the helper renders, in this order, before it walks back from the end (heavy
        ones in the middle of the report: the kernel renders the sections before them, and
        those after them while it waits, see :meth:`take`). One the kernel has claimed
        meanwhile is skipped.
    """

    def __init__(self, results: dict, order: Sequence[str],
                 render: Callable[[str, dict], list],
                 first: str | Sequence[str] | None = None):
        self.results = results
        self.first = ([first] if isinstance(first, str) else list(first or ()))
        self.render = render
        self.mine: set[int] = set()   # sections the kernel claimed
        self.kept: dict[int, object] = {}  # ... and rendered ahead, while it waited
        self.asked: set[int] = set()  # sections the kernel's cells have asked for
        self.order = list(order)
        self.index = {s: i for i, s in enumerate(self.order)}
        self.digest = digest(results)
        from ..runsafe import make_locked_temp, sweep_temp

        sweep_temp()  # folders of killed kernels and helpers (their lock is free)
        # locked for as long as the kernel or the helper lives (the helper inherits the
        # descriptor), so that a concurrent run's sweep leaves it alone
        self._folder = make_locked_temp("aligndx-sections-")
        self.dir = str(self._folder.path)
        self.ready: dict[int, bool] = {}  # section index → rendered by the helper (or failed)
        self.eof = False
        self._buf = b""
        self._kernel_pid = os.getpid()
        r, w = os.pipe()
        import warnings

        with warnings.catch_warnings():  # 3.12+: fork of a multi-threaded process
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the helper
            os.close(r)
            _helper_main(self, w, render, parent=self._kernel_pid)  # never returns
        os.close(w)
        self.pid, self.fd = pid, r

    # ------------------------------------------------------------------ the kernel's side

    def claim(self, i: int) -> bool:
        """Claim section *i*; False when the helper has it."""
        try:
            return _claim(self.dir, i)
        except FileNotFoundError:  # the helper is done and its folder removed
            return True

    def take(self, section: str, results: dict):
        """The helper's rendering of *section*, or ``None`` when the caller must render it.

        Claims the section for the caller when the helper has not; otherwise waits for the
        helper's result.
        """
        i = self.index.get(section)
        if i is None or results is not self.results:
            return None
        try:
            return self._take(i, results)
        finally:
            self.asked.add(i)
            if self.asked >= set(range(len(self.order))):
                # every section has been asked for: the helper has nothing left to give.
                # End and reap it now — an unreaped helper is a child of the kernel, and
                # ipykernel's shutdown waits for a kernel's children to go (up to ~2.5 s
                # after the last cell; issue 18)
                self.stop()

    def _take(self, i: int, results: dict):
        if i in self.kept:  # rendered here ahead of its cell, while waiting for the helper
            out = self.kept.pop(i)
            self._drain()
            return out if digest(results) == self.digest else None
        if i in self.mine:
            return None
        if self.claim(i):
            self.mine.add(i)
            self._drain()
            return None
        if digest(results) != self.digest:
            return None  # changed since the fork: the helper's rendering is stale
        while True:
            while not self.eof and self._read(0):
                pass
            if i in self.ready or self.eof:
                break
            if self._render_ahead(i, results):
                continue  # a later section rendered while the helper works on this one
            if not self._read(SILENCE_LIMIT):
                self.stop()
        if not self.ready.get(i):
            return None
        path = os.path.join(self.dir, f"{i}.pkl")
        try:
            with open(path, "rb") as fh:
                out = pickle.load(fh)
            os.unlink(path)
        except Exception:  # noqa: BLE001 - render it here instead
            out = None
        self.ready[i] = False  # taken
        self._drain()
        return out

    def _render_ahead(self, i: int, results: dict) -> bool:
        """While the helper renders section *i*: claim and render the next section after it
        that nobody has claimed, for its own cell later. False when there is none (the
        helper claims from the end, so the first section it holds ends the search)."""
        for j in range(i + 1, len(self.order)):
            if j in self.mine:
                continue
            if not self.claim(j):
                return False
            self.mine.add(j)
            try:
                self.kept[j] = self.render(self.order[j], results)
            except Exception:  # noqa: BLE001 - its own cell renders it again and shows why
                pass
            return True
        return False

    def _drain(self) -> None:
        """Read what the helper said so far; once it has ended and everything it rendered
        was taken, remove its folder."""
        while not self.eof and self._read(0):
            pass
        if self.eof and not any(self.ready.values()):
            self._remove()

    def _remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self._folder.release()

    def _read(self, timeout: float) -> bool:
        """Read the helper's messages; False when it said nothing for *timeout* seconds."""
        readable, _, _ = select.select([self.fd], [], [], timeout)
        if not readable:
            return False
        chunk = os.read(self.fd, 4096)
        if not chunk:
            self._finish()
            return True
        self._buf += chunk
        *lines, self._buf = self._buf.split(b"\n")
        for line in lines:
            idx, _, status = line.decode("ascii").partition(" ")
            self.ready[int(idx)] = status == "ok"
        return True

    def _finish(self) -> None:
        if not self.eof:
            self.eof = True
            os.close(self.fd)
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass

    def stop(self) -> None:
        """End the helper (if still running) and remove its files."""
        if not self.eof:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
            self._finish()
        self._remove()


def _claim(folder: str, i: int) -> bool:
    try:
        os.close(os.open(os.path.join(folder, f"{i}.claim"), os.O_CREAT | os.O_EXCL, 0o600))
        return True
    except FileExistsError:
        return False


def _helper_main(helper: SectionHelper, w: int, render, parent: int | None = None) -> None:
    """Body of the forked helper: render sections from the last one back, then exit.

    When the kernel dies first (killed, or stopped without its exit handlers) the helper is
    told (SIGTERM on Linux, else a watcher) and removes the folder before it exits: no
    rendered section stays behind in the temporary folder."""
    code = 0
    try:
        import signal

        def _parent_gone(*_a):
            shutil.rmtree(helper.dir, ignore_errors=True)
            os._exit(1)

        signal.signal(signal.SIGTERM, _parent_gone)
        from ..runsafe import die_with_parent

        die_with_parent(parent, sig=signal.SIGTERM)
        devnull = open(os.devnull, "w")
        sys.stdout = sys.stderr = devnull  # the kernel's streams belong to the kernel
        import warnings

        warnings.simplefilter("ignore")
        from ..trace import mark

        mark("helper", "forked")
        firsts = [helper.index[s] for s in helper.first if s in helper.index]
        walk = [i for i in reversed(range(len(helper.order))) if i not in firsts]
        for i in firsts + walk:
            if not _claim(helper.dir, i):
                if i in firsts:
                    continue
                break  # the kernel has reached this section: the rest are its own
            try:
                out = render(helper.order[i], helper.results)
                tmp = os.path.join(helper.dir, f"{i}.pkl.tmp")
                with open(tmp, "wb") as fh:
                    pickle.dump(out, fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, os.path.join(helper.dir, f"{i}.pkl"))
                status = "ok"
            except BaseException:  # noqa: BLE001 - the kernel renders it and shows the error
                status = "failed"
            os.write(w, f"{i} {status}\n".encode("ascii"))
            mark("helper", f"{helper.order[i]}: {status}")
        if not any(n.endswith(".pkl") for n in os.listdir(helper.dir)):
            shutil.rmtree(helper.dir, ignore_errors=True)  # the kernel took everything
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def start(results: dict, order: Sequence[str], render: Callable[[str, dict], list],
          first: str | Sequence[str] | None = None) -> None:
    """Fork the helper for *results* when :func:`enabled` (replacing an earlier one); it
    renders *first* (the sections of it in *order*, in turn) first, then walks back from
    the end."""
    global _ACTIVE
    if _ACTIVE is not None:
        _ACTIVE.stop()
        _ACTIVE = None
    if not enabled() or len(order) < 2:
        return
    try:
        _ACTIVE = SectionHelper(results, order, render, first=first)
    except OSError:  # no fork, no temporary folder: render serially
        _ACTIVE = None
        return
    import atexit

    atexit.register(_stop_active)
    _stop_on_sigterm()


def _stop_on_sigterm() -> None:
    """Remove the helper's folder when the kernel is terminated (SIGTERM ends a process
    without its exit handlers), then end as the signal would have."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    prev = signal.getsignal(signal.SIGTERM)
    if getattr(prev, "_aligndx_sections", False):
        return

    def on_term(signum, frame):
        _stop_active()
        if callable(prev):
            prev(signum, frame)
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL if prev is None else prev)
        os.kill(os.getpid(), signal.SIGTERM)

    on_term._aligndx_sections = True
    signal.signal(signal.SIGTERM, on_term)


def _stop_active() -> None:
    global _ACTIVE
    if _ACTIVE is not None:
        _ACTIVE.stop()
        _ACTIVE = None


def take(section: str, results: dict):
    """The helper's rendering of *section* for *results*, or ``None`` (render it here)."""
    helper = _ACTIVE
    return None if helper is None else helper.take(section, results)
