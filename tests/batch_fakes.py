"""Fake batch jobs for tests/test_batch*.py, run in the batch's child processes.

Each fake engagement folder holds ``engagement.toml`` (client id) and ``behaviour.txt``:
``ok`` writes the four report files (results.json computed from ``data.csv``) through a
staging folder like build_report; ``fail`` raises an InputError; ``hang`` starts a grandchild
in its own session (as Jupyter starts a kernel), records its pid and sleeps; ``crash`` exits
the process abruptly.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path


def job(spec):
    folder, out = Path(spec["folder"]), Path(spec["out"])
    cid = tomllib.loads((folder / "engagement.toml").read_text())["client"]["id"]
    behaviour = (folder / "behaviour.txt").read_text().strip()
    print(f"fake job {cid}: {behaviour}", flush=True)
    if behaviour == "fail":
        from toolkit.exceptions import InputError
        raise InputError(f"{cid}/crm/leads.csv, row 7, column 'created_at': bad date")
    if behaviour == "crash":
        os._exit(3)
    if behaviour == "leak":  # a failure quoting the client's values (issue 13)
        print(folder.name, flush=True)
        print("@SUM(1+1) jane.doe@client.example", flush=True)
        from toolkit.exceptions import InputError
        raise InputError("survey/responses.csv, row 7, column 'respondent_id': "
                         "'jane.doe@client.example' repeats; team '=cmd|' /C calc'!A0")
    staging = Path(tempfile.mkdtemp(prefix=f".{cid}.", suffix=".partial", dir=out))
    if behaviour == "hang":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                 start_new_session=True)
        (folder / "grandchild.pid").write_text(str(child.pid))
        time.sleep(600)
    values = [float(x) for x in (folder / "data.csv").read_text().split()]
    score = sum(values) / len(values)
    results = {"client": {"id": cid, "name": cid.title()}, "toolkit_version": "0.1.0",
               "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
               "scores": {"overall": score, "politics": score, "incentives": score,
                          "communication": score, "stage": "Aligned" if score >= 50 else "Defined"},
               "verdict": {"lead_quality": {"status": "supported"},
                           "follow_up": {"status": "not_supported"}},
               "recommendations": [{"step": "communicate", "title": "Agree lead definitions"}]}
    (staging / "results.json").write_text(json.dumps(results))
    for name in ("report.html", "report.ipynb", "aggregates.xlsx"):
        (staging / name).write_text(f"{cid} {name}")
    final = out / cid
    if final.exists():
        import shutil
        shutil.rmtree(final)
    os.replace(staging, final)
    return {"client_id": cid}


def whoami(spec):
    """Record this job's pid, its parent's pid and whether pandas was loaded before the job
    imported anything (it is, in a job forked from the warm server)."""
    import sys as _sys

    info = {"pid": os.getpid(), "ppid": os.getppid(), "pandas": "pandas" in _sys.modules,
            "sid": os.getsid(0),
            "env": {k: os.environ.get(k) for k in ("ALIGNDX_FORK", "ALIGNDX_PARALLEL_SECTIONS",
                                                   "ALIGNDX_CRM_PARALLEL", "OMP_NUM_THREADS")}}
    (Path(spec["out"]) / f"{Path(spec['folder']).name}.whoami.json").write_text(
        json.dumps(info))
    return {}


def portfolio_fail(spec):
    """A portfolio job whose notebook fails once the batch says go (ServerPortfolio tests)."""
    while not Path(spec["go"]).exists():
        time.sleep(0.02)
    from toolkit.exceptions import ReportError
    raise ReportError("the portfolio notebook failed in cell 3")


def portfolio_hang(spec):
    """A portfolio job that never finishes, with a grandchild in its own session."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                             start_new_session=True)
    (Path(spec["out"]) / "grandchild.pid").write_text(str(child.pid))
    time.sleep(600)
