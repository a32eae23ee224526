"""``aligndx workshop``: prepare the engagement's workshop notebook and serve it locally.

* :func:`prepare_workshop` writes a parameterised copy of ``notebooks/workshop.ipynb`` —
  papermill's parameters injected, **not executed** — into a workshop folder outside the
  engagement's input folders (default ``./workshops/<client.id>/workshop.ipynb``).
* :func:`build_command` builds the JupyterLab (or Voilà) command: bound to the loopback
  address ``127.0.0.1``, with a random token (:func:`secrets.token_urlsafe`), opening the
  notebook in the browser. Any other address is refused unless ``allow_remote`` is given:
  the notebook shows a client's survey and CRM figures.
* :func:`launch` runs the command in the foreground until the consultant stops it (Ctrl-C).
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import secrets
import shlex
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Engagement, load_engagement
from ..exceptions import InputError
from ..execute import KERNEL_NAME, coerce_parameters
from ..paths import NOTEBOOKS_DIR

WORKSHOP_NOTEBOOK = NOTEBOOKS_DIR / "workshop.ipynb"
DEFAULT_IP = "127.0.0.1"
LOOPBACK_NAMES = ("localhost",)
VOILA_HINT = "Voilà is not installed; install the workshop extra: pip install -e .[workshop]"


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
                     notebook: str | Path = WORKSHOP_NOTEBOOK) -> Path:
    """Write the engagement's parameterised (not executed) workshop notebook.

    Parameters
    ----------
    engagement : str or Path
        Engagement folder (validated by :func:`toolkit.config.load_engagement`).
    out : str or Path, optional
        Output folder (see :func:`workshop_folder`).
    notebook : str or Path
        Source notebook with a cell tagged ``parameters``.

    Returns
    -------
    Path
        ``<folder>/workshop.ipynb``: the source notebook with papermill's
        ``injected-parameters`` cell (``engagement`` = the absolute engagement path) and
        no outputs.

    Raises
    ------
    InputError, ConfigError
        Bad engagement, missing notebook, or an output inside the engagement's inputs.
    """
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    notebook = Path(notebook)
    if not notebook.is_file():
        raise InputError(f"{notebook}: workshop notebook not found")
    folder = workshop_folder(engagement, out)
    params = coerce_parameters({"engagement": Path(engagement).resolve()})
    nb = load_notebook_node(str(notebook))
    nb = parameterize_notebook(nb, params, kernel_name=KERNEL_NAME)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs, cell.execution_count = [], None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "workshop.ipynb"
    nbformat.write(nb, str(target))
    return target


def is_loopback(ip: str) -> bool:
    """Whether *ip* is a loopback address (``127.0.0.0/8``, ``::1``) or ``localhost``."""
    ip = str(ip).strip().strip("[]")
    if ip.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def voila_available() -> bool:
    """Whether Voilà (the ``workshop`` extra) is installed."""
    return importlib.util.find_spec("voila") is not None


@dataclass
class LaunchCommand:
    """A server command ready to run.

    Attributes
    ----------
    argv : list of str
        The command (``python -m jupyterlab ...`` or ``python -m voila ...``).
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
    """

    argv: list[str]
    token: str
    url: str
    cwd: Path
    warnings: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def shell(self) -> str:
        """The command as one shell line (for ``--dry-run``), environment first."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return (env + " " if env else "") + shlex.join(self.argv)


def build_command(notebook: str | Path, *, voila: bool = False, ip: str = DEFAULT_IP,
                  port: int | None = None, allow_remote: bool = False,
                  open_browser: bool = True, token: str | None = None,
                  python: str | None = None) -> LaunchCommand:
    """Build the JupyterLab or Voilà command that serves the workshop notebook.

    Parameters
    ----------
    notebook : str or Path
        The prepared notebook (:func:`prepare_workshop`).
    voila : bool
        Serve it as a code-free Voilà app (``--strip_sources=True``) instead of JupyterLab.
    ip : str
        Address to bind; loopback (``127.0.0.1``) by default.
    port : int, optional
        Port; default the server's own (8888 JupyterLab, 8866 Voilà, next free one if
        taken).
    allow_remote : bool
        Required to bind anything but a loopback address.
    open_browser : bool
        Open the notebook in the default browser.
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
        A non-loopback *ip* without *allow_remote*, a port outside 1..65535, or ``voila``
        when Voilà is not installed (with the ``pip install -e .[workshop]`` hint).
    """
    notebook = Path(notebook).resolve()
    warnings: list[str] = []
    if not is_loopback(ip):
        if not allow_remote:
            raise InputError(f"--ip {ip}: refusing to serve the client's data on a "
                             "non-loopback address; use 127.0.0.1, or pass --allow-remote "
                             "if the room really needs to connect over the network")
        warnings.append(f"Serving on {ip}: anyone on that network with the token can see "
                        "the client's figures.")
    if port is not None and not 1 <= int(port) <= 65535:
        raise InputError(f"--port {port}: expected a port between 1 and 65535")
    if voila and not voila_available():
        raise InputError(VOILA_HINT)
    token = token or secrets.token_urlsafe(32)
    py = python or sys.executable
    host = f"[{ip}]" if ":" in ip else ip
    browser = "True" if open_browser else "False"
    if voila:
        argv = [py, "-m", "voila", notebook.name, f"--Voila.ip={ip}",
                f"--Voila.token={token}", f"--Voila.open_browser={browser}",
                "--strip_sources=True"]
        if port is not None:
            argv.append(f"--Voila.port={int(port)}")
        url = f"http://{host}:{port or 8866}/?token={token}"
        env: dict[str, str] = {}
    else:
        argv = [py, "-m", "jupyterlab", f"--ServerApp.ip={ip}",
                f"--ServerApp.open_browser={browser}",
                f"--ServerApp.root_dir={notebook.parent}"]
        env = {"JUPYTER_TOKEN": token}  # token auth, not visible in the process list
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            argv.append("--ServerApp.allow_root=True")
            warnings.append("Running as root: JupyterLab is started with allow_root; prefer "
                            "a normal user account on a consultant's laptop.")
        if port is not None:
            argv.append(f"--ServerApp.port={int(port)}")
        argv.append(notebook.name)
        url = f"http://{host}:{port or 8888}/lab/tree/{notebook.name}?token={token}"
    return LaunchCommand(argv=argv, token=token, url=url, cwd=notebook.parent,
                         warnings=warnings, env=env)


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


def launch(cmd: LaunchCommand) -> int:
    """Run the server in the foreground until it stops; return its exit code.

    The server is a child process. SIGTERM, SIGHUP and SIGINT (Ctrl-C) sent to the launcher
    are forwarded to it as SIGTERM and the launcher waits for it to exit (killing it after
    ``STOP_GRACE_S`` seconds), so a JupyterLab serving the client's data never keeps running
    after ``aligndx workshop`` was stopped.

    Parameters
    ----------
    cmd : LaunchCommand
        From :func:`server_command`.

    Returns
    -------
    int
        The server's exit code, or 0 when it was stopped by one of the signals above.
    """
    proc = subprocess.Popen(cmd.argv, cwd=str(cmd.cwd), env={**os.environ, **cmd.env})
    stopped: list[int] = []

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
