"""A strict JSON encoding of the values passed to and returned by learner functions.

The autograder's sandboxed process sends results back as JSON, never as pickle: unpickling could
run code of the learner's choosing in the grader. Only plain data survives the trip: numbers,
strings, None, lists, tuples, dicts and numeric NumPy arrays; functions from the named table in
`functions.py` travel by name. This module needs only NumPy (the sandbox loads it by path).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

MAX_ELEMENTS = 1_000_000  # a larger result is not a plausible answer to any exercise
MAX_DEPTH = 50


class EncodeError(ValueError):
    """A value that cannot be sent (an unsupported type, too large, too deep)."""


def encode(value: Any, functions: dict | None = None, depth: int = 0) -> Any:
    """`value` as JSON-ready data; functions in `functions` (name -> callable) go by name."""
    if depth > MAX_DEPTH:
        raise EncodeError("the value is nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise EncodeError(f"an array of dtype {value.dtype} (use numbers)")
        if value.size > MAX_ELEMENTS:
            raise EncodeError(f"an array of {value.size} elements is too large")
        flat = [_float(float(v)) if value.dtype.kind == "f" else v for v in value.ravel().tolist()]
        return {"__nd__": flat, "dtype": value.dtype.str, "shape": list(value.shape)}
    if type(value) is tuple:
        return {"__tuple__": [encode(v, functions, depth + 1) for v in value]}
    if type(value) is list:
        return [encode(v, functions, depth + 1) for v in value]
    if type(value) is dict:
        return {
            "__dict__": [
                [encode(k, functions, depth + 1), encode(v, functions, depth + 1)]
                for k, v in value.items()
            ]
        }
    if functions is not None and callable(value):
        for name, fn in functions.items():
            if fn is value:
                return {"__fn__": name}
    raise EncodeError(f"a value of type {type(value).__name__}")


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"__float__": repr(x)}  # 'nan', 'inf', '-inf'


def decode(data: Any, functions: dict | None = None, depth: int = 0) -> Any:
    """The inverse of `encode`; raises `EncodeError` on anything malformed."""
    if depth > MAX_DEPTH:
        raise EncodeError("nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, functions, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise EncodeError("malformed value")
    if "__float__" in data:
        text = data["__float__"]
        if text not in ("nan", "inf", "-inf"):
            raise EncodeError("malformed float")
        return float(text)
    if "__nd__" in data:
        dtype = np.dtype(str(data.get("dtype", "<f8")))
        if dtype.kind not in "biuf":
            raise EncodeError("malformed array dtype")
        shape = tuple(int(n) for n in data.get("shape", []))
        items = [decode(v, None, depth + 1) for v in data["__nd__"]]
        if len(items) > MAX_ELEMENTS or len(items) != int(np.prod(shape)):
            raise EncodeError("malformed array")
        return np.array(items, dtype=dtype).reshape(shape)
    if "__tuple__" in data:
        return tuple(decode(v, functions, depth + 1) for v in data["__tuple__"])
    if "__dict__" in data:
        out = {}
        for pair in data["__dict__"]:
            key, value = (decode(v, functions, depth + 1) for v in pair)
            if isinstance(key, (list, dict, np.ndarray)):
                raise EncodeError("malformed dict key")
            out[key] = value
        return out
    if "__fn__" in data:
        if functions is None or data["__fn__"] not in functions:
            raise EncodeError("unknown function")
        return functions[data["__fn__"]]
    raise EncodeError("malformed value")


def dumps(value: Any, functions: dict | None = None) -> str:
    """One line of JSON."""
    return json.dumps(encode(value, functions), separators=(",", ":"))
