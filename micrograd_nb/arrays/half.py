"""Fast, exact float16 <-> float32 conversions, and float16 arithmetic built on them.

NumPy has no fast float16 arithmetic on a CPU without half-precision instructions: its float16
ufuncs convert every element to float32, compute, and round back, one element at a time (about
5 ns per element, 40x a float32 add), and even `astype(np.float16)` costs ~2.5 ns per element.
The functions here give *bit for bit* the same results, with whole-array integer operations:

- `to_float32(h)`: every float16 has an exact float32 value, so a 65,536-entry table indexed
  by the 16 bits of h is the conversion (one `take`).
- `to_float16(a)`: float32 bits are  sign | 8 exponent bits (bias 127) | 23 mantissa bits;
  float16 bits are sign | 5 exponent bits (bias 15) | 10 mantissa bits. For a value in
  float16's normal range, drop the 13 low mantissa bits with round-to-nearest-even and
  subtract 112 (= 127 - 15) from the exponent:

      bits16 = (|a|bits + 0xFFF + odd - (112 << 23)) >> 13,   odd = bit 13 of |a|bits

  Adding 0xFFF (just under half of the dropped 2**13) rounds up exactly when the dropped bits
  exceed one half; adding `odd` too makes an exact half round up only when the kept part is
  odd, i.e. ties go to even. A carry out of the mantissa moves into the exponent, which is
  right (1.111..1 rounds to 10.0), and past 65504 it reaches exponent 31: infinity, as NumPy.
  The few elements outside that range (float16 subnormals and zeros, |a| >= 65536, inf, NaN)
  are converted by NumPy itself, so they too match exactly.
- `half_binary(ufunc, a, b)`: what NumPy computes for float16 operands (float32 op, one
  rounding), with the fast conversions; `relu` and its mask work on the 16 bits directly.

These functions take and return plain ndarrays; `HalfArray` (`half_array`) is the float16 data
whose operators call them. The compiled passes over float32 and float64 arrays are in `floats`.

With the optional `numba` package, both conversions run as compiled loops over the same bit
formulas (`half_kernels`, about 10x faster again); `use_compiled(False)` turns them off, for
these and for `floats`' passes alike.
"""

from __future__ import annotations

import sys
import threading
import warnings

import numpy as np

#: every float16 bit pattern's value as float32 (exact: float32 holds every float16)
FLOAT16_TO_FLOAT32 = np.arange(2**16, dtype=np.uint16).view(np.float16).astype(np.float32)

_MIN_NORMAL = 0x38800000  # 2**-14, float16's smallest normal number, as float32 bits
_TOO_BIG = 0x47800000  # 2**16: from here on float16 has only inf (and inf / NaN inputs)
_REBIAS = (-(112 << 23) + 0xFFF) % 2**32  # exponent 127 -> 15, plus the rounding's 0xFFF


_local = threading.local()
_FLOAT16, _FLOAT32 = np.dtype(np.float16), np.dtype(np.float32)


def scratch(name: str, shape: tuple, dtype) -> np.ndarray:
    """A reusable work array named `name` (contents undefined), one per thread.

    Temporaries are the bulk of float16 work, and a fresh array's memory pages cost more to
    fault in than the arithmetic itself; reusing a few buffers avoids that.
    """
    try:
        buffers = _local.buffers
    except AttributeError:
        buffers = _local.buffers = {}
    key = (name, shape, dtype)  # (np.float32 and np.dtype(np.float32) name two buffers)
    buf = buffers.get(key)
    if buf is None:
        if len(buffers) >= 64:  # many shapes seen: start over rather than grow without bound
            buffers.clear()
        buf = buffers[key] = np.empty(shape, dtype)
    return buf


