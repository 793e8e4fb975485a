"""Compiled float16 kernels (Numba): conversions, the elementwise ops of `HalfArray`, and the
passes over float32/float64 arrays of `floats`: relu, its masked gradient, and unscaling.

A CPU with half-precision instructions converts 16 floats per instruction, but NumPy's casts
convert one element at a time (1.6-2.5 ns each). These loops do the same bit arithmetic as
`micrograd_nb.arrays.half` in one pass over the array, which the compiler turns into vector
instructions: a conversion takes about 0.15-0.25 ns per element, and `binary` widens, adds
(or subtracts, multiplies) and rounds in one pass instead of four. They need the optional
`numba` package (`pip install micrograd_nb[fast]`); without it `half` computes the same bits
with NumPy. Both are tested against NumPy's own float16 casts and arithmetic on every float16
and millions of float32 bit patterns.

Numba reinterprets a scalar's bits with `np.uint32(x).view(np.float32)` (and back), which is
why such values are wrapped in `np.uint32(...)` / `np.float32(...)` below.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FLOAT16_MIN_NORMAL = 0x38800000  # 2**-14 as float32 bits: below it, float16 is subnormal
_FLOAT16_TOO_BIG = 0x47800000  # 2**16: from here on, float16 has only inf
_FLOAT32_INF = 0x7F800000


@njit(inline="always")
def half_to_float(h):
    """The float32 value of float16 bits h.

    Shifting a float16's exponent and mantissa 13 bits left gives the float32 bits of its
    value divided by 2**112 (the exponent biases are 15 and 127), which one exact
    multiplication by 2**112 corrects; it also turns float16 subnormals into float32 normals.
    Inf and NaN (exponent all ones) get float32's all-ones exponent instead.
    """
    bits = np.uint32(h)
    magnitude = np.uint32((bits & np.uint32(0x7FFF)) << np.uint32(13))
    scaled = np.uint32(magnitude).view(np.float32) * np.float32(2.0**112)
    result = np.float32(scaled).view(np.uint32)
    if magnitude >= np.uint32(0x7C00 << 13):  # inf or NaN: exponent 31 -> 255
        result = np.uint32(magnitude + np.uint32((255 - 31) << 23))
    sign = np.uint32((bits & np.uint32(0x8000)) << np.uint32(16))
    return np.uint32(sign | result).view(np.float32)


@njit(inline="always")
def float_to_half(x):
    """The float16 bits of float32 x rounded to nearest, ties to even.

    The cases, as in `micrograd_nb.arrays.half.to_float16`: the normal range by the
    rebias-and-round formula; below 2**-14, |x| + 0.5 lets the float adder round to float16's
    smallest step (2**-24, the spacing of floats near 0.5), which the mantissa bits then count;
    2**16 and beyond become inf; NaN keeps its top mantissa bits and stays NaN.
    """
    bits = np.float32(x).view(np.uint32)
    magnitude = np.uint32(bits & np.uint32(0x7FFFFFFF))
    if magnitude > np.uint32(_FLOAT32_INF):
        result = nan_to_half(magnitude)
    else:
        result = number_to_half(magnitude)
    return np.uint16(((bits >> np.uint32(16)) & np.uint32(0x8000)) | result)


@njit(inline="always")
def number_to_half(magnitude):
    """The float16 bits (without the sign) of a float32 that is not NaN, given |x|'s bits.

    Loops convert with this alone and fix NaNs in a second pass when there are any: without
    the NaN case the compiler vectorizes the loop twice as well.
    """
    odd = (magnitude >> np.uint32(13)) & np.uint32(1)
    result = np.uint32((magnitude + np.uint32(0xFFF) + odd - np.uint32(112 << 23)) >> 13)
    if magnitude < np.uint32(_FLOAT16_MIN_NORMAL):
        shifted = np.uint32(magnitude).view(np.float32) + np.float32(0.5)
        result = np.uint32(np.float32(shifted).view(np.uint32) - np.uint32(0x3F000000))
    if magnitude >= np.uint32(_FLOAT16_TOO_BIG):
        result = np.uint32(0x7C00)
    return result


@njit(inline="always")
def nan_to_half(magnitude):
    """The float16 bits (without the sign) of a float32 NaN: its top mantissa bits, never inf's."""
    nan = np.uint32(0x7C00 + ((magnitude & np.uint32(0x7FFFFF)) >> np.uint32(13)))
    return nan + np.uint32(nan == np.uint32(0x7C00))


