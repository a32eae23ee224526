"""The report kernel of a batch job as a fork of a loaded process (issue 18).

A notebook kernel is normally a fresh interpreter (``python -m ipykernel_launcher -f
CONNECTION_FILE``) that imports ipykernel, IPython, pandas, matplotlib and the toolkit's report
modules before it runs a cell: 1.6–2 s of CPU per report. In a batch job the notebook process
is a fork of the job, itself a fork of the warm :mod:`toolkit.batch.forkserver`, which has all
of that imported already. So, first thing, the notebook process forks a *kernel template*
(:func:`start`): a child that waits on a pipe. When jupyter_client launches the kernel, the
notebook's kernel manager (:func:`toolkit.execute._quiet_kernel_manager`) hands the kernel's
command-line arguments, working directory and environment to the template (:func:`launch`)
instead of starting an interpreter; the template then does what ``launch_kernel`` and
``python -m ipykernel_launcher`` do: a new session, the working directory, the environment,
standard streams on ``/dev/null``, ``sys.argv``, and ``IPKernelApp``.

The template is used once. It dies with the notebook process
(:func:`toolkit.runsafe.die_with_parent`) and so does the kernel it becomes; an unused
template exits when its pipe closes (:func:`discard`). Anything that goes wrong before the
kernel runs makes the manager start the kernel the usual way. ``ALIGNDX_FORK_KERNEL=0``
turns the template off.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

#: Environment switch: ``0`` turns the forked kernel off.
ENV = "ALIGNDX_FORK_KERNEL"
#: What the kernel imports before its first cell; the fork server preloads them, the
#: template imports whatever is still missing while it waits.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
                  "IPython", "toolkit.report.sections")

_TEMPLATE: list = []  # the template of this process, until it is launched or discarded


def wanted(forked_notebook: bool) -> bool:
    """Whether the notebook process should fork a kernel template.

    Parameters
    ----------
    forked_notebook : bool
        The notebook process is a fork of a loaded job (:data:`toolkit.execute.
        FORK_NOTEBOOK`): only then is everything the kernel imports already loaded.

    Returns
    -------
    bool
    """
    return (forked_notebook and hasattr(os, "fork") and sys.platform.startswith("linux")
            and os.environ.get(ENV, "1") != "0")


class ForkedProcess:
    """The part of :class:`subprocess.Popen` used for a forked child of this process: by
    :class:`toolkit.execute.NotebookRun` (the notebook process of a batch job) and by
    jupyter_client's ``LocalProvisioner`` (a kernel forked from a template).

    Parameters
    ----------
    pid : int
        The child's process id.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code, or ``None`` while the child runs."""
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                done, status = self.pid, 0
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to end; its exit code.

        Raises
        ------
        subprocess.TimeoutExpired
            After *timeout* seconds.
        """
        import subprocess
        import time

        if timeout is None and self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = 0
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """Send *sig* to the child (nothing when it has ended)."""
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)


class Template:
    """A forked child waiting to become the kernel (see :func:`start`).

    Parameters
    ----------
    pid : int
        The template's process id.
    conn : multiprocessing.connection.Connection
        This process's end of the template's pipe.
    """

    def __init__(self, pid: int, conn):
        self.pid = pid
        self.conn = conn

    def close(self) -> None:
        """Close the pipe (an unused template exits on that) and reap the template."""
        try:
            self.conn.close()
        except OSError:
            pass
        ForkedProcess(self.pid).wait()


def start(parent_fds: tuple[int, ...] = ()) -> Template | None:
    """Fork the kernel template of this (notebook) process; call before any thread starts.

    Parameters
    ----------
    parent_fds : tuple of int
        File descriptors of this process the kernel must not keep open (the notebook's pipe
        to its caller: the caller notices the notebook's end by its closing).

    Returns
    -------
    Template or None
        ``None`` when the fork failed (the kernel then starts the usual way).
    """
    from multiprocessing.connection import Pipe

    from .forked import flush_streams

    discard()
    try:
        ours, theirs = Pipe()
    except OSError:
        return None
    parent = os.getpid()
    flush_streams()
    try:
        pid = os.fork()
    except OSError:
        ours.close()
        theirs.close()
        return None
    if pid == 0:  # pragma: no cover - the template (covered through the batch tests)
        code = 1
        try:
            ours.close()
            for fd in parent_fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            code = _template(theirs, parent)
        except BaseException:  # noqa: BLE001
            pass
        finally:
            os._exit(code)
    theirs.close()
    template = Template(pid, ours)
    _TEMPLATE.append(template)
    return template


def take() -> Template | None:
    """The template of this process, once (``None`` when there is none or it was taken)."""
    return _TEMPLATE.pop() if _TEMPLATE else None


def discard() -> None:
    """End an unused template of this process (no stray process is left)."""
    while _TEMPLATE:
        _TEMPLATE.pop().close()


def _reset_signals() -> None:
    """Signal dispositions of a fresh interpreter (the job's handlers are not the kernel's)."""
    for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGCHLD", "SIGALRM"):
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as CPython sets it at start-up
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass


def _template(conn, parent: int) -> int:
    """Body of the template: wait for a launch request, then become the kernel."""
    import importlib

    from .runsafe import die_with_parent

    _reset_signals()
    die_with_parent(parent)
    for name in KERNEL_MODULES:  # already loaded in a batch job: look-ups
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel fails (or not) as a fresh one would
            pass
    try:
        args, cwd, env = conn.recv()
    except (EOFError, OSError):  # not used: the notebook process launched none, or went
        return 0
    try:
        os.setsid()  # as launch_kernel: the manager signals the kernel's process group
        if cwd:
            os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        import tempfile

        tempfile.tempdir = None  # chosen again from this environment, as in a new interpreter
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        launcher = sys.modules.get("ipykernel_launcher")
        sys.argv = [getattr(launcher, "__file__", None) or "ipykernel_launcher", *args]
        # ipykernel_launcher drops the start-up folder from the path; IPython adds "" back
        if sys.path and sys.path[0] in ("", os.getcwd()):
            del sys.path[0]
        _reseed()
        _name_process()
        _own_exit_handlers()
        import gc

        # the job's objects out of the kernel's collections: a collection would touch (and
        # so copy, page by page) all of the memory shared with the job (~0.2-0.4 s of CPU
        # per report with the section helper, which inherits the frozen state)
        gc.freeze()
        conn.send(("ok", os.getpid()))
    except BaseException as exc:  # noqa: BLE001 - the manager launches a kernel itself
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except Exception:  # noqa: BLE001
            pass
        return 1
    conn.close()
    from .runsafe import exit_now

    exit_now(_run_kernel(list(args), int(env.get("JPY_PARENT_PID") or 0)))
    return 1  # not reached


def _own_exit_handlers() -> None:
    """Drop the exit handlers and finalizers inherited from the job (they would clean up
    the job's folders when the kernel exits); keep ``logging``'s, as a new interpreter has.
    The kernel's own (IPython's, the report's) are registered from here on."""
    import atexit
    import weakref

    atexit._clear()
    for f in list(weakref.finalize._registry):
        f.detach()
    weakref.finalize._registered_with_atexit = False
    if "logging" in sys.modules:
        atexit.register(sys.modules["logging"].shutdown)


#: The forked kernel's process name (``ps``, ``top``, ``psutil.Process.name``): its command
#: line is still the fork server's.
PROCESS_NAME = "aligndx-kernel"


def _name_process() -> None:
    """Name this process :data:`PROCESS_NAME` (Linux ``PR_SET_NAME``; best effort)."""
    from .runsafe import _libc

    libc = _libc()
    if libc is not None:
        try:
            libc.prctl(15, PROCESS_NAME.encode(), 0, 0, 0)  # PR_SET_NAME
        except Exception:  # noqa: BLE001
            pass


def _reseed() -> None:
    """Fresh random states, as a new interpreter has (``random`` reseeds itself on fork)."""
    np = sys.modules.get("numpy")
    if np is not None:
        try:
            np.random.seed()
        except Exception:  # noqa: BLE001
            pass


def _run_kernel(args: list[str], parent_handle: int) -> int:
    """``IPKernelApp.launch_instance`` with *args*; the exit code."""
    try:
        from ipykernel.kernelapp import IPKernelApp

        # parent_handle's default was read from the environment when ipykernel was imported
        # (in the fork server): give the launcher's value, so the kernel watches its parent
        app = IPKernelApp.instance(parent_handle=parent_handle)
        app.initialize(args)
        _inline_backend()
        sections = sys.modules.get("toolkit.report.sections")
        if sections is not None:  # what its import in the notebook's first cell does
            sections._load_chart_stack()
        app.start()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - the manager sees the kernel die
        return 1
    return 0


def _inline_backend() -> None:
    """Give an already imported matplotlib the backend a fresh kernel's import would pick.

    ipykernel sets ``MPLBACKEND`` to the inline backend before any cell runs; matplotlib
    reads that variable when it is imported, which in a fork happened before (in the fork
    server). Until ``pyplot`` has loaded a backend (on its first use, not at its import) the
    backend is only a setting.
    """
    mpl = sys.modules.get("matplotlib")
    backend = os.environ.get("MPLBACKEND")
    plt = sys.modules.get("matplotlib.pyplot")
    if mpl is None or not backend or getattr(plt, "_backend_mod", None) is not None:
        return
    try:
        mpl.rcParams["backend"] = backend
    except Exception:  # noqa: BLE001
        pass


def launch(template: Template, kernel_cmd: list[str], kw: dict[str, Any]) -> ForkedProcess:
    """Make *template* the kernel *kernel_cmd* would start (see the module docstring).

    Parameters
    ----------
    template : Template
        From :func:`take`.
    kernel_cmd : list of str
        The command jupyter_client would run: ``PYTHON -m ipykernel_launcher ARGS...``.
    kw : dict
        jupyter_client's launch keywords; ``env`` and ``cwd`` are used.

    Returns
    -------
    ForkedProcess
        The running kernel (its own session and process group).

    Raises
    ------
    RuntimeError
        The command is not this interpreter's ipykernel, or the template could not take
        it; the template is ended and the caller launches the kernel itself.
    """
    try:
        if (len(kernel_cmd) < 3 or kernel_cmd[1:3] != ["-m", "ipykernel_launcher"]
                or os.path.abspath(os.path.expanduser(kernel_cmd[0]))
                != os.path.abspath(sys.executable)):
            raise RuntimeError(f"not this interpreter's ipykernel: {kernel_cmd[:3]}")
        env = dict(kw.get("env") if kw.get("env") is not None else os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # what launch_kernel adds
        cwd = kw.get("cwd") or os.getcwd()  # Popen's default: this process's folder now
        args = [os.path.expanduser(a) for a in kernel_cmd[3:]]
        try:
            template.conn.send((args, str(cwd), env))
            kind, detail = template.conn.recv()
        except (EOFError, OSError) as exc:
            raise RuntimeError(f"the kernel template has gone ({exc})") from None
        if kind != "ok":
            raise RuntimeError(f"the kernel template failed: {detail}")
    except BaseException:
        template.close()
        raise
    template.conn.close()
    return ForkedProcess(template.pid)


def launch_into(manager, kernel_cmd: list[str], kw: dict[str, Any]) -> bool:
    """Launch *manager*'s kernel from this process's template, if it has one.

    What ``KernelManager._async_launch_kernel`` and ``LocalProvisioner.launch_kernel`` do
    after starting the process: the provisioner's ``process``, ``pid``, ``pgid`` and ``cwd``
    are set and the connection information is reconciled.

    Parameters
    ----------
    manager : jupyter_client.manager.KernelManager
        The manager launching the kernel (its provisioner is a ``LocalProvisioner``).
    kernel_cmd : list of str
        The kernel's command line.
    kw : dict
        The launch keywords (``env``, ``cwd``, ...).

    Returns
    -------
    bool
        ``True`` when the kernel runs as a fork of the template; ``False`` when the caller
        must launch it itself (no template, or it could not be used; it has ended then).
    """
    import pathlib

    template = take()
    if template is None:
        return False
    provisioner = manager.provisioner
    if provisioner is None or not hasattr(provisioner, "connection_info"):
        template.close()
        return False
    try:
        process = launch(template, kernel_cmd, kw)
    except RuntimeError:
        return False
    from .trace import mark

    mark("notebook", "kernel forked from the template")
    provisioner.process = process
    provisioner.pid = process.pid
    try:
        provisioner.pgid = os.getpgid(process.pid)
    except OSError:
        provisioner.pgid = None
    provisioner.cwd = kw.get("cwd", pathlib.Path.cwd())
    manager._reconcile_connection_info(provisioner.connection_info)
    return True
