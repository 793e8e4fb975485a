"""micrograd_nb.arrays.half: the fast float16 conversions and ops are bit for bit NumPy's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import micrograd_nb as mg
from micrograd_nb.amp import autocast, half
from micrograd_nb.arrays.half_array import HalfArray, as_half
from micrograd_nb.primitives.cast import Cast
from micrograd_nb.primitives.elementwise import Add, Mul, ReLU, Sub

EVERY_HALF = np.arange(2**16, dtype=np.uint16).view(np.float16)


def bits16(x: np.ndarray) -> np.ndarray:
    return np.asarray(x).view(np.uint16)


def assert_same_bits(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{got.itemsize}"))


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def conversions(request):
    """Run every test with the compiled (Numba) conversions and with the NumPy formulas."""
    previous = half.use_compiled(request.param == "compiled")
    yield request.param
    half.use_compiled(previous)


def test_the_compiled_conversions_are_used_when_switched_on(conversions):
    # numba comes with the project's test extras, so the compiled path must load
    assert half.is_compiled() == (conversions == "compiled")


def test_kernels_that_fail_or_disagree_are_switched_off_with_a_warning():
    from micrograd_nb.arrays import half_kernels

    class Broken:
        widen = staticmethod(half_kernels.widen)
        compile_float_passes = staticmethod(half_kernels.compile_float_passes)

        @staticmethod
        def narrow(a, out):
            raise RuntimeError("cannot cache function")

    class Wrong(Broken):
        @staticmethod
        def narrow(a, out):
            out[:] = 0

    assert half._compiles_and_agrees(half_kernels)
    for kernels, reason in [(Broken, "cannot cache"), (Wrong, "disagree")]:
        with pytest.warns(RuntimeWarning, match=reason):
            assert not half._compiles_and_agrees(kernels)


def numpy_half(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return a.astype(np.float16)


# ---- conversions ----------------------------------------------------------------------------
def test_to_float32_is_exact_for_every_float16_bit_pattern():
    for h in (EVERY_HALF, EVERY_HALF.reshape(256, 256).T):
        assert_same_bits(half.to_float32(h), h.astype(np.float32))


def boundary_float32s() -> np.ndarray:
    """Every float16 value, every midpoint between neighbours, and the float32s next to them."""
    finite = np.sort(EVERY_HALF[np.isfinite(EVERY_HALF)].astype(np.float64))
    mids = (finite[:-1] + finite[1:]) / 2  # exact in float32: 12 significant bits
    points = np.concatenate([finite, mids, [65504.0, 65519.99, 65520.0, 65536.0, 1e30]])
    points = np.concatenate([points, -points]).astype(np.float32)
    up = np.nextafter(points, np.float32(np.inf))
    down = np.nextafter(points, np.float32(-np.inf))
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32)
    nan_bits = np.array(
        [0x7F800001, 0x7F801FFF, 0x7F802000, 0x7FC00000, 0xFFC00001, 0xFFFFFFFF], np.uint32
    )
    return np.concatenate([points, up, down, specials, nan_bits.view(np.float32)])


def test_to_float16_matches_numpy_on_boundaries_midpoints_and_specials():
    x = boundary_float32s()
    assert_same_bits(half.to_float16(x), numpy_half(x))
    # ties go to even: 1 + 2**-11 is halfway between 1 and 1 + 2**-10
    assert half.to_float16(np.array([1 + 2.0**-11], np.float32))[0] == 1.0
    assert half.to_float16(np.array([65520.0], np.float32))[0] == np.inf


def test_to_float16_matches_numpy_on_millions_of_random_bit_patterns():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2**32, size=3_000_000, dtype=np.uint32).view(np.float32)
    assert_same_bits(half.to_float16(x), numpy_half(x))
    x = rng.standard_normal((512, 384)).astype(np.float32) * np.float32(1e-3)  # many subnormals
    for a in (x, x.T, x[::2, 1::3]):
        assert_same_bits(half.to_float16(a), numpy_half(a))


def test_to_float16_of_float64_rounds_once_from_float64():
    x = np.array([1 + 2.0**-11 + 2.0**-40, 1e-9, 1e6], np.float64)
    assert_same_bits(half.to_float16(x), numpy_half(x))


# ---- float16 arithmetic ---------------------------------------------------------------------
@pytest.mark.parametrize("ufunc", [np.add, np.subtract, np.multiply, np.maximum, np.divide])
def test_half_binary_is_numpys_float16_ufunc_bit_for_bit(ufunc):
    rng = np.random.default_rng(1)
    a, b = rng.permutation(EVERY_HALF), rng.permutation(EVERY_HALF)
    finite = np.isfinite(a) & np.isfinite(b)
    with np.errstate(all="ignore"):
        for x, y in ((a, b), (a[finite], b[finite]), (a.reshape(256, 256), b[:256])):
            assert_same_bits(half.half_binary(ufunc, x, y), ufunc(x, y))
        # a bias-like row over a batch, the other way round, and a scalar: finite and not
        rows, row = a[finite][:6000].reshape(2, 3, 1000), b[finite][:1000].reshape(1, 1000)
        for x, y in ((rows, row), (row, rows), (rows, b[finite][0]), (a.reshape(256, 256), b[:1])):
            assert_same_bits(half.half_binary(ufunc, x, y), ufunc(x, y))


def half_arrays(shape):
    """float16 arrays of any bits (NaN, inf, subnormals, -0 included), or of ordinary values."""
    any_bits = hnp.arrays(np.uint16, shape).map(lambda bits: bits.view(np.float16))
    ordinary = hnp.arrays(np.float16, shape, elements=st.floats(-300, 300, width=16))
    return st.one_of(any_bits, ordinary)


@st.composite
def operand_pairs(draw):
    """(a, b) with b of a's shape, a bias-like row, a column, or a's shape read transposed."""
    n = draw(st.integers(1, 5))
    m = draw(st.one_of(st.just(n), st.integers(1, 6)))  # square often: a column then fits a row
    a = draw(half_arrays((n, m)))
    kind = draw(st.sampled_from(["same", "row", "row2d", "column", "transposed"]))
    b_shape = {"same": (n, m), "row": (m,), "row2d": (1, m), "column": (n, 1)}.get(kind, (m, n))
    b = draw(half_arrays(b_shape))
    return (a, b.T) if kind == "transposed" else draw(st.sampled_from([(a, b), (b, a)]))


# the `conversions` fixture holds for all examples of one run, as intended
@settings(
    deadline=None, max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pair=operand_pairs(), ufunc=st.sampled_from([np.add, np.subtract, np.multiply]))
def test_half_binary_matches_numpy_for_any_shapes_and_bits(conversions, pair, ufunc):
    a, b = pair
    with np.errstate(all="ignore"):
        assert_same_bits(half.half_binary(ufunc, a, b), ufunc(a, b))


def test_relu_mask_and_masked_grad_on_bits_are_numpys():
    rng = np.random.default_rng(2)
    with np.errstate(all="ignore"):
        assert_same_bits(half.relu(EVERY_HALF), np.maximum(EVERY_HALF, 0))
        np.testing.assert_array_equal(half.positive_mask_bits(EVERY_HALF), EVERY_HALF > 0)
        g, mask = rng.permutation(EVERY_HALF), rng.random(2**16) < 0.5
        ones = mask.astype(np.float16)
        assert_same_bits(half.mask_grad(g, mask), g * ones)  # with inf and NaN
        ok = np.isfinite(g)
        assert_same_bits(half.mask_grad(g[ok], mask[ok]), g[ok] * ones[ok])  # the fast path
        out = rng.permutation(EVERY_HALF)  # a relu output's sign decides, NaN and -0 included
        expected = g * (out > 0).astype(np.float16)
        # relu's backward on float16 data, ȳ·[out > 0]: the mask on the bits, one masked multiply
        assert_same_bits(as_half(g) * (as_half(out) > 0), expected)
        g_t, out_t = as_half(g.reshape(256, 256).T), as_half(out.reshape(256, 256).T)
        assert_same_bits(g_t * (out_t > 0), expected.reshape(256, 256).T)


# ---- autocast uses them ---------------------------------------------------------------------
@pytest.mark.parametrize("made_by", ["cast", "float16 tensor"])
def test_autocast_elementwise_ops_are_the_float32_rules_with_numpys_results(made_by):
    """The same classes (one rule per op) on float16 data; a cast's HalfArrays use the kernels."""
    rng = np.random.default_rng(3)
    a, b = (rng.standard_normal((6, 5)).astype(np.float16) for _ in range(2))
    if made_by == "cast":  # as autocast makes float16 data: HalfArrays
        a, b = (
            Cast.apply(mg.Tensor(x.astype(np.float32), requires_grad=True), dtype=np.float16)
            for x in (a, b)
        )
    else:  # float16 arrays made elsewhere compute with NumPy's float16 ufuncs
        a, b = mg.Tensor(a, requires_grad=True), mg.Tensor(b, requires_grad=True)
    with autocast():
        s, d, p, r = a + b, a - b, a * b, a.relu()
    A, B = np.asarray(a.data), np.asarray(b.data)  # plain arrays: NumPy's own float16 ufuncs
    for y, fn, expected in [
        (s, Add, A + B),
        (d, Sub, A - B),
        (p, Mul, A * B),
        (r, ReLU, np.maximum(A, 0)),
    ]:
        assert y._ctx.fn is fn
        assert isinstance(y.data, HalfArray) == (made_by == "cast")
        assert_same_bits(y.data, expected)
    (s + d + p + r).sum().backward()
    g = np.ones((6, 5), np.float16)
    # backward runs the newest op first, so a's float16 contributions add up from r back to s
    assert_same_bits(a.grad, g * (A > 0).astype(np.float16) + g * B + g + g)


