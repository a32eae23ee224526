"""Run a function in a forked copy of this process while this one goes on (issue 18).

``aligndx report`` keeps one core busy with the analysis while the other core, after the
notebook process has started its kernel, waits for ``results.json``. :class:`ForkedCall`
moves a self-contained piece of work onto that idle core: the calling process forks, the
child runs ``fn(*args, **kwargs)`` on its copy of the data and sends the pickled return value
back through a pipe; :meth:`ForkedCall.result` returns it.

The outcome never depends on the child: whenever it cannot give a return value — no ``fork``
on this platform, ``ALIGNDX_FORK=0``, the function raised, the child died or said nothing
for :data:`SILENCE_LIMIT` seconds, the value could not be pickled — :meth:`~ForkedCall.result`
calls ``fn`` in this process, so the caller gets exactly what a plain call gives (the same
value or the same exception). Only deterministic functions (seeded, no side effects on the
caller's state) are run this way.

``hold=True`` starts the child at once but lets it call ``fn`` only after :meth:`~ForkedCall.go`
(``prepare``, if given, runs before: imports and other fixed costs, off the critical path).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
from typing import Any, Callable

#: Seconds the caller waits without a word from the child before it ends the child and calls
#: the function itself.
SILENCE_LIMIT = 120.0
ENV = "ALIGNDX_FORK"
#: The caller's ends of the pipes of every child still running: a later child closes them,
#: so that no child holds another's pipe open.
_PARENT_FDS: set[int] = set()


def cores() -> int:
    """CPUs this process may run on (its affinity mask; the machine's count elsewhere)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def flush_streams() -> None:
    """Flush standard output and error before a ``fork``, so that text buffered in this
    process is not written a second time by the child; a closed stream is skipped."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def enabled() -> bool:
    """Whether work may be forked here: POSIX with ``fork``, not turned off by
    ``ALIGNDX_FORK=0``."""
    return hasattr(os, "fork") and os.environ.get(ENV, "1") != "0"


class ForkedCall:
    """``fn(*args, **kwargs)`` computed in a forked child (see the module docstring).

    Parameters
    ----------
    fn : callable
        A deterministic function; its return value must pickle.
    *args, **kwargs
        Its arguments (the child sees them as they are at the fork).
    hold : bool
        Start the child now, call *fn* only after :meth:`go`.
    prepare : callable, optional
        Run first in the child (e.g. imports); its failures are ignored.
    name : str
        A name for traces (:mod:`toolkit.trace`).
    nice : int
        Lower the child's priority by this much (work that may wait for a free core).
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, hold: bool = False,
                 prepare: Callable[[], Any] | None = None, name: str = "worker",
                 nice: int = 0, **kwargs: Any):
        self.fn, self.args, self.kwargs, self.name = fn, args, kwargs, name
        self.nice = nice
        self.pid: int | None = None
        self._fd: int | None = None    # result pipe, read end
        self._ctl: int | None = None   # control pipe, write end: "go", then EOF = "exit"
        self._held = hold
        self._done = False
        self._value: Any = None
        if not enabled():
            return
        r, w = os.pipe()
        cr, cw = os.pipe()
        flush_streams()
        try:
            pid = os.fork()
        except OSError:
            for fd in (r, w, cr, cw):
                os.close(fd)
            return
        if pid == 0:  # the child
            for fd in (r, cw, *_PARENT_FDS):
                try:
                    os.close(fd)
                except OSError:
                    pass
            _PARENT_FDS.clear()
            _child(self, w, cr, prepare)  # never returns
        os.close(w)
        os.close(cr)
        self.pid, self._fd, self._ctl = pid, r, cw
        _PARENT_FDS.update((r, cw))

    def go(self) -> None:
        """Let a held child call the function (no-op otherwise)."""
        if self._held and self._ctl is not None:
            self._held = False
            try:
                os.write(self._ctl, b"g")
            except OSError:  # the child has gone: result() computes here
                pass

    def result(self) -> Any:
        """The function's return value (computed in the child, or here when it could not be).

        Raises
        ------
        Exception
            Whatever the function raises when called in this process.
        """
        if self._done:
            return self._value
        self.go()
        payload = self._receive()
        self._done = True
        if payload is not None:
            try:
                kind, value = pickle.loads(payload)
                if kind == "ok":
                    self._value = value
                    return value
            except Exception:  # noqa: BLE001 - computed here instead
                pass
        self._value = self.fn(*self.args, **self.kwargs)
        return self._value

    def cancel(self) -> None:
        """End the child (if any) without waiting for its result."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()
        self._done = True

    # ------------------------------------------------------------------------------------

    def _receive(self) -> bytes | None:
        if self._fd is None:
            return None
        chunks = []
        try:
            while True:
                ready, _, _ = select.select([self._fd], [], [], SILENCE_LIMIT)
                if not ready:  # silent too long: stop it, compute here
                    os.kill(self.pid, signal.SIGKILL)
                    chunks = []
                    break
                chunk = os.read(self._fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            self._reap()
        return b"".join(chunks) or None

    def _reap(self) -> None:
        # closing the control pipe lets the child exit (it waits for that after its answer,
        # so a finished child is never left as a zombie process meanwhile)
        for attr in ("_fd", "_ctl"):
            fd = getattr(self, attr)
            if fd is not None:
                _PARENT_FDS.discard(fd)
                os.close(fd)
                setattr(self, attr, None)
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None

    def __del__(self):  # a caller that gave up (an exception) leaves no child behind
        try:
            if self.pid is not None:
                self.cancel()
        except Exception:  # noqa: BLE001
            pass


def _child(call: ForkedCall, w: int, ctl: int,
           prepare: Callable[[], Any] | None) -> None:
    """Body of the forked child: never returns."""
    code = 0
    try:
        # the caller's handlers (clean-up of its staging folder on SIGTERM) are not ours
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from .runsafe import die_with_parent
        from .trace import mark

        die_with_parent(os.getppid())
        if call.nice:
            try:
                os.nice(call.nice)
            except OSError:
                pass
        mark(call.name, "forked")
        if prepare is not None:
            try:
                prepare()
            except Exception:  # noqa: BLE001 - the call itself will show any real problem
                pass
            mark(call.name, "prepared")
        if call._held and not os.read(ctl, 1):  # the caller went away or cancelled
            os._exit(0)
        try:
            data = pickle.dumps(("ok", call.fn(*call.args, **call.kwargs)),
                                protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - the caller calls it itself and gets the error
            data = pickle.dumps(("failed", None))
        mark(call.name, "done")
        view = memoryview(data)
        while view:
            n = os.write(w, view)
            view = view[n:]
        os.close(w)
        while os.read(ctl, 1):  # stay until the caller has read the answer (no zombie)
            pass
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
