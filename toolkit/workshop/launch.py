"""``aligndx workshop``: prepare the engagement's workshop notebook and serve it locally.

* :func:`prepare_workshop` writes a parameterised copy of ``notebooks/workshop.ipynb`` —
  papermill's parameters injected, **not executed** — into a workshop folder outside the
  engagement's input folders (default ``./workshops/<client.id>/workshop.ipynb``).
* :func:`build_command` builds the server command. By default the workshop is a
  **code-free Voilà app** (no code cells, no terminal, and Voilà's kernel accepts only the
  widget messages ``comm_*``/``kernel_info_request``, never ``execute_request``);
  JupyterLab only with ``lab=True`` (``aligndx workshop --lab``), and then with terminals
  disabled. Both bind the loopback address ``127.0.0.1`` with a random token
  (:func:`secrets.token_urlsafe`) that never appears in the process list (Voilà reads it
  from a private config file in the workshop folder, JupyterLab from ``JUPYTER_TOKEN``).
  Any other address is refused unless ``allow_remote`` is given: the app shows a client's
  survey and CRM figures.
* :func:`launch` runs the command in the foreground until the consultant stops it (Ctrl-C),
  with the room's guess page (:mod:`toolkit.workshop.room`) when one is configured.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Engagement, load_engagement
from ..exceptions import InputError
from ..execute import KERNEL_NAME, coerce_parameters
from ..paths import NOTEBOOKS_DIR

WORKSHOP_NOTEBOOK = NOTEBOOKS_DIR / "workshop.ipynb"
DEFAULT_IP = "127.0.0.1"
LOOPBACK_NAMES = ("localhost",)
VOILA_HINT = ("Voilà is not installed in this environment; it is a dependency of aligndx: "
              "run `pip install -e .` (or `make install`) again")
#: Voilà reads its settings (the token) from ``voila.json`` in its working directory.
VOILA_CONFIG = "voila.json"
#: First port tried for the app (Voilà's default); the next free one is used when taken.
APP_PORT = 8866


def _input_dirs(eng: Engagement) -> list[Path]:
    paths = [eng.toml_path]
    if eng.survey is not None:
        paths.append(eng.survey.path)
    if eng.crm is not None:
        paths += [p for p in (eng.crm.leads, eng.crm.opportunities, eng.crm.activities) if p]
    if eng.incentives is not None:
        paths.append(eng.incentives.path)
    root = eng.root.resolve()
    return sorted({(root / p).resolve().parent for p in paths})


def workshop_folder(engagement: str | Path, out: str | Path | None = None) -> Path:
    """Return the folder the workshop notebook goes to (not created).

    Parameters
    ----------
    engagement : str or Path
        Engagement folder.
    out : str or Path, optional
        Output folder; the notebook goes to ``OUT/<client.id>/``. Default ``./workshops``.

    Raises
    ------
    InputError
        When the folder would lie inside one of the engagement's input folders (the folder
        of ``engagement.toml`` or of a survey, CRM or plan file).
    """
    eng = load_engagement(engagement)
    base = Path(out) if out is not None else Path.cwd() / "workshops"
    folder = (base / eng.client.id).resolve()
    for d in _input_dirs(eng):
        if folder == d or d in folder.parents:
            raise InputError(f"{folder}: the workshop copy would be written into the "
                             f"engagement's input folder {d}; choose another -o/--out")
    return folder


def prepare_workshop(engagement: str | Path, out: str | Path | None = None, *,
                     results: str | Path | None = None,
                     notebook: str | Path = WORKSHOP_NOTEBOOK) -> Path:
    """Write the engagement's workshop: its results.json and the parameterised notebook.

    Parameters
    ----------
    engagement : str or Path
        Engagement folder (validated by :func:`toolkit.config.load_engagement`).
    out : str or Path, optional
        Output folder (see :func:`workshop_folder`).
    results : str or Path, optional
        An existing results.json of this engagement (e.g. the report's), checked to be
        this client's and to hold the workshop's survey views (a file of an earlier
        version is refused with the command that regenerates it); default: analyse the
        engagement now
        (:func:`toolkit.pipeline.analyse`). Either way it is written to
        ``<folder>/results.json`` — the one door from the analysis to the app.
    notebook : str or Path
        Source notebook with a cell tagged ``parameters``.

    Returns
    -------
    Path
        ``<folder>/workshop.ipynb``: the source notebook with papermill's
        ``injected-parameters`` cell (``engagement``, ``results`` and ``room`` — absolute
        paths) and no outputs (not executed).

    Raises
    ------
    InputError, ConfigError, ValidationError
        Bad engagement or results, missing notebook, or an output inside the engagement's
        inputs.
    """
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from .context import read_results
    from .room import write_json

    notebook = Path(notebook)
    if not notebook.is_file():
        raise InputError(f"{notebook}: workshop notebook not found")
    folder = workshop_folder(engagement, out)
    eng = load_engagement(engagement)
    if results is not None:
        from ..upgrade import workshop_views_note

        res = read_results(results, eng.client.id, eng.analysis.min_group_size)
        note = workshop_views_note(res)
        if note:   # an earlier results.json: the app could not serve the survey exercises
            raise InputError(f"{results}: {note}")
        import dataclasses

        from ..intake import load_data
        from .context import stale_problem

        plan = load_data(dataclasses.replace(eng, survey=None, crm=None)).plan
        stale = stale_problem(res, eng, plan)
        if stale:
            raise InputError(f"{results}: {stale}; re-run \u201caligndx report\u201d on the "
                             "engagement and open the workshop with the new results.json")
    else:
        from ..intake import load_data
        from ..pipeline import analyse

        res = analyse(load_data(eng))
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "results.json", res)
    (folder / "room").mkdir(exist_ok=True)
    params = coerce_parameters({"engagement": Path(engagement).resolve(),
                                "results": folder / "results.json",
                                "room": folder / "room"})
    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, params, kernel_name=KERNEL_NAME)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs, cell.execution_count = [], None
    target = folder / "workshop.ipynb"
    nbformat.write(nb, str(target))
    return target


def normalize_ip(ip: str) -> str:
    """*ip* without spaces and without the brackets of a URL (``[::1]`` → ``::1``)."""
    return str(ip).strip().strip("[]").strip()


def url_host(ip: str) -> str:
    """The host part of a URL for *ip*: IPv6 addresses in brackets (``[::1]``), once."""
    ip = normalize_ip(ip)
    return f"[{ip}]" if ":" in ip else ip


def is_loopback(ip: str) -> bool:
    """Whether *ip* is a loopback address (``127.0.0.0/8``, ``::1``) or ``localhost``."""
    ip = normalize_ip(ip)
    if ip.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def voila_available() -> bool:
    """Whether Voilà is installed (a dependency of aligndx since the app is the default)."""
    return importlib.util.find_spec("voila") is not None


def free_port(ip: str, start: int, tries: int = 100) -> int:
    """The first port from *start* on which *ip* can be bound (so the printed URL is right).

    Raises
    ------
    InputError
        When none of *tries* ports is free.
    """
    ip = normalize_ip(ip)
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    for port in range(int(start), min(int(start) + tries, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.bind((ip, port))
            except OSError:
                continue
            return port
    raise InputError(f"--ip {ip}: no free port between {start} and {start + tries - 1}; "
                     "pass --port")


@dataclass
class LaunchCommand:
    """A server command ready to run.

    Attributes
    ----------
    argv : list of str
        The command (``python -m voila ...`` or ``python -m jupyterlab ...``).
    token : str
        The access token (random unless given).
    url : str
        Where the browser goes (with the token).
    cwd : Path
        Working directory of the server (the workshop folder).
    warnings : list of str
        Things the consultant should know before starting (remote binding, root).
    env : dict of str to str
        Extra environment for the server: JupyterLab reads its token from
        ``JUPYTER_TOKEN``, which keeps it out of the process list (``ps``).
    files : dict of Path to str
        Private files written (mode 0600) before the server starts: Voilà's
        ``voila.json`` with the token.
    app : str
        ``"voila"`` (the code-free app) or ``"lab"`` (JupyterLab).
    open_browser : bool
        Open :attr:`url` once the server answers (Voilà; JupyterLab opens it itself).
    room : object, optional
        The room's guess page (:class:`toolkit.workshop.room.RoomConfig`) served beside
        the app by :func:`launch`.
    """

    argv: list[str]
    token: str
    url: str
    cwd: Path
    warnings: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    files: dict[Path, str] = field(default_factory=dict)
    app: str = "voila"
    open_browser: bool = False
    room: object | None = None

    def shell(self) -> str:
        """The command as one shell line (for ``--dry-run``), environment first."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return (env + " " if env else "") + shlex.join(self.argv)

    def write_files(self) -> None:
        """Write :attr:`files` readable by the current user only."""
        for path, text in self.files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(path, 0o600)


#: Kernel messages the Voilà app accepts from the browser: widget traffic only (Voilà's own
#: list, restated so that a change upstream is caught by the tests). No execute_request.
APP_KERNEL_MESSAGES = ("comm_open", "comm_close", "comm_msg", "comm_info_request",
                       "kernel_info_request", "shutdown_request")


def voila_settings(token: str) -> dict:
    """Voilà's private settings for the workshop app (written to ``voila.json``).

    The token; no file of the workshop folder served (``/voila/files`` denies everything);
    no tracebacks shown to the room.
    """
    return {"Voila": {"token": token},
            "VoilaConfiguration": {"file_allowlist": [], "file_denylist": [".*"],
                                   "show_tracebacks": False, "strip_sources": True}}


def build_command(notebook: str | Path, *, lab: bool = False, ip: str = DEFAULT_IP,
                  port: int | None = None, allow_remote: bool = False,
                  open_browser: bool = True, token: str | None = None,
                  python: str | None = None) -> LaunchCommand:
    """Build the command that serves the workshop: the Voilà app, or JupyterLab with *lab*.

    Parameters
    ----------
    notebook : str or Path
        The prepared notebook (:func:`prepare_workshop`).
    lab : bool
        Open the notebook in JupyterLab (code visible, for the consultant's preparation)
        instead of the code-free Voilà app. Terminals stay disabled.
    ip : str
        Address to bind; loopback (``127.0.0.1``) by default. ``[::1]`` and ``::1`` are
        the same address.
    port : int, optional
        Port; default the first free one from 8866 (app) or 8888 (JupyterLab).
    allow_remote : bool
        Required to bind anything but a loopback address.
    open_browser : bool
        Open the app in the default browser.
    token : str, optional
        Access token; default ``secrets.token_urlsafe(32)``.
    python : str, optional
        Interpreter; default the running one (so the toolkit's environment is used).

    Returns
    -------
    LaunchCommand

    Raises
    ------
    InputError
        A non-loopback *ip* without *allow_remote*, a port outside 1..65535, no free
        port, or Voilà missing from the environment.
    """
    notebook = Path(notebook).resolve()
    ip = normalize_ip(ip) or DEFAULT_IP
    warnings: list[str] = []
    if not is_loopback(ip):
        if not allow_remote:
            raise InputError(f"--ip {ip}: refusing to serve the client's data on a "
                             "non-loopback address; use 127.0.0.1, or pass --allow-remote "
                             "if the room really needs to connect over the network")
        warnings.append(f"Serving the app on {ip}: anyone on that network with the token "
                        "can see the client's figures.")
    if port is not None and not 1 <= int(port) <= 65535:
        raise InputError(f"--port {port}: expected a port between 1 and 65535")
    if not lab and not voila_available():
        raise InputError(VOILA_HINT)
    token = token or secrets.token_urlsafe(32)
    py = python or sys.executable
    host = url_host(ip)
    port = int(port) if port is not None else free_port(ip, 8888 if lab else APP_PORT)
    files: dict[Path, str] = {}
    env: dict[str, str] = {}
    if not lab:
        # the token lives in voila.json (mode 0600), read from Voilà's working directory,
        # never on the command line (visible to every user in ps)
        argv = [py, "-m", "voila", notebook.name, f"--Voila.ip={ip}",
                f"--Voila.port={port}", "--Voila.open_browser=False",
                "--strip_sources=True",
                # every page load starts a kernel; one left by a closed or reloaded page is
                # shut down after 10 idle minutes (an open page's kernel is never culled)
                "--MappingKernelManager.cull_idle_timeout=600",
                "--MappingKernelManager.cull_interval=60"]
        files[notebook.parent / VOILA_CONFIG] = json.dumps(voila_settings(token), indent=1)
        url = f"http://{host}:{port}/?token={token}"
    else:
        argv = [py, "-m", "jupyterlab", f"--ServerApp.ip={ip}",
                f"--ServerApp.port={port}", "--ServerApp.terminals_enabled=False",
                f"--ServerApp.open_browser={'True' if open_browser else 'False'}",
                f"--ServerApp.root_dir={notebook.parent}"]
        env = {"JUPYTER_TOKEN": token}  # token auth, not visible in the process list
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.append("--ServerApp.allow_root=True")
            warnings.append("Running as root: JupyterLab is started with allow_root; prefer "
                            "a normal user account on a consultant's laptop.")
        argv.append(notebook.name)
        url = f"http://{host}:{port}/lab/tree/{notebook.name}?token={token}"
    return LaunchCommand(argv=argv, token=token, url=url, cwd=notebook.parent,
                         warnings=warnings, env=env, files=files,
                         app="lab" if lab else "voila",
                         open_browser=bool(open_browser and not lab))


def wait_for_port(ip: str, port: int, timeout: float, proc: subprocess.Popen | None = None
                  ) -> bool:
    """Whether ``ip:port`` accepts connections within *timeout* seconds (False if *proc*
    exits first)."""
    ip = normalize_ip(ip)
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            try:
                s.connect((ip, int(port)))
                return True
            except OSError:
                time.sleep(0.2)
    return False


#: Signals forwarded to the server so that it never outlives the launcher.
FORWARDED_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP", "SIGINT")
                          if hasattr(signal, n))
