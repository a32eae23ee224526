"""The one JSON coercer, and reading/writing ``results.json`` (SPEC §6).

Every measure returns plain JSON types through :func:`jsonable`; the notebook runner coerces
its parameters with ``jsonable(..., strict=True)``; :func:`write_json` and
:func:`load_results` are the only places that turn ``results.json`` into bytes and back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from pathlib import Path
from typing import Any

#: Version of the ``results.json`` layout. 1 = before ``findings`` and ``method`` were stored
#: (toolkit 0.1.0); 2 = ``findings``, ``recommendations`` and ``method`` carried in the file.
RESULTS_SCHEMA = 2


def _is_missing(obj: Any) -> bool:
    """pandas ``NA`` / ``NaT`` (without importing pandas)."""
    name = type(obj).__name__
    return name in ("NAType", "NaTType")


def jsonable(obj: Any, *, strict: bool = False) -> Any:
    """Return *obj* as plain JSON types, recursively.

    NaN/inf and pandas ``NA``/``NaT`` become ``None``; numpy scalars Python numbers; dates
    and timestamps ISO strings; tuples and sets lists; paths strings; dict keys strings.

    Parameters
    ----------
    obj : any
    strict : bool
        Raise instead of coercing: a non-finite number or an object with no JSON form (in
        non-strict mode its ``str()``) raises ``ValueError``. Used for notebook parameters,
        where a silent ``None`` or string would change what the notebook computes.

    Returns
    -------
    JSON-safe value (``json.dumps(..., allow_nan=False)`` succeeds).

    Raises
    ------
    ValueError
        Only with ``strict=True``.
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if math.isfinite(obj):
            return float(obj)
        if strict:
            raise ValueError(f"{obj!r} has no JSON form")
        return None
    if isinstance(obj, dict):
        return {str(k): jsonable(v, strict=strict) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v, strict=strict) for v in obj]
    if _is_missing(obj):
        if strict:
            raise ValueError("a missing value (NA/NaT) has no JSON form")
        return None
    if isinstance(obj, (dt.datetime, dt.date)):  # pandas Timestamp included
        return obj.isoformat()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", 0) == 0:
        return jsonable(obj.item(), strict=strict)  # numpy scalar (bool_, integer, floating)
    if hasattr(obj, "isoformat"):  # numpy datetime64 wrapped elsewhere, time objects
        return obj.isoformat()
    if hasattr(obj, "tolist"):  # numpy arrays
        return jsonable(obj.tolist(), strict=strict)
    if strict:
        raise ValueError(f"a {type(obj).__name__} has no JSON form")
    if hasattr(obj, "to_dict"):
        return jsonable(obj.to_dict())
    return str(obj)


def dumps(obj: Any) -> str:
    """Strict JSON text of *obj* (coerced by :func:`jsonable`; never ``NaN``), its texts
    without the control characters a spreadsheet, a slide or a terminal cannot take (NUL,
    escape …; e.g. an export's column header quoted in the intake record), so that every
    file written here reads back through :func:`load_results`."""
    return json.dumps(_without_controls(jsonable(obj)), indent=2, allow_nan=False,
                      ensure_ascii=False) + "\n"


def _without_controls(o: Any) -> Any:
    if isinstance(o, str):
        return _CONTROL.sub("", o) if _CONTROL.search(o) else o
    if isinstance(o, dict):
        return {_without_controls(k): _without_controls(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_without_controls(v) for v in o]
    return o


def write_json(obj: Any, path: str | Path) -> Path:
    """Write *obj* as strict JSON to *path* (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(dumps(obj), encoding="utf-8")
    return path


#: Largest results.json read (bytes): the large engagement's is ~3 MB; a larger file is
#: refused unread rather than parsed into memory (attack 15, BL1).
MAX_RESULTS_BYTES = 64_000_000


def load_results(path: str | Path) -> dict:
    """Read a ``results.json``.

    Parameters
    ----------
    path : str or Path
        A ``results.json`` written by ``aligndx report`` (any version).

    Returns
    -------
    dict

    Raises
    ------
    toolkit.exceptions.InputError
        When the file is missing, unreadable, not JSON, or not a results object (no
        ``client`` and ``toolkit_version``); the message names the file.
    toolkit.exceptions.ValidationError
        When a key does not have the type, vocabulary or range the toolkit writes
        (:func:`toolkit.results_shape.shape_problem`); the message names the file, the key
        and what was expected, never the value.
    """
    from .exceptions import InputError, ValidationError

    from .paths import read_regular_bytes

    path = Path(path)
    try:   # a regular file of bounded size only: never a FIFO, a device or gigabytes (BL1)
        text = read_regular_bytes(path, MAX_RESULTS_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (expected a results.json written by "
                         "'aligndx report')") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}); expected a "
                         "results.json written by 'aligndx report'") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: cannot be read (not UTF-8 text: {exc.reason})") from None
    try:
        results = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: not a results.json (nested too deeply to be one)") from None
    except ValueError as exc:      # e.g. an integer of more than 4,300 digits
        raise InputError(f"{path}: not a results.json ({exc})") from None
    if not isinstance(results, dict) or "client" not in results or \
            "toolkit_version" not in results:
        raise InputError(f"{path}: not a results.json (expected an object with 'client' and "
                         "'toolkit_version')")
    problem = _not_plain(results)
    if problem:
        raise InputError(f"{path}: not a results.json written by 'aligndx report' ({problem})")
    from .results_shape import shape_problem

    problem = shape_problem(results)
    if problem:     # attack 6 RJ1: refused here, before any renderer indexes or sums it
        raise ValidationError(f"{path}: results.json does not have the shape this toolkit "
                              f"writes ({problem})")
    return results


#: Deepest nesting of a results.json ``aligndx report`` writes is about 10; beyond this a
#: file is not one (and would exhaust the stack of the code that walks it).
MAX_RESULTS_DEPTH = 64
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _not_plain(obj: Any) -> str | None:
    """Why *obj* cannot be a results.json the toolkit wrote: nesting deeper than
    :data:`MAX_RESULTS_DEPTH`, a text holding a control character (NUL, escape …; a
    spreadsheet or slide cannot hold one, a terminal obeys it), or a number that is not
    finite (``NaN``, ``Infinity``, ``1e309``: the toolkit writes none, attack 5 V1).
    Iterative: any depth."""
    stack: list[tuple[str, Any, int]] = [("", obj, 0)]
    while stack:
        where, o, depth = stack.pop()
        if depth > MAX_RESULTS_DEPTH:
            return f"nested more than {MAX_RESULTS_DEPTH} levels deep at {where or 'the top'}"
        if isinstance(o, dict):
            for k, v in o.items():
                key = f"{where}.{k}" if where else str(k)
                if _CONTROL.search(k):
                    return f"a key holds a control character: {key!r}"
                stack.append((key, v, depth + 1))
        elif isinstance(o, list):
            stack.extend((f"{where}[{i}]", v, depth + 1) for i, v in enumerate(o))
        elif isinstance(o, str) and _CONTROL.search(o):
            return f"the text at {where} holds a control character"
        elif isinstance(o, float) and not math.isfinite(o):
            return f"the number at {where or 'the top'} is not finite ({o!r})"
    return None