def recycled_mask(shape: tuple) -> np.ndarray:
    """A new boolean array of `shape` (contents undefined), in memory no array uses any more.

    Relu's backward makes a mask and drops it at once, at every layer. Fresh short-lived
    allocations between the float16 arrays made glibc's malloc give heap pages back and fault
    them in again (10,000 page faults a step); so the masks' blocks are kept and handed out
    again once no mask refers to them (the block's reference count is back to the pool's own).
    """
    pool = _local.__dict__.setdefault("masks", {})
    if len(pool) >= 16 and tuple(shape) not in pool:  # many shapes seen: start over
        pool.clear()
    blocks = pool.setdefault(tuple(shape), [])
    for block in blocks:
        if sys.getrefcount(block) == 3:  # the list, this loop's name, getrefcount's argument
            return block.reshape(shape)
    block = np.empty(int(np.prod(shape)), np.bool_)
    if len(blocks) < 4:  # a few masks alive at once are common; more are the caller's
        blocks.append(block)
    return block.reshape(shape)


_kernels = None  # the module once imported, False when numba is missing
_use_compiled = True


def compiled_kernels():
    """`half_kernels` when Numba is installed and the compiled path is on, else None."""
    global _kernels
    if _kernels is None and _use_compiled:
        try:
            from . import half_kernels
        except ImportError:  # numba is optional: the NumPy formulas below give the same bits
            _kernels = False
        else:
            _kernels = half_kernels if _compiles_and_agrees(half_kernels) else False
    return _kernels if (_kernels and _use_compiled) else None


def _compiles_and_agrees(kernels) -> bool:
    """Compile the kernels once and compare the conversions with NumPy's casts on float16's extremes.

    A machine where Numba cannot compile or cache gets a warning and the NumPy formulas.
    """
    probe = np.array(
        [0.0, -0.0, 1.0, -2.5, 65504.0, 65520.0, 6e-8, 1e-4, np.inf, -np.inf], np.float32
    )
    try:
        kernels.compile_float_passes()
        bits = np.empty(probe.shape, np.uint16)
        kernels.narrow(probe, bits)
        back = np.empty(probe.shape, np.float32)
        kernels.widen(bits, back)
        with np.errstate(over="ignore"):
            expected = probe.astype(np.float16)
        agrees = np.array_equal(bits, expected.view(np.uint16)) and np.array_equal(
            back, expected.astype(np.float32)
        )
    except Exception as error:  # e.g. no compiler support or an unwritable cache
        agrees, reason = False, f"{type(error).__name__}: {error}"
    else:
        reason = "they disagree with NumPy's casts"
    if not agrees:
        warnings.warn(
            f"micrograd_nb: the compiled kernels (float16, relu) are off ({reason}); NumPy computes "
            "the same results more slowly",
            RuntimeWarning,
            stacklevel=3,
        )
    return agrees


def use_compiled(on: bool) -> bool:
    """Switch the compiled (Numba) conversions on or off; returns the previous setting.

    Both give the same bits; off, the NumPy formulas below run (tests compare the two).
    """
    global _use_compiled
    previous, _use_compiled = _use_compiled, bool(on)
    return previous


def is_compiled() -> bool:
    """True when the compiled kernels run (numba installed, switched on, and checked)."""
    return compiled_kernels() is not None


def to_float32(h: np.ndarray, scratch_name: str | None = None) -> np.ndarray:
    """A float16 array as float32, exactly; other dtypes by NumPy's cast.

    With `scratch_name`, the result is written to that reusable work array (for temporaries).
    """
    if type(h) is not np.ndarray:
        h = np.asarray(h)
    if h.dtype is not _FLOAT16 and h.dtype != _FLOAT16:
        return h.astype(np.float32, copy=False)
    if not h.flags.c_contiguous:
        if h.ndim == 2 and h.flags.f_contiguous:  # a transposed matrix: convert in memory order
            return to_float32(h.T, scratch_name).T
        h = np.ascontiguousarray(h)
    if scratch_name is None:
        out = np.empty(h.shape, _FLOAT32)
    else:
        out = scratch(scratch_name, h.shape, _FLOAT32)
    kernels = compiled_kernels()
    if kernels is None:  # table lookup on the 16 bits
        return FLOAT16_TO_FLOAT32.take(h.view(np.uint16), out=out)
    kernels.widen(h.view(np.uint16).reshape(-1), out.reshape(-1))
    return out


