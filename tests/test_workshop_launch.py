"""``aligndx workshop``: prepared notebook, server command, loopback-only binding."""

from __future__ import annotations

import json
import os
import socket
import stat
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


def test_jupyterlab_command_only_with_lab_and_without_terminals(tmp_path):
    nb = tmp_path / "w" / "workshop.ipynb"
    cmd = build_command(nb, lab=True, token="tok", port=9999, python="py")
    root = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []
    assert cmd.argv == ["py", "-m", "jupyterlab", "--ServerApp.ip=127.0.0.1",
                        "--ServerApp.port=9999", "--ServerApp.terminals_enabled=False",
                        "--ServerApp.open_browser=True",
                        f"--ServerApp.root_dir={nb.parent.resolve()}", *root,
                        "workshop.ipynb"]
    # the token travels in the environment, not on the command line (visible in ps)
    assert cmd.env == {"JUPYTER_TOKEN": "tok"}
    assert not any("tok" in a for a in cmd.argv[1:])
    assert cmd.shell().startswith("JUPYTER_TOKEN=tok ")
    assert cmd.url == "http://127.0.0.1:9999/lab/tree/workshop.ipynb?token=tok"
    assert cmd.cwd == nb.parent.resolve() and cmd.app == "lab"


def test_app_is_the_default_token_in_a_private_file(tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "voila_available", lambda: True)
    nb = tmp_path / "w" / "workshop.ipynb"
    cmd = build_command(nb, token="tok", port=9000, python="py")
    assert cmd.app == "voila"
    assert cmd.argv == ["py", "-m", "voila", "workshop.ipynb", "--Voila.ip=127.0.0.1",
                        "--Voila.port=9000", "--Voila.open_browser=False",
                        "--strip_sources=True",
                        # kernels of closed or reloaded pages are culled after 10 idle min
                        "--MappingKernelManager.cull_idle_timeout=600",
                        "--MappingKernelManager.cull_interval=60"]
    assert not any("tok" in a for a in cmd.argv) and cmd.env == {}
    assert cmd.url == "http://127.0.0.1:9000/?token=tok"
    cfg = nb.parent.resolve() / "voila.json"
    assert set(cmd.files) == {cfg}
    cmd.write_files()
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    settings = json.loads(cfg.read_text())
    assert settings["Voila"]["token"] == "tok"
    assert settings["VoilaConfiguration"]["file_denylist"] == [".*"]
    assert settings["VoilaConfiguration"]["show_tracebacks"] is False


def test_random_token_and_free_port(tmp_path):
    a = build_command(tmp_path / "workshop.ipynb")
    b = build_command(tmp_path / "workshop.ipynb", open_browser=False)
    assert len(a.token) >= 32 and a.token != b.token
    assert a.open_browser and not b.open_browser
    port = int(a.url.split(":")[2].split("/")[0])
    assert port >= launch.APP_PORT and f"--Voila.port={port}" in a.argv
    # a taken port is skipped, so the printed address is the one served
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        taken = s.getsockname()[1]
        assert launch.free_port("127.0.0.1", taken) != taken


def test_ipv6_loopback_url_has_one_pair_of_brackets(tmp_path):
    for ip in ("[::1]", "::1", " [::1] "):
        cmd = build_command(tmp_path / "workshop.ipynb", ip=ip, port=9001, token="t")
        assert cmd.url == "http://[::1]:9001/?token=t"
        assert "--Voila.ip=::1" in cmd.argv
        lab = build_command(tmp_path / "workshop.ipynb", ip=ip, port=9001, token="t",
                            lab=True)
        assert lab.url.startswith("http://[::1]:9001/lab/")
        assert "--ServerApp.ip=::1" in lab.argv


def test_refuses_non_loopback_without_flag(tmp_path):
    for ip in ("0.0.0.0", "192.168.1.5", "::", "[::]"):
        for lab in (False, True):
            with pytest.raises(InputError, match="allow-remote"):
                build_command(tmp_path / "workshop.ipynb", ip=ip, lab=lab, port=9002)
    cmd = build_command(tmp_path / "workshop.ipynb", ip="0.0.0.0", allow_remote=True,
                        port=9002)
    assert "--Voila.ip=0.0.0.0" in cmd.argv and cmd.warnings


def test_missing_voila_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "voila_available", lambda: False)
    with pytest.raises(InputError, match=r"pip install -e \."):
        build_command(tmp_path / "workshop.ipynb")
    assert build_command(tmp_path / "workshop.ipynb", lab=True).app == "lab"


def test_voila_is_a_main_dependency():
    import tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = meta["project"]["dependencies"]
    assert any(d.replace(" ", "").startswith("voila>=0.5") for d in deps)
    assert any(d.startswith("segno") for d in deps)
    assert launch.voila_available()


