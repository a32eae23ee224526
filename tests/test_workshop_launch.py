"""``aligndx workshop``: prepared notebook, server command, loopback-only binding."""

from __future__ import annotations

import os

from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from toolkit.cli import main
from toolkit.exceptions import InputError
from toolkit.workshop import launch
from toolkit.workshop.launch import build_command, is_loopback, prepare_workshop

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "well-aligned"


def test_is_loopback():
    for ip in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback(ip), ip
    for ip in ("0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", ""):
        assert not is_loopback(ip), ip


def test_jupyterlab_command(tmp_path):
    nb = tmp_path / "w" / "workshop.ipynb"
    cmd = build_command(nb, token="tok", port=9999, python="py")
    root = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
    assert cmd.argv == ["py", "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                        "--ServerApp.open_browser=True",
                        f"--ServerApp.root_dir={nb.parent.resolve()}", *root,
                        "--ServerApp.port=9999", "workshop.ipynb"]
    # the token travels in the environment, not on the command line (visible in ps)
    assert cmd.env == {"JUPYTER_TOKEN": "tok"}
    assert not any("tok" in a for a in cmd.argv[1:])
    assert cmd.shell().startswith("JUPYTER_TOKEN=tok ")
    assert cmd.url == "http://127.0.0.1:9999/lab/tree/workshop.ipynb?token=tok"
    assert cmd.cwd == nb.parent.resolve()


def test_random_token_and_no_browser(tmp_path):
    a = build_command(tmp_path / "workshop.ipynb")
    b = build_command(tmp_path / "workshop.ipynb", open_browser=False)
    assert len(a.token) >= 32 and a.token != b.token
    assert a.env["JUPYTER_TOKEN"] == a.token
    assert "--ServerApp.open_browser=False" in b.argv
    assert not any(x.startswith("--ServerApp.port") for x in a.argv)


def test_refuses_non_loopback_without_flag(tmp_path):
    for ip in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(InputError, match="allow-remote"):
            build_command(tmp_path / "workshop.ipynb", ip=ip)
    cmd = build_command(tmp_path / "workshop.ipynb", ip="0.0.0.0", allow_remote=True)
    assert "--ServerApp.ip=0.0.0.0" in cmd.argv and cmd.warnings


def test_voila_command_and_missing_voila(tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "voila_available", lambda: True)
    cmd = build_command(tmp_path / "workshop.ipynb", voila=True, token="tok", python="py")
    assert cmd.argv[:4] == ["py", "-m", "voila", "workshop.ipynb"]
    assert {"--Voila.ip=127.0.0.1", "--Voila.token=tok", "--strip_sources=True",
            "--Voila.open_browser=True"} <= set(cmd.argv)
    monkeypatch.setattr(launch, "voila_available", lambda: False)
    with pytest.raises(InputError, match=r"pip install -e \.\[workshop\]"):
        build_command(tmp_path / "workshop.ipynb", voila=True)


def test_prepare_injects_parameters_without_executing(tmp_path):
    out = prepare_workshop(SAMPLE, tmp_path)
    assert out == (tmp_path / "well-aligned" / "workshop.ipynb").resolve()
    nb = nbformat.read(str(out), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert f'engagement = "{SAMPLE.resolve()}"' in injected[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)


def test_prepare_refuses_engagement_input_folders(tmp_path):
    for bad in (SAMPLE.parent, SAMPLE / "survey", SAMPLE / "crm"):
        with pytest.raises(InputError, match="input folder"):
            prepare_workshop(SAMPLE, bad)


def test_cli_dry_run_and_refusal(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(launch, "launch", lambda cmd: started.append(cmd) or 0)
    runner = CliRunner()
    res = runner.invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path), "--dry-run",
                               "--port", "8899", "--no-browser"])
    assert res.exit_code == 0, res.output
    assert "--ServerApp.ip=127.0.0.1" in res.output
    assert "--ServerApp.port=8899" in res.output
    assert "--ServerApp.open_browser=False" in res.output
    assert "JUPYTER_TOKEN=" in res.output
    assert (tmp_path / "well-aligned" / "workshop.ipynb").is_file()
    assert not started
    res = runner.invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path / "x"),
                               "--ip", "0.0.0.0", "--dry-run"])
    assert res.exit_code == 2
    assert "allow-remote" in res.output
    assert not (tmp_path / "x").exists()          # nothing written when refused
    res = runner.invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path), "--ip",
                               "0.0.0.0", "--allow-remote", "--dry-run"])
    assert res.exit_code == 0 and "--ServerApp.ip=0.0.0.0" in res.output


def test_cli_starts_the_server_without_dry_run(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(launch, "launch", lambda cmd: started.append(cmd) or 0)
    res = CliRunner().invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert len(started) == 1 and started[0].argv[2] == "jupyterlab"


def test_cli_voila_missing_is_usage_error(tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "voila_available", lambda: False)
    res = CliRunner().invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path), "--voila",
                                    "--dry-run"])
    assert res.exit_code == 2 and "pip install -e .[workshop]" in res.output


def _wait_gone(pid: int, timeout: float) -> bool:
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_server_does_not_outlive_the_launcher(tmp_path, signame):
    """A fake server (sleep 60) is stopped when the launcher gets SIGTERM / SIGHUP."""
    import signal
    import subprocess
    import sys
    import time
    if not hasattr(signal, signame):
        pytest.skip(f"no {signame} on this platform")
    pidfile = tmp_path / "child.pid"
    fake = ("import os, time; open(%r, 'w').write(str(os.getpid())); time.sleep(60)"
            % str(pidfile))
    script = ("import sys; from pathlib import Path; "
              "from toolkit.workshop.launch import LaunchCommand, launch; "
              f"sys.exit(launch(LaunchCommand(argv=[sys.executable, '-c', {fake!r}], "
              "token='t', url='u', cwd=Path('.'))))")
    launcher = subprocess.Popen([sys.executable, "-c", script], cwd=str(tmp_path))
    try:
        end = time.monotonic() + 20
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < end:
            time.sleep(0.05)
        child = int(pidfile.read_text())
        launcher.send_signal(getattr(signal, signame))
        assert launcher.wait(timeout=10) == 0
        assert _wait_gone(child, 5), "the server outlived the launcher"
    finally:
        if launcher.poll() is None:
            launcher.kill()
