"""Report sections rendered by a forked helper (issue 18): the same report, whatever happens."""

from __future__ import annotations

import os

import pytest

from toolkit.jsonio import load_results
from toolkit.paths import EXAMPLE_RESULTS
from toolkit.report import parallel, sections

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture()
def helper_on(monkeypatch):
    monkeypatch.setattr(parallel, "enabled", lambda: True)
    yield
    parallel._stop_active()


#: sections without charts (quick): the fallbacks are tested on these
QUICK = ["executive_summary", "recommendations", "appendix_data_quality", "appendix_sources"]


def _serial(results: dict, order=QUICK) -> dict[str, str]:
    return {s: sections._render_here(s, results).html() for s in order}


def _wait_for_helper(helper) -> None:
    while not helper.eof:  # the helper renders every section, the kernel none yet
        assert helper._read(120), "the helper went silent"


def test_helper_renders_the_same_report(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    order = sections.section_order(results)
    want = _serial(results, order)
    parallel.start(results, order, sections._render_here)
    helper = parallel._ACTIVE
    assert helper is not None
    _wait_for_helper(helper)
    assert sorted(helper.ready) == list(range(len(order))) and all(helper.ready.values())
    got = {s: sections.render(s, results).html() for s in order}
    assert got == want  # charts included, byte for byte
    assert not os.path.exists(helper.dir)  # every file of the helper's was taken


def test_sections_split_between_kernel_and_helper(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    want = _serial(results)
    parallel.start(results, QUICK, sections._render_here)
    got = {s: sections.render(s, results).html() for s in QUICK}
    assert got == want
    parallel._stop_active()


def test_helper_that_fails_leaves_the_sections_to_the_kernel(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    want = _serial(results)
    kernel = os.getpid()

    def render_or_fail(section, res):
        if os.getpid() != kernel:
            raise RuntimeError("helper broke")
        return sections._render_here(section, res)

    parallel.start(results, QUICK, render_or_fail)
    got = {s: sections.render(s, results).html() for s in QUICK}
    assert got == want


def test_helper_that_dies_leaves_the_sections_to_the_kernel(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    want = _serial(results)
    kernel = os.getpid()

    def render_or_die(section, res):
        if os.getpid() != kernel:
            os._exit(3)
        return sections._render_here(section, res)

    parallel.start(results, QUICK, render_or_die)
    got = {s: sections.render(s, results).html() for s in QUICK}
    assert got == want


def test_results_changed_after_the_fork_are_rendered_by_the_kernel(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    parallel.start(results, QUICK, sections._render_here)
    _wait_for_helper(parallel._ACTIVE)
    results["data"]["warnings"].append("A warning added after the fork")
    want = _serial(results)
    got = {s: sections.render(s, results).html() for s in QUICK}
    assert got == want
    assert "A warning added after the fork" in got["appendix_data_quality"]


def test_other_results_object_is_rendered_here(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    parallel.start(results, QUICK, sections._render_here)
    other = load_results(EXAMPLE_RESULTS)
    assert parallel.take("appendix_sources", other) is None


def test_not_started_outside_a_kernel():
    results = load_results(EXAMPLE_RESULTS)
    assert not parallel.enabled()  # pytest is no notebook kernel
    parallel.start(results, QUICK, sections._render_here)
    assert parallel._ACTIVE is None


def test_no_files_left_when_the_kernel_renders_the_rest(helper_on):
    results = load_results(EXAMPLE_RESULTS)
    kernel = os.getpid()

    def slow_helper(section, res):  # the kernel claims most sections before the helper
        if os.getpid() != kernel:
            import time

            time.sleep(1.0)
        return sections._render_here(section, res)

    parallel.start(results, QUICK, slow_helper)
    helper = parallel._ACTIVE
    for s in QUICK:
        sections.render(s, results)
    import time

    deadline = time.monotonic() + 60
    while os.path.exists(helper.dir) and time.monotonic() < deadline:
        helper._drain()
        time.sleep(0.1)
    assert not os.path.exists(helper.dir)



def test_kernel_renders_ahead_while_the_helper_works(helper_on, tmp_path):
    """The helper starts with a slow section in the middle; the kernel, needing it, renders
    the sections after it for their own cells meanwhile: same report, and the helper, walking
    back from the end, stops where the kernel has been."""
    results = load_results(EXAMPLE_RESULTS)
    order = sections.section_order(results)
    want = _serial(results, order)
    kernel = os.getpid()
    slow = order[2]
    ahead = tmp_path / "kernel-rendered-ahead"

    def slow_in_helper(section, res):
        import time

        if os.getpid() == kernel and section == order[3]:
            ahead.touch()   # the kernel renders the section after the slow one
        elif os.getpid() != kernel and section == slow:
            # slow until the kernel has rendered ahead (not a fixed time: under load the
            # kernel's first two sections can take longer than any fixed sleep)
            deadline = time.monotonic() + 60
            while not ahead.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return sections._render_here(section, res)

    parallel.start(results, order, slow_in_helper, first=slow)
    helper = parallel._ACTIVE
    got = {s: sections.render(s, results).html() for s in order[:2]}
    while not os.path.exists(os.path.join(helper.dir, "2.claim")):
        import time

        time.sleep(0.05)  # the helper has taken the slow section
    got[slow] = sections.render(slow, results).html()
    assert 3 in helper.kept and 3 in helper.mine  # rendered here, ahead of its cell, while
    # the helper drew the slow one
    got.update({s: sections.render(s, results).html() for s in order[3:]})
    assert got == want  # charts included, byte for byte
    parallel._stop_active()
    assert not os.path.exists(helper.dir)


def _is_child(pid: int) -> bool:
    """Whether *pid* is still a child of this process (running or a zombie not reaped)."""
    try:
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return False


def test_helper_is_reaped_once_every_section_was_asked_for(helper_on, tmp_path):
    """ipykernel's shutdown waits for the kernel's children to go: a helper left unreaped
    held every report ~2.5 s after its last cell. Here the kernel renders the last sections
    ahead while the helper draws "communication" (as in a typical report); once the notebook
    has asked for every section, the helper has ended and been reaped."""
    results = load_results(EXAMPLE_RESULTS)
    order = sections.section_order(results)
    want = _serial(results, order)
    kernel = os.getpid()
    last = tmp_path / "kernel-rendered-the-last-section"

    def slow_communication(section, res):
        import time

        if os.getpid() == kernel and section == order[1]:
            # the helper has claimed "communication" before the kernel goes past "politics"
            # (on a busy machine the helper may start late; the kernel would then take it)
            claim = os.path.join(parallel._ACTIVE.dir, f"{order.index('communication')}.claim")
            deadline = time.monotonic() + 60
            while not os.path.exists(claim) and time.monotonic() < deadline:
                time.sleep(0.05)
        if os.getpid() == kernel and section == order[-1]:
            last.touch()
        elif os.getpid() != kernel and section == "communication":
            deadline = time.monotonic() + 60
            while not last.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return sections._render_here(section, res)

    parallel.start(results, order, slow_communication, first=("incentives", "communication"))
    helper = parallel._ACTIVE
    got = {s: sections.render(s, results).html() for s in order}
    assert got == want
    assert order.index("communication") + 1 in helper.mine   # rendered ahead by the kernel
    assert helper.eof and not _is_child(helper.pid)   # ended and reaped, not a zombie
    assert not os.path.exists(helper.dir)


def test_helper_renders_its_first_sections_in_turn(helper_on, tmp_path):
    """``first`` may name several sections: the helper renders them in that order before it
    walks back from the end."""
    results = load_results(EXAMPLE_RESULTS)
    order = sections.section_order(results)
    kernel = os.getpid()
    log = tmp_path / "helper-order"

    def logged(section, res):
        if os.getpid() != kernel:
            with open(log, "a") as fh:
                fh.write(section + "\n")
        return sections._render_here(section, res)

    parallel.start(results, order, logged, first=("incentives", "communication"))
    helper = parallel._ACTIVE
    _wait_for_helper(helper)
    done = log.read_text().split()
    assert done[:2] == ["incentives", "communication"]
    assert done[2:] == [s for s in reversed(order) if s not in ("incentives", "communication")]
    got = {s: sections.render(s, results).html() for s in order}
    assert got == _serial(results, order)
