"""The CRM measures on two cores (toolkit.crm.parallel): same results as a serial run,
and the parent computes the child's half whenever the child fails."""

from __future__ import annotations

import json
import os

import pytest

from toolkit.crm import parallel

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def test_both_runs_the_second_in_a_child(monkeypatch):
    parent = os.getpid()
    a, b = parallel.both(lambda: ("a", os.getpid()), lambda: ("b", os.getpid()), rows=10**6)
    assert a == ("a", parent)
    assert b[0] == "b" and b[1] != parent  # computed by the forked child


def test_small_work_stays_serial():
    parent = os.getpid()
    _, b = parallel.both(lambda: 1, lambda: os.getpid(), rows=parallel.MIN_ROWS - 1)
    assert b == parent


def test_turned_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("ALIGNDX_CRM_PARALLEL", "0")
    assert not parallel.enabled(10**6)
    _, b = parallel.both(lambda: 1, lambda: os.getpid(), rows=10**6)
    assert b == os.getpid()


def test_a_failing_child_is_replaced_by_the_parent():
    parent = os.getpid()

    def second():
        if os.getpid() != parent:
            raise RuntimeError("only in the child")
        return "computed by the parent"

    assert parallel.both(lambda: 1, second, rows=10**6) == (1, "computed by the parent")


def test_a_child_that_dies_is_replaced_by_the_parent():
    parent = os.getpid()

    def second():
        if os.getpid() != parent:
            os._exit(3)
        return "parent"

    assert parallel.both(lambda: 1, second, rows=10**6)[1] == "parent"


def test_an_error_of_the_parents_half_propagates_and_the_child_is_reaped():
    def first():
        raise ValueError("bad")

    with pytest.raises(ValueError):
        parallel.both(first, lambda: 2, rows=10**6)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


def test_a_large_result_crosses_the_pipe():
    big = list(range(300_000))  # several pipe buffers
    assert parallel.both(lambda: 0, lambda: big, rows=10**6)[1] == big


def test_measure_crm_identical_with_and_without_the_child(monkeypatch):
    """The whole crm section, computed with the forked helper and serially."""
    from toolkit.config import load_engagement
    from toolkit.crm import measure_crm
    from toolkit.intake import load_data

    eng = load_engagement("data/samples/followup-gap")
    data = load_data(eng)

    def run():
        return json.dumps(measure_crm(
            data.leads, data.opportunities, data.activities, settings=eng.analysis,
            period_start=eng.client.period_start, period_end=eng.client.period_end,
            marketing_sources=eng.crm.marketing_sources, extract_date=eng.crm.extract_date,
            known_names=["Jane Dubois"]), sort_keys=True)

    monkeypatch.setattr(parallel, "MIN_ROWS", 1)
    forked = run()
    monkeypatch.setenv("ALIGNDX_CRM_PARALLEL", "0")
    assert run() == forked
