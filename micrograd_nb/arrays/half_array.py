"""`HalfArray`: a float16 ndarray whose +, -, *, @ and relu run on `half`'s fast exact kernels.

NumPy computes float16 arithmetic one element at a time (widen, compute in float32, round back:
about 5 ns per element, 40x a float32 add) and has no BLAS for a float16 matmul. A `HalfArray`
is an ordinary float16 ndarray (same dtype, memory and repr) that sends those ufuncs to
`micrograd_nb.arrays.half`, which gives the bits NumPy's float16 ufuncs give (one float32
operation, one rounding) in whole-array passes:

    a + b, a - b, a * b        float32 op, rounded once (a row broadcast over a batch included)
    a @ b                      float32 products and sums (BLAS), rounded once: tensor cores' rule
    np.maximum(h, 0), h > 0    relu and its mask, on the 16 bits
    grad * mask                a float16 gradient times a boolean mask (relu's backward)

So the primitives' rules run unchanged on float16 data: `Mul`'s `grad * b` and `MatMul`'s
`grad @ b.T` *are* the fast float16 computation, and no rule is written a second time.
Every other ufunc (exp, sums, comparisons, ...) is NumPy's own; float16 results stay HalfArrays,
other dtypes come back as plain ndarrays. The conversions to float16 (`to_half`, autocast's
casts) make HalfArrays; a float16 array made another way computes with NumPy's own loops, to
the same bits (except `@`, whose slow loop sums in another order than BLAS).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import half

_FLOAT16 = np.dtype(np.float16)


class HalfArray(np.ndarray):
    """A float16 ndarray whose +, -, *, @, relu and relu's mask use `half`'s fast exact kernels."""

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any):
        if method == "__call__" and not kwargs:
            fast = _FAST.get(ufunc)
            if fast is not None:
                result = fast(*inputs)
                if result is not None:
                    return _as_half_if_float16(result)
        return _numpy_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        for t in types:  # ndarray's own protocol: defer to any other array type
            if not issubclass(t, np.ndarray):
                return NotImplemented
        return _float16_only(func._implementation(*args, **kwargs))  # np.shape, np.swapaxes, ...

    def astype(self, dtype, *args: Any, **kwargs: Any) -> np.ndarray:
        """A float32 copy by the exact fast conversion; other dtypes by NumPy, as plain arrays."""
        if np.dtype(dtype) == np.float32 and not args and not kwargs:
            return half.to_float32(self.view(np.ndarray))
        return _float16_only(super().astype(dtype, *args, **kwargs))

    def view(self, *args: Any, **kwargs: Any) -> np.ndarray:
        # the bits as uint16 (or any other dtype) are a plain array: only float16 is a HalfArray
        return _float16_only(super().view(*args, **kwargs))

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))  # array([...], dtype=float16), as for any float16 array


def to_half(a: np.ndarray) -> HalfArray:
    """a rounded to float16 (nearest, ties to even, bit for bit NumPy's cast), as a HalfArray."""
    return half.to_float16(a).view(HalfArray)


def as_half(a: np.ndarray) -> HalfArray:
    """A float16 array's memory seen as a HalfArray (no copy)."""
    if a.dtype != _FLOAT16:
        raise TypeError(f"as_half: needs a float16 array, got dtype {a.dtype}; use to_half")
    return a.view(HalfArray)


def _float16_only(result: Any) -> Any:
    """result, or a plain ndarray if it is a HalfArray that is not float16 (bits, masks, casts)."""
    if type(result) is HalfArray and result.dtype != _FLOAT16:
        return np.ndarray.view(result, np.ndarray)
    return result


def _numpy_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """NumPy's own ufunc on plain arrays; float16 results as HalfArrays."""
    inputs = tuple(_plain(x) for x in inputs)
    out = kwargs.get("out")
    if out is not None:
        kwargs["out"] = tuple(_plain(x) for x in out)
    result = getattr(ufunc, method)(*inputs, **kwargs)
    if out is not None:
        return out[0] if len(out) == 1 else out  # the caller's arrays, now filled in
    if isinstance(result, tuple):
        return tuple(_as_half_if_float16(r) for r in result)
    return _as_half_if_float16(result)


def _plain(x: Any) -> Any:
    return np.ndarray.view(x, np.ndarray) if isinstance(x, HalfArray) else x


def _as_half_if_float16(x: Any) -> Any:
    return x.view(HalfArray) if type(x) is np.ndarray and x.dtype == _FLOAT16 else x


def _is_float16(x: Any) -> bool:
    return isinstance(x, np.ndarray) and (x.dtype is _FLOAT16 or x.dtype == _FLOAT16)


def _is_zero(x: Any) -> bool:
    return type(x) in (int, float) and x == 0


# ---- the ufuncs with a fast float16 kernel: each returns None when its operands don't fit -----
def _arithmetic(ufunc: np.ufunc):
    def run(a, b):
        if _is_float16(a) and _is_float16(b) and _broadcastable(a, b):
            return half.half_binary(ufunc, _plain(a), _plain(b))
        return None

    return run


def _broadcastable(a: np.ndarray, b: np.ndarray) -> bool:
    """Do the shapes fit? If not, NumPy itself raises its usual error (which Tensor explains)."""
    a_shape, b_shape = a.shape, b.shape
    if a_shape[len(a_shape) - len(b_shape) :] == b_shape:  # equal, or b a row of a (a bias)
        return True
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return False
    return True


def _multiply(a, b):
    if _is_float16(a) and _is_float16(b) and _broadcastable(a, b):
        return half.half_binary(np.multiply, _plain(a), _plain(b))
    grad, mask = (a, b) if _is_float16(a) else (b, a)
    if _is_float16(grad) and isinstance(mask, np.ndarray) and mask.dtype == np.bool_:
        if mask.shape == grad.shape:  # relu's backward: ȳ * (out > 0)
            return half.mask_grad(_plain(grad), mask)
    return None


def _matmul(a, b):
    if _is_float16(a) and _is_float16(b):
        return np.asarray(half.matmul(_plain(a), _plain(b)))
    return None


def _maximum(a, b):
    if _is_float16(a) and _is_zero(b):  # relu: max(h, 0)
        return half.relu(_plain(a))
    return None


def _greater(a, b):
    if _is_float16(a) and _is_zero(b):  # relu's mask: h > 0
        return half.positive_mask_bits(_plain(a))
    return None


_FAST = {
    np.add: _arithmetic(np.add),
    np.subtract: _arithmetic(np.subtract),
    np.multiply: _multiply,
    np.matmul: _matmul,
    np.maximum: _maximum,
    np.greater: _greater,
}