# ---- whole arrays (contiguous; float16 arrays are passed as their uint16 bits) ---------------
@njit(cache=True, boundscheck=False, nogil=True)
def widen(h: np.ndarray, out: np.ndarray) -> None:
    """out = h as float32"""
    for i in range(h.size):
        out[i] = half_to_float(h[i])


@njit(cache=True, boundscheck=False, nogil=True)
def narrow(a: np.ndarray, out: np.ndarray) -> None:
    """out = a rounded to float16 (NaNs, if any, in a second pass: see `number_to_half`)"""
    largest = np.uint32(0)
    for i in range(a.size):
        bits = np.float32(a[i]).view(np.uint32)
        magnitude = np.uint32(bits & np.uint32(0x7FFFFFFF))
        largest = max(largest, magnitude)
        sign = (bits >> np.uint32(16)) & np.uint32(0x8000)
        out[i] = np.uint16(sign | number_to_half(magnitude))
    if largest > np.uint32(_FLOAT32_INF):
        for i in range(a.size):
            out[i] = float_to_half(a[i])


@njit(cache=True, boundscheck=False, nogil=True)
def mask_multiply(grad: np.ndarray, mask: np.ndarray, result: np.ndarray) -> None:
    """result = grad * mask for a boolean mask (as uint8), as NumPy multiplies float16s.

    A finite g times 1 is g, times 0 a zero with g's sign: a choice of bits, in one pass the
    compiler vectorizes. Only inf and NaN (exponent bits all ones; inf * 0 is NaN) take the
    float32 multiply, in a second pass, which sets NaN's quiet bit as NumPy does.
    """
    largest = np.uint16(0)
    for i in range(grad.size):
        g = grad[i]
        result[i] = g & np.uint16(0x8000 | (mask[i] * 0x7FFF))
        largest = max(largest, np.uint16(g & np.uint16(0x7FFF)))
    if largest >= np.uint16(0x7C00):
        for i in range(grad.size):
            if grad[i] & np.uint16(0x7FFF) >= np.uint16(0x7C00):
                result[i] = float_to_half(half_to_float(grad[i]) * np.float32(mask[i]))


@njit(cache=True, boundscheck=False, nogil=True)
def relu(h: np.ndarray, out: np.ndarray) -> None:
    """out = np.maximum(h, 0) on the bits: keep h >= -0 and NaN (0..0x8000, 0xFC01..), else +0"""
    for i in range(h.size):
        keep = np.uint16(h[i] - np.uint16(0x8001)) >= np.uint16(0xFC00 - 0x8000)
        out[i] = h[i] if keep else np.uint16(0)


@njit(cache=True, boundscheck=False, nogil=True)
def positive(h: np.ndarray, out: np.ndarray) -> None:
    """out = h > 0 on the bits: positive finite numbers and +inf are 0x0001..0x7C00"""
    for i in range(h.size):
        out[i] = np.uint16(h[i] - np.uint16(1)) < np.uint16(0x7C00)


ADD, SUBTRACT, MULTIPLY = 0, 1, 2  # the `op` codes of `binary`


