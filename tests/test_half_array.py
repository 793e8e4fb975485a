"""micrograd_nb.arrays.half_array: float16 data whose arithmetic is the fast kernels, one rule per op."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# `conversions` (autouse): every test with and without the compiled kernels
from test_half import EVERY_HALF, assert_same_bits, conversions  # noqa: F401

import micrograd_nb as mg
from micrograd_nb.amp import autocast
from micrograd_nb.arrays import floats, half
from micrograd_nb.arrays.half_array import HalfArray, as_half, to_half
from micrograd_nb.autograd import Elementwise, Function, Linear


# ---- the kernels behind the operators are NumPy's float16 arithmetic, bit for bit ------------
@pytest.mark.parametrize("op", ["+", "-", "*"])
def test_arithmetic_is_numpys_float16_ufunc_on_every_bit_pattern(op):
    rng = np.random.default_rng(0)
    a, b = rng.permutation(EVERY_HALF), rng.permutation(EVERY_HALF)
    ufunc = {"+": np.add, "-": np.subtract, "*": np.multiply}[op]
    with np.errstate(all="ignore"):
        for x, y in ((a, b), (a.reshape(256, 256), b[:256]), (a.reshape(256, 256).T, b[:256])):
            got = ufunc(as_half(x), as_half(y))
            assert type(got) is HalfArray
            assert_same_bits(got, ufunc(x, y))
            assert_same_bits(ufunc(x, as_half(y)), ufunc(x, y))  # one HalfArray operand suffices


@settings(
    deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    a=hnp.arrays(np.uint16, st.tuples(st.integers(1, 5), st.integers(1, 6))),
    keep=st.data(),
)
def test_relu_its_mask_and_the_masked_gradient_are_numpys(a, keep):
    h = a.view(np.float16)
    mask = keep.draw(hnp.arrays(np.bool_, h.shape))
    with np.errstate(all="ignore"):
        assert_same_bits(np.maximum(as_half(h), 0), np.maximum(h, 0))
        assert type(as_half(h) > 0) is np.ndarray
        np.testing.assert_array_equal(as_half(h) > 0, h > 0)
        for got in (as_half(h) * mask, mask * as_half(h)):  # relu's backward: ȳ·[x > 0]
            assert_same_bits(got, h * mask.astype(np.float16))


@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    h=hnp.arrays(np.uint16, st.tuples(st.integers(1, 70), st.integers(1, 12))),
    axes=st.sampled_from([(0,), (1,), (0, 1)]),
)
def test_float16_sums_accumulate_in_float32_as_numpy_does(h, axes):
    h = h.view(np.float16)
    h = np.where(np.isnan(h), np.float16(1), h)  # (which NaN survives NaN + NaN is NumPy's)
    with np.errstate(all="ignore"):
        expected = h.astype(np.float32).sum(axis=axes, keepdims=True)
        got = half.sum_in_float32(h, axes)
    assert_same_bits(got, expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_float_gradient_times_a_boolean_mask_is_numpys_product(dtype):
    rng = np.random.default_rng(5)
    grad = rng.standard_normal((64, 48)).astype(dtype)  # big enough for the compiled pass
    grad.reshape(-1)[:8] = [np.nan, -np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-40, -1e-300]
    mask = rng.random(grad.shape) > 0.5
    mask.reshape(-1)[:8] = [False, True, False, True, False, True, False, False]
    with np.errstate(invalid="ignore"):  # inf * 0
        expected = grad * mask
        got = floats.mask_product(grad, mask)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), expected.view(f"u{got.itemsize}"))
    # relu's backward is this product: x̄ = ȳ·[x > 0]
    x = mg.Tensor(rng.standard_normal(grad.shape).astype(dtype), requires_grad=True)
    seed = rng.standard_normal(grad.shape).astype(dtype)
    mg.nn.functional.relu(x).backward(seed)
    np.testing.assert_array_equal(x.grad, seed * (x.data > 0))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(
    deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_relu_of_a_float_array_is_numpys_maximum_bit_for_bit(dtype, data):
    # from every kind of number: ±0, ±NaN (any payload), ±inf, subnormals, normal numbers
    n = data.draw(st.sampled_from([7, 1024, 3000]))  # below and above the compiled size
    bits = data.draw(hnp.arrays(f"u{np.dtype(dtype).itemsize}", (n,)))
    x = bits.view(dtype)
    specials = np.array([-0.0, 0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-310, -1e-310], dtype)
    x[: len(specials)] = specials[:n]
    expected = np.maximum(x, 0)
    for got in (floats.relu(x), mg.nn.functional.relu(mg.Tensor(x)).data):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.view(bits.dtype), expected.view(bits.dtype))
    # a non-contiguous view takes NumPy's path, with the same result
    np.testing.assert_array_equal(
        floats.relu(x[::2]).view(bits.dtype), expected[::2].view(bits.dtype)
    )


def test_a_mask_block_is_reused_only_once_no_mask_refers_to_it():
    h = to_half(np.array([[1.0, -1.0], [0.0, 2.0]], np.float32))
    first = h > 0
    second = h < 1  # NumPy's own mask, and another relu mask while `first` is alive
    third = h > 0
    assert not np.shares_memory(first, third)
    np.testing.assert_array_equal(first, [[True, False], [False, True]])
    np.testing.assert_array_equal(second, [[False, True], [True, False]])
    address = first.__array_interface__["data"][0]
    del first
    again = h > 0  # `first` was dropped (as relu's backward drops its mask): its block again
    assert again.__array_interface__["data"][0] == address
    np.testing.assert_array_equal(third, [[True, False], [False, True]])


def test_matmul_sums_in_float32_and_rounds_once():
    rng = np.random.default_rng(1)
    shapes = [((7, 5), (5, 3)), ((5,), (5, 3)), ((7, 5), (5,)), ((5,), (5,)), ((2, 7, 5), (5, 3))]
    for a_shape, b_shape in shapes:
        a = rng.standard_normal(a_shape).astype(np.float16)
        b = rng.standard_normal(b_shape).astype(np.float16)
        expected = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
        assert_same_bits(as_half(a) @ as_half(b), expected)
        assert_same_bits(as_half(a) @ as_half(b.T.copy()).T, expected)  # a transposed operand


# ---- the rest is NumPy; learners see an ordinary float16 array -------------------------------
def test_other_ufuncs_are_numpys_and_only_float16_results_stay_half_arrays():
    h = to_half(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4))
    plain = np.asarray(h)
    assert type(plain) is np.ndarray
    for got, expected in [(np.exp(h), np.exp(plain)), (h.sum(axis=0), plain.sum(axis=0)),
                          (h / 3, plain / 3), (h.T, plain.T), (h[1:], plain[1:]),
                          (h.reshape(4, 3), plain.reshape(4, 3))]:  # fmt: skip
        assert type(got) is HalfArray
        assert_same_bits(got, expected)
    assert type(h.view(np.uint16)) is np.ndarray and type(h == 0) is np.ndarray
    assert type(h.astype(np.float64)) is np.ndarray
    assert type(np.concatenate([h, plain.astype(np.float32)])) is np.ndarray
    wide = h.astype(np.float32)
    assert type(wide) is np.ndarray and wide.dtype == np.float32
    assert_same_bits(wide, plain.astype(np.float32))
    out = np.empty_like(plain)
    assert np.add(h, h, out=out) is out
    assert_same_bits(out, plain + plain)


def test_repr_and_tensor_display_show_an_ordinary_float16_array():
    h = to_half(np.array([[1.5, -2.0]], np.float32))
    assert repr(h) == "array([[ 1.5, -2. ]], dtype=float16)"
    assert str(h) == "[[ 1.5 -2. ]]"
    x = mg.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    with autocast():
        y = x @ x
    assert isinstance(y.data, HalfArray)
    assert repr(y) == repr(mg.Tensor(np.full((2, 2), 2, np.float16), requires_grad=True))
    assert "HalfArray" not in mg.draw(y).source


def test_shapes_that_do_not_broadcast_get_the_tensor_error_a_learner_reads():
    x = mg.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    y = mg.Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    with autocast():
        h, g = x @ y, y @ x  # float16 HalfArrays of shapes (2, 2) and (3, 3)
        with pytest.raises(
            ValueError, match=r"\+: shapes \(2, 2\) and \(3, 3\) cannot be broadcast"
        ):
            h + g


def test_as_half_refuses_other_dtypes_with_a_message():
    with pytest.raises(TypeError, match="float16.*float32.*to_half"):
        as_half(np.ones(3, np.float32))


def test_autocast_keeps_float16_activations_and_gradients_as_half_arrays():
    """The fast path is on: the data flowing through an autocast step is HalfArrays."""
    mg.manual_seed(0)
    layer = mg.nn.Linear(8, 8, dtype=np.float32)
    x = mg.Tensor(np.random.default_rng(2).standard_normal((4, 8)).astype(np.float32))
    with autocast():
        h = layer(x)
        r = h.relu()
        loss = (r * r).mean()
    loss.backward()
    for node in (h, r):
        assert type(node.data) is HalfArray and type(node.grad) is HalfArray
    assert type(layer.weight.grad) is np.ndarray and layer.weight.grad.dtype == np.float32


def test_a_float16_gradient_given_to_backward_stays_a_half_array():
    """As a checkpoint's recomputation receives its output's gradient: the fast path stays on."""
    mg.manual_seed(0)
    layer = mg.nn.Linear(8, 8, dtype=np.float32)
    with autocast():
        h = layer(mg.Tensor(np.ones((4, 8), np.float32)))
        r = h.relu()
    r.backward(to_half(np.full(r.shape, 0.5, np.float32)))
    assert type(r.grad) is HalfArray and type(h.grad) is HalfArray
    assert_same_bits(h.grad, np.full(r.shape, 0.5, np.float16) * (np.asarray(r.data) > 0))


# ---- one rule per op ------------------------------------------------------------------------
def every_rule_class() -> list:
    """Every Function subclass the library defines (its modules imported first)."""
    skip = ("micrograd_nb.grade", "micrograd_nb.course")  # command-line programs
    for info in pkgutil.walk_packages(mg.__path__, "micrograd_nb."):
        if not info.name.startswith(skip) and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found, stack = [], [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found and sub.__module__.startswith("micrograd_nb."):
                found.append(sub)
                stack.append(sub)
    return found


RULES = ("backward", "partials", "jvp")


def test_no_class_writes_a_rule_its_operation_already_has():
    """A subclass of an op (a float16 or other variant) may change forward, never the rule."""
    restated = []
    for cls in every_rule_class():
        own = [rule for rule in RULES if rule in vars(cls)]
        inherited = [
            base.__name__
            for base in cls.__mro__[1:]
            if base not in (Function, Elementwise, Linear) and any(r in vars(base) for r in RULES)
        ]
        if own and inherited:
            restated.append(f"{cls.__module__}.{cls.__name__} restates {own} of {inherited}")
    assert not restated


def test_mixed_precision_defines_no_operation_but_the_cast():
    classes = {f"{c.__module__}.{c.__name__}" for c in every_rule_class()}
    precision = {c for c in classes if c.startswith(("micrograd_nb.amp", "micrograd_nb.arrays"))}
    assert precision == set()
    assert {c for c in classes if c.startswith("micrograd_nb.primitives.cast.")} == {
        "micrograd_nb.primitives.cast.Cast"
    }
