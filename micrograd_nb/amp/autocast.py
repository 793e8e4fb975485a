"""`autocast`: run matrix products in float16, numerically sensitive ops in float32.

Inside `with mg.amp.autocast():` every operation passes through one policy (below) before it
runs, PyTorch's three lists in small, read from each op's own class (`Function.autocast`):

- **float16 ops** (`autocast = "float16"`: matrix products): inputs are cast to float16. A cast
  to float16 makes a `HalfArray` (`micrograd_nb.arrays.half_array`), whose `@` is what GPU
  tensor cores do: float16 in, float32 accumulation through BLAS, one rounding to float16 out.
- **float32 ops** (`autocast = "float32"`: exp, log, powers, square roots, sums,
  means, variances, softplus, log-softmax, cross-entropy; norms and losses built from them):
  float16 inputs are cast up to float32, because their results over- or underflow float16
  (e**12 > 65504, the float16 maximum) or lose digits when many terms are added.
- **everything else** (+, *, relu, reshapes, ...) runs in its inputs' dtype, promoting to the
  widest, as NumPy (and PyTorch) do: float16 + float32 gives float32. One exception: a float32
  *parameter* meeting a float16 activation is cast to float16, as autocast casts a layer's
  weights *and bias* (`Linear` computes x @ W.T + b; PyTorch's float16 `linear` includes the bias).
  So activations stay float16 from one layer to the next, and hold half the memory.

The rules are the float32 classes' own: on `HalfArray` data their arithmetic (`grad * b`,
`grad @ b.T`, relu's mask) is the fast exact float16 computation, so no rule is written twice.
Parameters stay float32 ("master weights"): the cast to float16 is a graph node (`Cast`)
whose backward casts the gradient back, so every parameter receives a float32 `.grad`.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..arrays.half_array import HalfArray
from ..autograd import Node
from ..autograd.mode import get_autocast_policy, set_autocast_policy
from ..primitives.cast import Cast


def _cast_floats(nodes: tuple, dtype: np.dtype, only_from=None) -> tuple:
    """Cast every floating Tensor input (of dtype `only_from`, if given) to `dtype`."""
    out = []
    for x in nodes:
        data = x.data
        if (
            isinstance(data, np.ndarray)
            and data.dtype.kind == "f"
            and (only_from is None or data.dtype == only_from)
            and not _computes_in(data, dtype)
        ):
            x = Cast.apply(x, dtype=dtype)
        out.append(x)
    return tuple(out)


def _computes_in(data: np.ndarray, dtype: np.dtype) -> bool:
    """Does data already compute in dtype? float16 only as a HalfArray, whose `@` sums in
    float32 through BLAS: a float16 array made elsewhere is cast (copied) to one."""
    return data.dtype == dtype and (dtype != np.float16 or isinstance(data, HalfArray))


class _Policy:
    """(fn, inputs) -> (fn to run, inputs cast to the dtype that fn runs in)."""

    def __init__(self, dtype: np.dtype):
        self.dtype = dtype

    def __call__(self, fn: type, nodes: tuple) -> tuple:
        runs_in = fn.autocast
        if runs_in == "float16":  # the op's own class says it runs in low precision
            return fn, _cast_floats(nodes, self.dtype)
        if runs_in == "float32":  # the op's own class says it needs float32
            return fn, _cast_floats(nodes, _FLOAT32, only_from=self.dtype)
        if len(nodes) > 1:
            for x in nodes:
                if _is_array_of(x, self.dtype):
                    # a bias (or another parameter) combined with float16 activations: cast it
                    return fn, tuple(
                        Cast.apply(x, dtype=self.dtype) if _is_float32_parameter(x) else x
                        for x in nodes
                    )
        return fn, nodes


def _is_array_of(x: Node, dtype: np.dtype) -> bool:
    data = x.data
    return isinstance(data, np.ndarray) and data.dtype == dtype


def _is_float32_parameter(x: Node) -> bool:
    return x.is_leaf and x.requires_grad and _is_array_of(x, _FLOAT32)


_FLOAT32 = np.dtype(np.float32)


class autocast(contextlib.ContextDecorator):
    """Mixed precision inside the block: matmuls in float16 (float32 accumulation), the rest safe.

    >>> with mg.amp.autocast():
    ...     logits = model(x)                      # float16 activations out of each matmul
    ...     loss = F.cross_entropy(logits, y)      # computed in float32
    """

    def __init__(self, dtype=np.float16, enabled: bool = True):
        dtype = np.dtype(dtype)
        if dtype.kind != "f" or dtype.itemsize >= 4:
            raise ValueError(
                f"autocast: dtype must be a low-precision float such as np.float16, got {dtype}"
            )
        self.dtype = dtype
        self.enabled = bool(enabled)
        self._previous: list = []

    def __enter__(self) -> autocast:
        self._previous.append(get_autocast_policy())
        set_autocast_policy(_Policy(self.dtype) if self.enabled else None)
        return self

    def __exit__(self, *exc) -> bool:
        set_autocast_policy(self._previous.pop())
        return False


def is_autocast_enabled() -> bool:
    """True inside an enabled `autocast` block."""
    return get_autocast_policy() is not None


def get_autocast_dtype():
    """The low-precision dtype of the innermost enabled `autocast` block (None outside)."""
    policy = get_autocast_policy()
    return None if policy is None else policy.dtype


def count_underflow(x: Node | np.ndarray, dtype=np.float16) -> int:
    """How many nonzero entries of x become exactly 0 when rounded to `dtype` (lost gradients)."""
    data = np.asarray(x.data if isinstance(x, Node) else x)
    return int(np.count_nonzero((data != 0) & (data.astype(dtype) == 0)))