def to_float16(a: np.ndarray) -> np.ndarray:
    """a rounded to float16 (nearest, ties to even), bit for bit as `a.astype(np.float16)`."""
    if type(a) is not np.ndarray:
        a = np.asarray(a)
    if a.dtype is not _FLOAT32 and a.dtype != _FLOAT32:
        # float64 must round once, from float64: NumPy's own cast
        with np.errstate(over="ignore"):  # beyond 65504 -> inf, as on a GPU
            return a.astype(np.float16)
    if not a.flags.c_contiguous:
        if a.ndim == 2 and a.flags.f_contiguous:
            return to_float16(a.T).T
        a = np.ascontiguousarray(a).reshape(a.shape)  # (ascontiguousarray makes 0-d arrays 1-d)
    kernels = compiled_kernels()
    if kernels is None:
        return _to_float16_numpy(a)
    out = np.empty(a.shape, _FLOAT16)
    kernels.narrow(a.reshape(-1), out.view(np.uint16).reshape(-1))
    return out


def _to_float16_numpy(a: np.ndarray) -> np.ndarray:
    """to_float16 for contiguous float32 a, with whole-array NumPy operations."""
    bits = a.view(np.uint32)
    mag = np.bitwise_and(bits, 0x7FFFFFFF, out=scratch("mag", a.shape, np.uint32))  # |a|
    out = np.right_shift(mag, 13, out=scratch("bits", a.shape, np.uint32))
    np.bitwise_and(out, 1, out=out)  # odd: the lowest kept mantissa bit
    np.add(out, mag, out=out)
    np.add(out, _REBIAS, out=out)  # unsigned arithmetic wraps modulo 2**32, as intended
    np.right_shift(out, 13, out=out)
    np.subtract(mag, _MIN_NORMAL, out=mag)  # wraps: below 2**-14 becomes huge
    rare = np.greater_equal(mag, _TOO_BIG - _MIN_NORMAL, out=scratch("rare", a.shape, bool))
    np.right_shift(bits, 16, out=mag)  # the sign bit, moved to float16's bit 15
    np.bitwise_and(mag, 0x8000, out=mag)
    np.bitwise_or(out, mag, out=out)
    h = out.astype(np.uint16).view(np.float16)
    if rare.any():  # subnormals, zeros, overflow, inf, NaN: few, so NumPy converts them
        where = np.flatnonzero(rare)
        with np.errstate(over="ignore"):
            h.reshape(-1)[where] = a.reshape(-1)[where].astype(np.float16)
    return h


def has_nan(h: np.ndarray) -> bool:
    """Any NaN in float16 h (exponent bits all 1 and a nonzero mantissa)?"""
    magnitude = np.bitwise_and(h.view(np.uint16), 0x7FFF, out=scratch("nan", h.shape, np.uint16))
    return bool(np.any(np.greater(magnitude, 0x7C00, out=scratch("isnan", h.shape, bool))))


_KERNEL_OPS = {np.add: "ADD", np.subtract: "SUBTRACT", np.multiply: "MULTIPLY"}


