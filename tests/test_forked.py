"""Work forked beside the analysis (issue 18): the same outcome as a plain call, whatever the
child does."""

from __future__ import annotations

import os
import time

import pytest

from toolkit import forked
from toolkit.forked import ForkedCall

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _square_and_pid(x):
    return x * x, os.getpid()


def test_value_computed_in_the_child():
    call = ForkedCall(_square_and_pid, 7)
    value, pid = call.result()
    assert value == 49 and pid != os.getpid()
    assert call.result() == (49, pid)  # once


def test_off_switch_computes_here(monkeypatch):
    monkeypatch.setenv("ALIGNDX_FORK", "0")
    assert ForkedCall(_square_and_pid, 3).result() == (9, os.getpid())


def test_an_exception_is_raised_here_as_a_plain_call_raises_it():
    def boom(x):
        raise ValueError(f"bad {x}")

    with pytest.raises(ValueError, match="bad 5"):
        ForkedCall(boom, 5).result()


def test_a_child_that_dies_leaves_the_call_to_the_caller():
    parent = os.getpid()

    def die_in_child():
        if os.getpid() != parent:
            os._exit(3)
        return "here"

    assert ForkedCall(die_in_child).result() == "here"


def test_unpicklable_value_is_computed_here():
    parent = os.getpid()

    def value():
        return (lambda: None) if os.getpid() != parent else "here"

    assert ForkedCall(value).result() == "here"


def test_held_child_prepares_then_waits_for_go(tmp_path):
    marks = tmp_path / "marks"

    def prepare():
        marks.write_text("prepared")

    def work():
        return marks.read_text() + ", worked"

    call = ForkedCall(work, hold=True, prepare=prepare)
    deadline = time.monotonic() + 60
    while not marks.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marks.read_text() == "prepared"
    assert call.result() == "prepared, worked"  # result() lets it go


def test_a_finished_child_is_not_left_as_a_zombie():
    """A child that has answered stays alive (not <defunct>) until the caller reads it, then
    is reaped; it does not hold the pipes of children forked before it."""
    psutil = pytest.importorskip("psutil")
    first = ForkedCall(_square_and_pid, 2)
    second = ForkedCall(_square_and_pid, 3)
    time.sleep(0.5)  # both have answered
    for call in (first, second):
        assert psutil.Process(call.pid).status() != psutil.STATUS_ZOMBIE
    pid = first.pid
    assert first.result()[0] == 4  # the earlier child first: no child holds its pipe
    assert not psutil.pid_exists(pid)  # reaped
    assert second.result()[0] == 9


def test_cancel_ends_the_child():
    call = ForkedCall(time.sleep, 60, hold=True)
    pid = call.pid
    call.cancel()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert forked._PARENT_FDS.isdisjoint({call._fd, call._ctl} - {None})


def test_crm_measures_run_beside_the_survey_and_give_the_serial_results(tmp_path, monkeypatch):
    """The pipeline computes the CRM measures in a forked copy while the survey measures run
    (issue 18): the results are those of a run without forks (ALIGNDX_FORK=0), and the CRM
    measures really ran in another process."""
    import json

    import toolkit.crm as crm_pkg
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.jsonio import jsonable
    from toolkit.paths import SAMPLES_DIR
    from toolkit.pipeline import analyse

    import toolkit.workshop.sla as sla_mod

    real, real_sla = crm_pkg.measure_crm, sla_mod.workshop_section
    seen, seen_sla = tmp_path / "pids", tmp_path / "sla-pids"

    def recording(*args, **kwargs):
        with open(seen, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    def recording_sla(*args, **kwargs):
        with open(seen_sla, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real_sla(*args, **kwargs)

    monkeypatch.setattr(crm_pkg, "measure_crm", recording)
    monkeypatch.setattr(sla_mod, "workshop_section", recording_sla)
    eng = load_engagement(SAMPLES_DIR / "followup-gap" / "engagement.toml")
    data = load_data(eng)

    def run() -> str:
        res = jsonable(analyse(data))
        res.pop("generated_at")
        return json.dumps(res, sort_keys=True)

    forked_run = run()
    assert json.loads(forked_run)["workshop"]["sla"]["n_leads"] > 0
    pids = [int(p) for p in seen.read_text().split()]
    sla_pids = [int(p) for p in seen_sla.read_text().split()]
    # the CRM measures and the workshop's SLA counts each ran in a forked child of their own
    assert len(pids) == 1 and len(sla_pids) == 1
    assert len({os.getpid(), pids[0], sla_pids[0]}) == 3
    monkeypatch.setenv("ALIGNDX_FORK", "0")
    assert run() == forked_run
    assert [int(p) for p in seen.read_text().split()][1:] == [os.getpid()]
    assert [int(p) for p in seen_sla.read_text().split()][1:] == [os.getpid()]


def test_failed_crm_measures_leave_no_sla_counts_and_no_child(monkeypatch):
    """When the CRM measures fail (recorded as an error), the workshop has no SLA counts, as
    before the counts were forked, and their forked child is ended, not left running."""
    import toolkit.crm as crm_pkg
    import toolkit.forked as forked_mod
    from toolkit.config import load_engagement
    from toolkit.intake import load_data
    from toolkit.paths import SAMPLES_DIR
    from toolkit.pipeline import analyse

    def broken(*args, **kwargs):
        raise RuntimeError("broken measure")

    calls = []
    real_cancel = forked_mod.ForkedCall.cancel

    def cancel(self):
        calls.append((self.name, self.pid))
        real_cancel(self)

    monkeypatch.setattr(crm_pkg, "measure_crm", broken)
    monkeypatch.setattr(forked_mod.ForkedCall, "cancel", cancel)
    data = load_data(load_engagement(SAMPLES_DIR / "followup-gap" / "engagement.toml"))
    res = analyse(data)
    assert res["crm"] is None and "broken measure" in res["data"]["errors"]["crm"]
    assert res["workshop"]["sla"] is None
    [(name, pid)] = calls
    assert name == "workshop SLA counts" and pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # ended and reaped
