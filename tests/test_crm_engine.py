"""The columnar engine of the CRM measures (toolkit.crm.engine) against plain Python."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from toolkit.crm.engine import member, positions, touches


def _arrow_str(values):
    return pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def test_positions_first_row_missing_and_absent_ids():
    table = _arrow_str(["L1", "L2", "L1", None, "L3"])
    got = positions(_arrow_str(["L1", "L3", "L9", None, "L2"]), table)
    assert got.tolist() == [0, 4, -1, -1, 1]  # first row wins; a missing id matches nothing
    # integer ids compare as their text, as the former pandas code did (astype(str))
    assert positions(pd.Series([3, 1, 7]), pd.Series(["1", "2", "3"])).tolist() == [2, 0, -1]
    # object and chunked Arrow columns give the same answer
    chunked = pd.Series(pa.chunked_array([pa.array(["L2", None]), pa.array(["L1"])])
                        .to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow")).array)
    assert positions(chunked, table).tolist() == [1, -1, 0]
    assert positions(pd.Series(["L2", None, "L1"], dtype=object), table).tolist() == [1, -1, 0]


def test_member_ignores_missing_ids_on_both_sides():
    got = member(_arrow_str(["O1", None, "O2", "O3"]), pd.Series(["O3", None, "O1"]))
    assert got.tolist() == [True, False, False, True]
    assert member(pd.Series([], dtype=object), pd.Series(["x"])).tolist() == []


def _brute(lead_ids, start, end, act_ids, occurred):
    n = len(lead_ids)
    first = [pd.NaT] * n
    count = [0.0] * n
    owner = {}
    for i, lid in enumerate(lead_ids):
        if lid is not None and lid not in owner:
            owner[lid] = i
    for lid, t in zip(act_ids, occurred):
        i = owner.get(lid)
        if i is None or pd.isna(t) or pd.isna(start[i]) or t < start[i]:
            continue
        if not pd.isna(end[i]) and t > end[i]:
            continue
        count[i] += 1
        first[i] = t if pd.isna(first[i]) else min(first[i], t)
    return first, count


@pytest.mark.parametrize("repeats", [True, False])
def test_touches_match_a_loop_over_the_activities(repeats):
    rng = np.random.default_rng(7)
    n, m = 300, 5000
    base = pd.Timestamp("2025-01-01")
    if repeats:  # some ids repeat: their activities go to the first row (the longer query)
        lead_ids = [f"L{i}" for i in rng.integers(0, 260, n)]
    else:  # unique ids, as after validation (the one-join query); two missing ids
        lead_ids = [f"L{i}" for i in rng.permutation(n)]
        lead_ids[17] = None
    lead_ids[5] = None
    start = base + pd.to_timedelta(rng.uniform(0, 50, n), unit="D")
    start = start.where(rng.random(n) > 0.05)  # a few leads without a start
    end = start + pd.to_timedelta(rng.uniform(0, 40, n), unit="D")
    end = end.where(rng.random(n) > 0.3)  # open windows
    act_ids = [f"L{i}" if i < 280 else None for i in rng.integers(0, 300, m)]
    # nanosecond offsets survive the engine
    occurred = (base + pd.to_timedelta(rng.uniform(-5, 100, m), unit="D")
                + pd.to_timedelta(rng.integers(0, 999, m), unit="ns"))
    occurred = occurred.where(rng.random(m) > 0.02)
    first, count = touches(pd.Series(lead_ids, dtype=object), start.to_numpy(),
                           end.to_numpy(), _arrow_str(act_ids), occurred.to_numpy())
    exp_first, exp_count = _brute(lead_ids, list(start), list(end), act_ids, list(occurred))
    assert count.tolist() == exp_count
    assert first.dtype == np.dtype("datetime64[ns]")
    assert pd.Series(first).equals(pd.Series(pd.to_datetime(exp_first)).astype(
        "datetime64[ns]"))
    assert count.sum() > 500 and (count == 0).sum() > 20  # the fixture exercises both


def test_touches_without_activities():
    first, count = touches(pd.Series(["L1"]), np.array(["2025-01-01"], "datetime64[ns]"),
                           np.array(["NaT"], "datetime64[ns]"), pd.Series([], dtype=object),
                           np.array([], "datetime64[ns]"))
    assert count.tolist() == [0.0] and np.isnat(first).all()


def test_source_code_is_source_key_on_every_value():
    from toolkit.crm.definitions import source_code, source_key

    raw = pd.Series(["Paid Search", "paid-search", " PAID_SEARCH ", None, "", "--", np.nan,
                     "Web", "Événement", 3.0, "Paid Search"], dtype=object)
    got = source_code(raw)
    assert str(got.dtype) == "string"
    assert [None if pd.isna(v) else v for v in got] == [source_key(v) for v in raw]


def test_opportunity_source_own_then_lead_then_leads_opportunity():
    from toolkit.crm.definitions import opportunity_source

    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4"],
        "source": ["Web", None, "Event", "Referral"],
        "opportunity_id": [None, "O5", "O5", "O6"],
    })
    opps = pd.DataFrame({
        "opportunity_id": ["O1", "O2", "O3", "O5", "O6", "O7"],
        "lead_id": ["L9", "L1", "L2", None, None, None],
        "source": ["Paid Search", None, None, None, " ", None],
    })
    got = opportunity_source(opps, leads).tolist()
    # O1 its own; O2 its lead's; O3's lead has none and no lead names O3; O5: the first
    # lead naming it *with a source* (L3, as groupby().first() did); O6 blank own → L4's
    assert [None if pd.isna(v) else v for v in got] == [
        "paid_search", "web", None, "event", "referral", None]


def test_distinct_ids_by_order_or_by_counting():
    """engine.distinct: sorted ids proven by neighbours, others counted; nulls ignored."""
    from toolkit.crm.engine import distinct

    chunked = pa.chunked_array([["L1", "L2"], ["L3"], ["L4", "L5", "L6"]], pa.large_string())
    cases = [
        (chunked, True),                                            # increasing, 3 chunks
        (pa.array(["b", "a", "c"], pa.large_string()), True),       # unsorted, distinct
        (pa.array(["c", "b", "a"], pa.large_string()), True),       # decreasing
        (pa.array(["a", "b", "b", "c"], pa.large_string()), False),  # a repeat in order
        (pa.array(["b", "a", "b"], pa.large_string()), False),      # a repeat out of order
        (pa.array(["a", None, "b", None], pa.large_string()), True),  # missing ids do not count
        (pa.array(["a", None, "a"], pa.large_string()), False),
        (pa.array([], pa.large_string()), True),
        (pa.array(["x"], pa.large_string()), True),
    ]
    for ids, expected in cases:
        assert distinct(ids) is expected, ids
        # the same answer as counting the distinct values, as before
        s = pd.Series(ids.to_pylist(), dtype=object).dropna()
        assert expected == (s.nunique() == len(s))
    misaligned = pa.chunked_array([["L1"], ["L2", "L3", "L3"]], pa.large_string())
    assert distinct(misaligned) is False