def test_prepare_writes_results_and_injects_parameters_without_executing(tmp_path):
    out = prepare_workshop(SAMPLE, tmp_path)
    folder = (tmp_path / "well-aligned").resolve()
    assert out == folder / "workshop.ipynb"
    nb = nbformat.read(str(out), as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    src = injected[0].source
    assert f'engagement = "{SAMPLE.resolve()}"' in src
    assert f'results = "{folder / "results.json"}"' in src
    assert f'room = "{folder / "room"}"' in src
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    res = json.loads((folder / "results.json").read_text())
    assert res["client"]["id"] == "well-aligned"
    assert res["workshop"]["sla"]["targets"]


def test_prepare_takes_this_clients_results_only(tmp_path):
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"client": {"id": "someone-else"}, "toolkit_version": "0.9"}))
    with pytest.raises(InputError, match="someone-else"):
        prepare_workshop(SAMPLE, tmp_path / "w", results=res)
    # an earlier results.json without the workshop's survey views: refused, with the fix
    res.write_text(json.dumps({"client": {"id": "well-aligned"}, "toolkit_version": "0.1.0",
                               "workshop": {"sla": None}}))
    with pytest.raises(InputError, match="0.1.0.*aligndx report"):
        prepare_workshop(SAMPLE, tmp_path / "w", results=res)
    assert not (tmp_path / "w" / "well-aligned" / "results.json").exists()
    res.write_text(json.dumps({"client": {"id": "well-aligned"}, "marker": 1,
                               "toolkit_version": "0.9",
                               "workshop": {"reveal": {"schema": 1, "status": "no_survey"}}}))
    prepare_workshop(SAMPLE, tmp_path / "w", results=res)
    copied = json.loads((tmp_path / "w" / "well-aligned" / "results.json").read_text())
    assert copied["marker"] == 1
    with pytest.raises(InputError, match="missing.json: no such file"):
        prepare_workshop(SAMPLE, tmp_path / "w", results=tmp_path / "missing.json")
    # not a results.json at all (attack 7 WJ1: the one reader, load_results)
    res.write_text(json.dumps({"client": {"id": "well-aligned"}}))
    with pytest.raises(InputError, match="not a results.json"):
        prepare_workshop(SAMPLE, tmp_path / "w2", results=res)


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
    assert "-m voila workshop.ipynb --Voila.ip=127.0.0.1 --Voila.port=8899" in res.output
    assert "jupyterlab" not in res.output
    token = res.output.split("?token=")[1].split()[0]
    assert token not in res.output.split("Then open:")[0]      # not on the command line
    folder = tmp_path / "well-aligned"
    assert (folder / "workshop.ipynb").is_file() and (folder / "results.json").is_file()
    assert json.loads((folder / "voila.json").read_text())["Voila"]["token"] == token
    assert "Phones' page" in res.output and "127.0.0.1" in res.output.split("Phones'")[1]
    assert not started
    res = runner.invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path / "x"),
                               "--ip", "0.0.0.0", "--dry-run"])
    assert res.exit_code == 2
    assert "allow-remote" in res.output
    assert not (tmp_path / "x").exists()          # nothing written when refused
    res = runner.invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path), "--ip",
                               "127.0.0.1", "--room-ip", "192.168.1.7", "--dry-run"])
    assert res.exit_code == 2 and "--allow-remote" in res.output
    res = runner.invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path), "--lab",
                               "--dry-run", "--port", "8898"])
    assert res.exit_code == 0 and "--ServerApp.terminals_enabled=False" in res.output


def test_cli_starts_the_app_and_lab_only_when_asked(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(launch, "launch", lambda cmd: started.append(cmd) or 0)
    res = CliRunner().invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert len(started) == 1 and started[0].argv[2] == "voila"
    assert started[0].room is not None and not started[0].room.remote
    assert "--allow-remote" in res.output          # how to let phones join
    res = CliRunner().invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path), "--lab"])
    assert res.exit_code == 0 and started[-1].argv[2] == "jupyterlab"


def test_cli_allow_remote_prints_a_qr_code(tmp_path, monkeypatch):
    from toolkit.workshop import room
    started = []
    monkeypatch.setattr(launch, "launch", lambda cmd: started.append(cmd) or 0)
    # the room's address is found from the default route; pretend the laptop is on a
    # room network (TEST-NET-1), without binding it
    monkeypatch.setattr(room, "lan_address", lambda: "192.0.2.10")
    monkeypatch.setattr(launch, "free_port", lambda ip, start, tries=100: start)
    res = CliRunner().invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path),
                                    "--allow-remote", "--no-browser"])
    assert res.exit_code == 0, res.output
    cmd = started[0]
    assert "--Voila.ip=127.0.0.1" in cmd.argv          # the app stays on loopback
    assert cmd.room.remote and cmd.room.url == f"http://192.0.2.10:8870/?t={cmd.room.token}"
    assert cmd.room.url in res.output and "█" in res.output
    assert cmd.room.token != cmd.token                  # phones never get the app's token


def test_cli_voila_missing_is_usage_error(tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "voila_available", lambda: False)
    res = CliRunner().invoke(main, ["workshop", str(SAMPLE), "-o", str(tmp_path),
                                    "--dry-run"])
    assert res.exit_code == 2 and "pip install -e ." in res.output


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
        end = time.monotonic() + 120      # generous: a loaded machine starts Python slowly
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < end:
            time.sleep(0.05)
        child = int(pidfile.read_text())
        launcher.send_signal(getattr(signal, signame))
        assert launcher.wait(timeout=60) == 0
        assert _wait_gone(child, 30), "the server outlived the launcher"
    finally:
        if launcher.poll() is None:
            launcher.kill()