#: Seconds the server gets to shut down after a forwarded signal before it is killed.
STOP_GRACE_S = 10.0


def _stop(proc: subprocess.Popen, grace: float = STOP_GRACE_S) -> int:
    """Terminate *proc* (SIGTERM, then SIGKILL after *grace* seconds); return its code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


#: Prefix of the server's private runtime folder in the system's temporary folder (its
#: kernels' connection files, i.e. their keys), swept by the next run when its owner died.
SERVER_TEMP_PREFIX = "aligndx-server-"


def _runtime_command(cmd: LaunchCommand, folder: Path | None) -> tuple[list[str], dict]:
    """The server's argv and environment with its connection files in *folder*: Voilà's
    ``connection_dir_root`` (it makes its ``voila_*`` folder there), JupyterLab's
    ``JUPYTER_RUNTIME_DIR``."""
    argv, env = list(cmd.argv), {**os.environ, **cmd.env}
    if folder is not None:
        if cmd.app == "lab":
            env["JUPYTER_RUNTIME_DIR"] = str(folder)
        else:
            argv.append(f"--Voila.connection_dir_root={folder}")
    return argv, env


def launch(cmd: LaunchCommand) -> int:
    """Run the server in the foreground until it stops; return its exit code.

    The server is a child process that never outlives the launcher (SPEC §8a):

    * SIGTERM, SIGHUP and SIGINT (Ctrl-C) sent to the launcher are forwarded to it as
      SIGTERM and the launcher waits for it to exit (killing it after ``STOP_GRACE_S``
      seconds);
    * when the launcher dies without a chance to forward anything (SIGKILL, a crash), the
      server gets SIGTERM from the kernel (Linux parent-death signal,
      :func:`toolkit.runsafe.parent_death_preexec`) and shuts its kernels down; a kernel
      also ends by itself within a second of its server (ipykernel's parent poll);
    * the server's connection files (the kernels' keys) live in a private folder
      ``<tmp>/aligndx-server-*`` locked by the launcher and the server; it is removed when
      the run ends, and by the next run (:func:`toolkit.runsafe.sweep_temp`) when a killed
      run left it, once nothing of that run holds it any more.

    So a Voilà app or JupyterLab serving the client's data never keeps running after
    ``aligndx workshop`` was stopped or killed. Call it from a thread that waits for it (the
    parent-death signal follows the thread that started the server).

    Parameters
    ----------
    cmd : LaunchCommand
        From :func:`build_command`. Its private :attr:`~LaunchCommand.files` are written
        first; its :attr:`~LaunchCommand.room` guess page, if any, is served in a thread of
        this process for as long as the app runs.

    Returns
    -------
    int
        The server's exit code, or 0 when it was stopped by one of the signals above.
    """
    from ..runsafe import make_locked_temp, parent_death_preexec, sweep_temp

    cmd.write_files()
    sweep_temp()   # runtime folders of killed earlier runs (their lock is free)
    try:
        runtime = make_locked_temp(SERVER_TEMP_PREFIX)
    except OSError:   # no private folder: the server's own default (its temporary folder)
        runtime = None
    room = None
    try:
        if cmd.room is not None:
            from .room import RoomServer

            room = RoomServer(cmd.room)
            try:
                room.start()
            except OSError as exc:
                room = None
                raise InputError(f"cannot serve the phones' page on {cmd.room.ip}:"
                                 f"{cmd.room.port} ({exc.strerror or exc}); pass another "
                                 "--room-port or --room-ip") from None
        argv, env = _runtime_command(cmd, runtime.path if runtime is not None else None)
        proc = subprocess.Popen(argv, cwd=str(cmd.cwd), env=env,
                                pass_fds=(runtime.fileno(),) if runtime is not None else (),
                                preexec_fn=parent_death_preexec(signal.SIGTERM))
        return _serve(cmd, proc)
    finally:
        if room is not None:
            room.stop()
        if runtime is not None:
            runtime.discard()


def _serve(cmd: LaunchCommand, proc: subprocess.Popen) -> int:
    """Wait for the started server *proc* (forwarding the stop signals); its exit code."""
    stopped: list[int] = []
    if cmd.open_browser:
        def _open() -> None:
            host, port = _host_port(cmd.url)
            if wait_for_port(host, port, 120.0, proc):
                import webbrowser

                webbrowser.open(cmd.url)

        threading.Thread(target=_open, daemon=True).start()

    def forward(signum, _frame):
        stopped.append(signum)
        if proc.poll() is None:
            proc.terminate()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in FORWARDED_SIGNALS:
            previous[sig] = signal.signal(sig, forward)
    try:
        while True:
            try:
                code = proc.wait(timeout=STOP_GRACE_S if stopped else None)
                break
            except subprocess.TimeoutExpired:
                code = _stop(proc, 0.0)
                break
            except KeyboardInterrupt:     # no handler installed (not the main thread)
                stopped.append(int(signal.SIGINT))
                code = _stop(proc)
                break
    finally:
        if proc.poll() is None:
            _stop(proc)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopped else code


def _host_port(url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return u.hostname or DEFAULT_IP, int(u.port or 80)
