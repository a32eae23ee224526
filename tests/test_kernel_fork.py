"""The report kernel of a batch job is a fork of the loaded notebook process
(toolkit.kernelfork, issue 18): same report, same failure messages, no stray process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the forked kernel is Linux-only")


def _cells(notebook: Path) -> list:
    """Every cell's type, source, outputs, execution count and aligndx metadata (not the
    execution timestamps, which differ between any two runs)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [(c["cell_type"], c.get("source"), c.get("outputs"), c.get("execution_count"),
             (c.get("metadata") or {}).get("aligndx")) for c in nb["cells"]]


def _trace(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.slow
def test_batch_report_is_the_same_with_a_forked_and_a_fresh_kernel(tmp_path, monkeypatch):
    from toolkit.batch import run_batch

    src = tmp_path / "clients"
    shutil.copytree(SAMPLES / "followup-gap", src / "followup-gap")
    cells, traces = {}, {}
    for mode in ("fork", "fresh"):
        monkeypatch.setenv("ALIGNDX_FORK_KERNEL", "1" if mode == "fork" else "0")
        monkeypatch.setenv("ALIGNDX_TRACE", str(tmp_path / f"{mode}.jsonl"))
        res = run_batch(src, tmp_path / mode, jobs=1, portfolio=False, show_progress=False)
        assert res.counts["ok"] == 1, [r.error for r in res.results]
        cells[mode] = _cells(tmp_path / mode / "followup-gap" / "report.ipynb")
        traces[mode] = _trace(tmp_path / f"{mode}.jsonl")
    assert cells["fork"] == cells["fresh"]
    outputs = [o for c in cells["fork"] for o in (c[2] or [])]
    assert len(outputs) > 50
    assert sum("image/png" in json.dumps(o) for o in outputs) > 5       # the charts
    assert any(c[4] and c[4].get("client_id") for c in cells["fork"])   # announce_run
    said = {m: [t["what"] for t in traces[m]] for m in traces}
    assert "kernel forked from the template" in said["fork"]
    assert "kernel forked from the template" not in said["fresh"]
    # the forked kernel starts with the job's imports: it reaches the results with a small
    # part of the CPU a fresh interpreter spends on its imports (1.6-2 s)
    cpu = {m: next(t["cpu"] for t in traces[m] if t["what"] == "reading results.json")
           for m in traces}
    assert cpu["fork"] < cpu["fresh"] / 2, cpu
    # the section helper, forked from the kernel, still renders sections for it
    kernel = next(t["pid"] for t in traces["fork"] if t["who"] == "kernel")
    assert any(t["who"] == "kernel" and t["pid"] == kernel
               and t["what"].endswith("taken from the helper") for t in traces["fork"])
    assert any(t["who"] == "helper" and t["what"] == "forked" for t in traces["fork"])


_RUN = """
import json, os, sys, tempfile
from toolkit import execute, notebookproc
notebookproc.FORK_NOTEBOOK = True
nb, out = sys.argv[1], sys.argv[2]
mine = tempfile.TemporaryDirectory()   # this process's: removed at its exit, not before
run = execute.start_notebook(nb, out, parameters={"marker": sys.argv[3]})
print(json.dumps({"notebook_pid": run._process.pid}), flush=True)
run.release()
try:
    run.wait()
    print(json.dumps({"ok": True, "mine_kept": os.path.isdir(mine.name)}), flush=True)
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}), flush=True)
"""


def _notebook(path: Path, *code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell("marker = ''")
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, *(nbformat.v4.new_code_cell(c) for c in code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _start(tmp_path: Path, notebook: Path, marker: str, fork: bool) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), ALIGNDX_FORK_KERNEL="1" if fork else "0")
    return subprocess.Popen([sys.executable, "-c", _RUN, str(notebook),
                             str(tmp_path / f"{marker}.out.ipynb"), marker],
                            env=env, stdout=subprocess.PIPE, text=True, cwd=tmp_path)


_WHOAMI = ("import json, os, sys\nimport matplotlib\n"
           "info = {'pid': os.getpid(), 'ppid': os.getppid(), 'sid': os.getsid(0),\n"
           "        'pgid': os.getpgid(0), 'cwd': os.getcwd(),\n"
           "        'name': open('/proc/self/comm').read().strip(),\n"
           "        'parent_env': os.environ.get('JPY_PARENT_PID'),\n"
           "        'stdin': os.readlink('/proc/self/fd/0'),\n"
           "        'backend': matplotlib.rcParams['backend']}\n"
           "from toolkit.report import sections\n"      # the report's first cell
           "info['report_backend'] = sys.modules['matplotlib.pyplot'].get_backend()\n"
           "open(marker + '.json', 'w').write(json.dumps(info))")


@pytest.mark.slow
def test_forked_kernel_is_a_session_leader_child_of_the_notebook_and_dies_with_it(tmp_path):
    """As launch_kernel starts one (own session and process group, JPY_PARENT_PID, the
    notebook's folder, stdin on /dev/null); killing its notebook process kills it."""
    import psutil

    nb = _notebook(tmp_path / "nb.ipynb", _WHOAMI, "import time\ntime.sleep(120)")
    proc = _start(tmp_path, nb, "who", fork=True)
    try:
        first = json.loads(proc.stdout.readline())
        info_file = tmp_path / "who.json"
        end = time.monotonic() + 120
        while not info_file.exists():
            assert time.monotonic() < end and proc.poll() is None, "the kernel never ran"
            time.sleep(0.1)
        time.sleep(0.2)
        info = json.loads(info_file.read_text())
        assert info["ppid"] == first["notebook_pid"]
        assert info["sid"] == info["pgid"] == info["pid"]
        assert info["parent_env"] == str(first["notebook_pid"])
        assert info["cwd"] == str(tmp_path)
        assert info["name"] == "aligndx-kernel"
        assert info["stdin"] == "/dev/null"
        kernel = psutil.Process(info["pid"])
        os.kill(first["notebook_pid"], signal.SIGKILL)
        gone, alive = psutil.wait_procs([kernel], timeout=10)
        assert not alive
        proc.wait(60)
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_forked_and_fresh_kernels_see_the_same_and_fail_the_same(tmp_path):
    """A kernel that dies mid-run gives the same ReportError with either launch; what the
    two kernels see of matplotlib and their folder is the same."""
    import psutil

    crash = _notebook(tmp_path / "crash.ipynb", _WHOAMI, "import os\nos._exit(3)")
    said = {}
    for fork in (True, False):
        marker = "fork" if fork else "fresh"
        proc = _start(tmp_path, crash, marker, fork)
        out, _ = proc.communicate(timeout=180)
        lines = [json.loads(x) for x in out.splitlines()]
        said[marker] = {k: v.replace(f"{marker}.out", "OUT") for k, v in lines[-1].items()}
        kernel = json.loads((tmp_path / f"{marker}.json").read_text())["pid"]
        assert not psutil.pid_exists(kernel)          # ended and reaped
    assert said["fork"] == said["fresh"]
    assert said["fork"]["error"] == "ReportError"
    assert "Kernel died" in said["fork"]["message"]
    seen = {m: json.loads((tmp_path / f"{m}.json").read_text()) for m in ("fork", "fresh")}
    for key in ("cwd", "report_backend"):
        assert seen["fork"][key] == seen["fresh"][key], key
    assert seen["fresh"]["backend"] == "module://matplotlib_inline.backend_inline"
    assert seen["fork"]["report_backend"].lower() == "agg"
    assert seen["fork"]["name"] == "aligndx-kernel" and seen["fresh"]["name"] != "aligndx-kernel"


@pytest.mark.slow
def test_a_forked_kernel_exits_with_its_own_exit_handlers_not_the_jobs(tmp_path):
    """The kernel's exit handlers run when it is shut down; the ones it inherited (here a
    TemporaryDirectory of the process that started the notebook) do not."""
    done = tmp_path / "kernel-exit-handler-ran"
    nb = _notebook(tmp_path / "nb.ipynb", "from toolkit.report import sections",
                   f"import atexit\natexit.register(lambda: open({str(done)!r}, 'w').close())")
    proc = _start(tmp_path, nb, "exit", fork=True)
    out, _ = proc.communicate(timeout=180)
    said = [json.loads(x) for x in out.splitlines()]
    assert said[-1] == {"ok": True, "mine_kept": True}, said
    end = time.monotonic() + 10
    while not done.exists() and time.monotonic() < end:
        time.sleep(0.1)
    assert done.exists()


def test_an_unused_template_ends_when_discarded_and_with_its_process(tmp_path):
    """The notebook process stopped before any kernel started: its template exits, in
    either case (discarded, or the notebook process killed)."""
    script = ("import json, os, sys, time\n"
              "from toolkit import kernelfork\n"
              "t = kernelfork.start()\n"
              "print(json.dumps({'template': t.pid}), flush=True)\n"
              "if sys.argv[1] == 'discard':\n"
              "    kernelfork.discard()\n"
              "    print(json.dumps({'reaped': kernelfork.take() is None}), flush=True)\n"
              "time.sleep(60)\n")
    import psutil

    for how in ("discard", "kill"):
        proc = subprocess.Popen([sys.executable, "-c", script, how], stdout=subprocess.PIPE,
                                text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        try:
            pid = json.loads(proc.stdout.readline())["template"]
            if how == "discard":
                assert json.loads(proc.stdout.readline()) == {"reaped": True}
                assert not psutil.pid_exists(pid)      # exited and reaped by its parent
            else:
                template = psutil.Process(pid)
                assert template.ppid() == proc.pid
                proc.kill()
                gone, alive = psutil.wait_procs([template], timeout=10)
                assert not alive
        finally:
            proc.kill()
            proc.wait()


def test_only_a_forked_notebook_process_wants_a_template(monkeypatch):
    from toolkit import kernelfork

    monkeypatch.delenv("ALIGNDX_FORK_KERNEL", raising=False)
    assert kernelfork.wanted(True) is True
    assert kernelfork.wanted(False) is False      # `aligndx report`: a fresh interpreter
    monkeypatch.setenv("ALIGNDX_FORK_KERNEL", "0")
    assert kernelfork.wanted(True) is False