def test_autocast_mlp_step_is_bitwise_numpys_float16_arithmetic():
    """Forward and gradients of Linear -> ReLU -> Linear equal a plain NumPy float16 replay."""
    mg.manual_seed(0)
    l1, l2 = mg.nn.Linear(8, 16, dtype=np.float32), mg.nn.Linear(16, 4, dtype=np.float32)
    x = np.random.default_rng(4).standard_normal((32, 8)).astype(np.float32)
    with autocast():
        h = l1(mg.Tensor(x))
        out = l2(h.relu())
    out.backward(np.full(out.shape, 0.5, np.float16))

    def mm(a, b):  # float16 operands, float32 product, one rounding
        return (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)

    W1, b1 = l1.weight.data.astype(np.float16), l1.bias.data.astype(np.float16)
    W2, b2 = l2.weight.data.astype(np.float16), l2.bias.data.astype(np.float16)
    x16 = x.astype(np.float16)
    h_ref = mm(x16, W1.T) + b1
    a_ref = np.maximum(h_ref, 0)
    out_ref = mm(a_ref, W2.T) + b2
    assert_same_bits(out.data, out_ref)
    g = np.full(out.shape, 0.5, np.float16)
    gW2 = mm(g.T, a_ref)
    ga = mm(g, W2)
    gh = ga * (a_ref > 0).astype(np.float16)
    gW1 = mm(gh.T, x16)
    assert_same_bits(l2.weight.grad, gW2.astype(np.float32))
    assert_same_bits(l1.weight.grad, gW1.astype(np.float32))
    # the bias gradient is summed over the batch in float32 and rounded once, as GPUs do
    bias_grad = gh.astype(np.float32).sum(axis=0).astype(np.float16)
    assert_same_bits(l1.bias.grad, bias_grad.astype(np.float32))
    bias_grad = g.astype(np.float32).sum(axis=0).astype(np.float16)
    assert_same_bits(l2.bias.grad, bias_grad.astype(np.float32))