@njit(cache=True, boundscheck=False, nogil=True)
def binary(op: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """out = a (op) b for float16 bits, in float32 and rounded once, as NumPy's float16 loops.

    a and out are (n, m); b is (n, m) or (1, m), a row broadcast over a's rows (a bias), widened
    once per row. Returns False, leaving out incomplete, when a result is NaN (a NaN operand,
    or inf - inf): which of two NaNs survives depends on the order of the operands in the
    machine instruction, so NumPy decides then. Without NaN's case the loop vectorizes.
    """
    m = a.shape[1]
    b_wide, result = np.empty(m, np.float32), np.empty(m, np.float32)
    largest = np.uint32(0)  # of the results' magnitudes' bits: NaNs are the largest
    for i in range(a.shape[0]):
        if i == 0 or b.shape[0] > 1:
            b_row = b[i if b.shape[0] > 1 else 0]
            for j in range(m):
                b_wide[j] = half_to_float(b_row[j])
        a_row, out_row = a[i], out[i]
        # a row in float32, then rounded: two simple loops vectorize better than one
        if op == ADD:
            for j in range(m):
                result[j] = half_to_float(a_row[j]) + b_wide[j]
        elif op == SUBTRACT:
            for j in range(m):
                result[j] = half_to_float(a_row[j]) - b_wide[j]
        else:
            for j in range(m):
                result[j] = half_to_float(a_row[j]) * b_wide[j]
        for j in range(m):
            bits = np.float32(result[j]).view(np.uint32)
            magnitude = np.uint32(bits & np.uint32(0x7FFFFFFF))
            largest = max(largest, magnitude)
            sign = (bits >> np.uint32(16)) & np.uint32(0x8000)
            out_row[j] = np.uint16(sign | number_to_half(magnitude))
    return largest <= np.uint32(_FLOAT32_INF)


@njit(cache=True, boundscheck=False, nogil=True)
def unscale(grad_bits: np.ndarray, factor: np.float32, out: np.ndarray) -> bool:
    """out = grad * factor for float32 grad (passed as its uint32 bits); True when every element
    of grad is finite (no exponent bits all ones: inf and NaN), found in the same pass."""
    largest = np.uint32(0)  # of the magnitudes' bits: inf and NaN are the largest (a max
    for i in range(grad_bits.size):  # vectorizes better than an `or` of comparisons)
        bits = grad_bits[i]
        largest = max(largest, np.uint32(bits & np.uint32(0x7FFFFFFF)))
        out[i] = np.uint32(bits).view(np.float32) * factor
    return largest < np.uint32(_FLOAT32_INF)


@njit(cache=True, boundscheck=False, nogil=True)
def positive_part(x: np.ndarray, out: np.ndarray) -> None:
    """out = np.maximum(x, 0) for float x: x where x > 0 or x is NaN (kept as it is), else +0
    (-0 too, as NumPy gives). One vectorized pass; NumPy's maximum is about 5x slower."""
    for i in range(x.size):
        v = x[i]
        out[i] = v if (v > 0 or v != v) else 0


@njit(cache=True, boundscheck=False, nogil=True)
def mask_product(grad: np.ndarray, mask: np.ndarray, out: np.ndarray) -> None:
    """out = grad * mask for a float grad and a boolean mask (as uint8), as NumPy multiplies
    them, in one pass (NumPy converts the mask to floats in a buffered loop first)."""
    for i in range(grad.size):
        out[i] = grad[i] * mask[i]


@njit(cache=True, boundscheck=False, nogil=True)
def column_sums(h: np.ndarray, out: np.ndarray) -> None:
    """out = the float32 sums of the columns of float16 bits h (rows x columns), row after row,
    the order of NumPy's float32 sum over axis 0 (it starts from the first row)."""
    for j in range(h.shape[1]):
        out[j] = half_to_float(h[0, j])
    for i in range(1, h.shape[0]):
        for j in range(h.shape[1]):
            out[j] += half_to_float(h[i, j])


def compile_float_passes() -> None:
    """Compile the passes over float32/float64 arrays now (or load them from Numba's cache), so
    that no first relu of a training step compiles in the middle of what someone times."""
    for dtype in (np.float32, np.float64):
        x, out = np.zeros(1, dtype), np.empty(1, dtype)
        positive_part(x, out)
        mask_product(x, np.zeros(1, np.uint8), out)
    unscale(np.zeros(1, np.uint32), np.float32(1.0), np.empty(1, np.float32))