def half_binary(ufunc: np.ufunc, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ufunc(a, b) for float16 a, b exactly as NumPy gives it: in float32, rounded once."""
    kernels = compiled_kernels()
    op = _KERNEL_OPS.get(ufunc)
    if kernels is not None and op is not None:
        result = _compiled_binary(kernels, getattr(kernels, op), a, b)
        if result is not None:
            return result
    if has_nan(a) or has_nan(b):
        # which NaN's bits survive NaN + NaN depends on the operand order NumPy's C loop
        # happens to use: let NumPy decide (slowly) in that rare case
        return ufunc(a, b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    out = scratch("result", shape, _FLOAT32)
    with np.errstate(invalid="ignore", over="ignore"):  # NumPy's float16 loops don't warn either
        ufunc(to_float32(a, "a"), to_float32(b, "b"), out=out)
    return to_float16(out)


def _compiled_binary(kernels, op: int, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """a (op) b by one compiled pass when b has a's shape or is a row broadcast over a (a bias);
    None for other shapes, or when a NaN is involved (then NumPy decides which NaN survives)."""
    a_shape, b_shape = a.shape, b.shape
    if not b_shape or len(b_shape) > len(a_shape) or a.size == 0:
        return None
    if a_shape == b_shape:
        rows = 1  # both as one long row
    elif b.size == a_shape[-1] == b_shape[-1]:  # (m,) or (1, m) against (..., m)
        rows = a.size // a_shape[-1]
    else:
        return None
    out = np.empty(a_shape, _FLOAT16)
    a_rows = _contiguous(a).view(np.uint16).reshape(rows, -1)
    b_row = _contiguous(b).view(np.uint16).reshape(1, -1)
    done = kernels.binary(op, a_rows, b_row, out.view(np.uint16).reshape(rows, -1))
    return out if done else None


def _contiguous(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def sum_in_float32(h: np.ndarray, axes: tuple) -> np.ndarray:
    """The sums of float16 h over `axes` (keepdims), accumulated in float32: NumPy's float32
    sum of h widened, bit for bit; a bias gradient's rows are summed without the float32 copy."""
    kernels = compiled_kernels()
    if (
        kernels is not None
        and axes == (0,)
        and h.ndim == 2
        and h.shape[0]
        and h.shape[1] > 1  # a single column: NumPy sums it pairwise, in another order
        and h.flags.c_contiguous
    ):
        out = np.empty((1, h.shape[1]), _FLOAT32)
        kernels.column_sums(h.view(np.uint16), out.reshape(-1))
        return out
    return to_float32(h, "sum").sum(axis=axes, keepdims=True)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for float16 a, b: float32 products and sums (BLAS), the result rounded once."""
    if a.ndim != 2 or b.ndim != 2:  # 1-D and batched operands: plain temporaries
        return to_float16(np.matmul(to_float32(a), to_float32(b)))
    a32, b32 = to_float32(a, "a"), to_float32(b, "b")
    out = scratch("result", (a32.shape[0], b32.shape[1]), _FLOAT32)
    return to_float16(np.matmul(a32, b32, out=out))


def relu(h: np.ndarray) -> np.ndarray:
    """np.maximum(h, 0) for float16 h, on its bits: keep h >= -0 and NaN, else +0."""
    kernels = compiled_kernels()
    if kernels is not None:
        h = _contiguous(h)
        out = np.empty(h.shape, _FLOAT16)
        kernels.relu(h.view(np.uint16).reshape(-1), out.view(np.uint16).reshape(-1))
        return out
    bits = h.view(np.uint16)
    # keep = bits <= 0x8000 (h >= -0 or +NaN) or bits > 0xFC00 (-NaN): one wrapped compare
    keep = np.subtract(bits, 0x8001, dtype=np.uint16) >= 0xFC00 - 0x8000
    return np.multiply(bits, keep, dtype=np.uint16).view(np.float16)  # (np.where is slower)


def positive_mask_bits(h: np.ndarray) -> np.ndarray:
    """h > 0 for float16 h, on its bits (positive and finite or +inf; NaN is not > 0)."""
    h = np.ascontiguousarray(h)
    out = recycled_mask(h.shape)
    kernels = compiled_kernels()
    if kernels is not None:
        kernels.positive(h.view(np.uint16).reshape(-1), out.reshape(-1))
        return out
    return np.less(np.subtract(h.view(np.uint16), 1, dtype=np.uint16), 0x7C00, out=out)


def mask_grad(grad: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """grad * mask for float16 grad and a boolean mask, exactly as NumPy's float16 multiply."""
    kernels = compiled_kernels()
    if kernels is not None and grad.shape == mask.shape:
        grad, mask = np.ascontiguousarray(grad), np.ascontiguousarray(mask)
        result = np.empty(grad.shape, np.float16)
        kernels.mask_multiply(
            grad.view(np.uint16).reshape(-1),
            mask.view(np.uint8).reshape(-1),
            result.view(np.uint16).reshape(-1),
        )
        return result
    bits = grad.view(np.uint16)
    if np.any(np.bitwise_and(bits, 0x7C00) == 0x7C00):  # inf * 0 and NaN: NumPy's own rules
        return half_binary(np.multiply, grad, mask.astype(np.float16))
    # finite g: g * 1 = g and g * 0 = a zero with g's sign: keep all bits, or the sign bit
    keep = np.multiply(mask, 0x7FFF, dtype=np.uint16)
    np.bitwise_or(keep, 0x8000, out=keep)
    return np.bitwise_and(bits, keep).view(np.float16)
