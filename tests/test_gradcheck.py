"""Tests of micrograd_nb.gradcheck: numerical gradients, gradcheck messages, gradgradcheck."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_nb as mg
from micrograd_nb.gradcheck import default_eps, numerical_jacobian


# ---- custom Functions used below ------------------------------------------------------------
class Square(mg.Function):
    """x²; a correct rule, differentiable again because it uses the saved input."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


# The wrong rules below keep Square's forward and replace only its backward.
class HalfSquare(Square):
    """x² with a backward missing the factor 2."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return x * grad


class OuterSquare(Square):
    """x² whose backward returns an (n, n) outer product instead of an (n,) gradient."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return np.outer(grad, 2 * x)


class TruncatedSquare(Square):
    """x² whose backward returns too few elements (the engine cannot even fit it)."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return (2 * x * grad)[:-1]


class FrozenSquare(mg.Function):
    """x² whose backward uses a raw constant 2x: right first derivative, wrong second."""

    @staticmethod
    def forward(ctx, x):
        ctx.two_x = 2 * x
        return x * x

    @staticmethod
    def backward(ctx, grad):
        return ctx.two_x * grad


def rand(*shape, seed=0, dtype=np.float64):
    return mg.Tensor(
        np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=True
    )


# ---- numerical_grad --------------------------------------------------------------------------
def test_numerical_grad_value_curriculum_example():
    x, y, w = mg.Value(2.0), mg.Value(3.0), mg.Value(4.0)
    gx, gy, gw = mg.numerical_grad(lambda x, y, w: ((x + y) * w) ** 2, [x, y, w])
    assert isinstance(gx, float)
    assert gx == pytest.approx(160.0, rel=1e-8)
    assert gy == pytest.approx(160.0, rel=1e-8)
    assert gw == pytest.approx(200.0, rel=1e-8)


def test_numerical_grad_tensor_pytorch_example():
    W, x = mg.Tensor([[3.0]], requires_grad=True), mg.Tensor([2.0], requires_grad=True)
    gW, gx = mg.numerical_grad(lambda W, x: ((W @ x) ** 2).sum(), [W, x])
    assert gW.shape == (1, 1) and gx.shape == (1,)
    np.testing.assert_allclose(gW, [[24.0]], rtol=1e-8)
    np.testing.assert_allclose(gx, [36.0], rtol=1e-8)


def test_numerical_grad_matches_grad_with_grad_outputs():
    W, v = rand(3, 2), rand(2, seed=1)
    go = np.array([1.0, -2.0, 0.5])
    numerical = mg.numerical_grad(lambda W, v: (W @ v).tanh(), [W, v], grad_outputs=go)
    analytical = mg.grad((W @ v).tanh(), [W, v], grad_outputs=go)
    for n, a in zip(numerical, analytical):
        np.testing.assert_allclose(n, a, rtol=1e-6, atol=1e-9)


def test_numerical_grad_on_plain_numbers_and_arrays():
    (g,) = mg.numerical_grad(lambda x: x**3, [2.0])
    assert g == pytest.approx(12.0, rel=1e-8)
    a = np.array([1.0, -2.0, 3.0])
    (g,) = mg.numerical_grad(lambda x: np.sum(np.sin(x)), [a])
    np.testing.assert_allclose(g, np.cos(a), rtol=1e-8)


def test_numerical_grad_single_input_not_in_a_list():
    (g,) = mg.numerical_grad(lambda x: x * x, mg.Value(3.0))
    assert g == pytest.approx(6.0, rel=1e-8)


def test_numerical_grad_non_scalar_output_needs_grad_outputs():
    with pytest.raises(ValueError, match="grad_outputs"):
        mg.numerical_grad(lambda x: x * 2, [rand(3)])


def test_numerical_grad_constant_inputs_get_zero():
    x, c = rand(2), mg.Tensor([1.0, 2.0])
    gx, gc = mg.numerical_grad(lambda x, c: (x * c).sum(), [x, c])
    np.testing.assert_allclose(gx, [1.0, 2.0], rtol=1e-8)
    np.testing.assert_array_equal(gc, [0.0, 0.0])


def test_numerical_grad_does_not_change_inputs():
    x = rand(4)
    before = x.data.copy()
    mg.numerical_grad(lambda x: (x**2).sum(), [x])
    np.testing.assert_array_equal(x.data, before)
    assert x.grad is None


def test_numerical_jacobian_shape_and_values():
    x = rand(3)
    (jac,) = numerical_jacobian(lambda x: x.tanh(), [x])[0:1]
    assert jac[0].shape == (3, 3)
    np.testing.assert_allclose(jac[0], np.diag(1 - np.tanh(x.data) ** 2), atol=1e-9)


def test_default_eps_is_cube_root_of_machine_eps():
    assert default_eps(np.float64) == pytest.approx(6.055e-6, rel=1e-3)
    assert default_eps(np.float32) == pytest.approx(4.92e-3, rel=1e-2)
    assert default_eps(np.float16) == pytest.approx(0.0992, rel=1e-2)


def test_float32_input_is_perturbed_with_float32_eps():
    x = mg.Tensor([0.5, 1.5], dtype=np.float32, requires_grad=True)
    (g,) = mg.numerical_grad(lambda x: (x**2).sum(), [x])
    np.testing.assert_allclose(g, [1.0, 3.0], rtol=1e-3)


def test_numerical_grad_float64_oracle_for_float32_inputs():
    x = mg.Tensor([0.3, -1.2, 2.0], dtype=np.float32, requires_grad=True)
    (g32,) = mg.numerical_grad(lambda x: (x.tanh() * x).sum(), [x])
    (g64,) = mg.numerical_grad(lambda x: (x.tanh() * x).sum(), [x], dtype=np.float64)
    exact = np.tanh(x.data.astype(np.float64)) + x.data * (
        1 - np.tanh(x.data.astype(np.float64)) ** 2
    )
    np.testing.assert_allclose(g64, exact, rtol=1e-9)
    assert np.max(np.abs(g32 - exact)) > 10 * np.max(np.abs(g64 - exact))
    assert x.dtype == np.float32  # the input itself is untouched


# ---- gradcheck passes on correct gradients ---------------------------------------------------
@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda a, b: (a * b + a / (b * b + 1)).sum(), [(3, 2), (2,)]),  # broadcasting
        (lambda a: a.tanh().sigmoid() * a.exp(), [(4,)]),
        (lambda W, x: W @ x, [(3, 2), (2, 4)]),
        (lambda a: a.sum(axis=0) ** 2, [(3, 2)]),
        (lambda a: (a.reshape(6).T * 2).mean(), [(2, 3)]),
    ],
)
def test_gradcheck_passes_for_tensor_ops(fn, shapes):
    inputs = [rand(*s, seed=k) for k, s in enumerate(shapes)]
    assert mg.gradcheck(fn, inputs) is True
    assert mg.gradcheck(fn, inputs, fast_mode=True) is True


def test_gradcheck_passes_for_values_and_multiple_outputs():
    x, y = mg.Value(0.7), mg.Value(-1.3)
    assert mg.gradcheck(lambda x, y: (x * y + x.tanh(), (y**3).sigmoid()), [x, y])


def test_gradcheck_passes_for_correct_custom_function():
    assert mg.gradcheck(lambda x: Square.apply(x), [rand(3)])
    assert mg.gradcheck(lambda x: Square.apply(x), [mg.Value(1.5)])


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires grad"):
        mg.gradcheck(lambda x: x * 2, [mg.Tensor([1.0])])


# ---- gradcheck failure messages --------------------------------------------------------------
def test_failure_message_names_input_output_values_and_error():
    x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True, label="x")
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: HalfSquare.apply(x), [x])
    err = info.value
    text = str(err)
    assert "input 0 'x'" in text and "output 0" in text
    assert "numerical" in text and "analytical" in text
    # The worst violation of |a-n| <= atol + rtol|n| is at x=3: numerical 6, analytical 3.
    assert err.index == ((2,), (2,))
    assert err.numerical == pytest.approx(6.0, rel=1e-6)
    assert err.analytical == pytest.approx(3.0)
    assert err.relative_error == pytest.approx(0.5, rel=1e-6)
    assert "index (2,)" in text and "relative error |a-n|/max(|a|,|n|) = 0.5" in text
    assert err.input_index == 0 and err.output_index == 0


def test_failure_names_the_second_input():
    a, b = mg.Value(2.0, label="a"), mg.Value(3.0, label="b")
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda a, b: a + HalfSquare.apply(b), [a, b])
    assert info.value.input_index == 1
    assert "input 1 'b'" in str(info.value)
    assert info.value.numerical == pytest.approx(6.0, rel=1e-6)


def test_raise_exception_false_returns_false():
    assert mg.gradcheck(lambda x: HalfSquare.apply(x), [rand(2)], raise_exception=False) is False


def test_fast_mode_detects_and_locates_the_error():
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: HalfSquare.apply(x), [rand(5)], fast_mode=True)
    assert "fast mode" in str(info.value)
    assert info.value.index is not None


def test_relu_kink_hint():
    x = mg.Tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: x.relu(), [x])
    assert info.value.numerical == pytest.approx(0.5)
    assert any(h.startswith("kink: relu") for h in info.value.hints)


def test_abs_kink_hint_on_value():
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: abs(x) * 3, [mg.Value(1e-7)])
    assert any("abs" in h for h in info.value.hints)


def test_max_tie_hint():
    x = mg.Tensor([2.0, 2.0 + 1e-7, -1.0], requires_grad=True)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: x.max(), [x])
    assert any(h.startswith("kink: max") for h in info.value.hints)


def test_kink_found_by_one_sided_slopes_in_custom_function():
    class Step(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mask = (x > 0).astype(x.dtype)
            return x * ctx.mask

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.mask

    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: Step.apply(x), [mg.Tensor([0.0], requires_grad=True)])
    assert any("not differentiable" in h for h in info.value.hints)


def test_float32_hint():
    x = rand(3, dtype=np.float32)
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: (x.tanh() * x).sum(), [x], atol=1e-9, rtol=1e-9)
    assert any("float32" in h and "float64" in h for h in info.value.hints)
    assert "eps=0.00492" in str(info.value)


def test_float32_passes_with_default_tolerances():
    x = rand(3, dtype=np.float32)
    assert mg.gradcheck(lambda x: (x.tanh() * x).sum(), [x], atol=1e-4, rtol=1e-2)


def test_wrong_shape_hint_for_gradient_summed_by_the_engine():
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: OuterSquare.apply(x), [rand(3)])
    hints = " ".join(info.value.hints)
    assert "shape (3, 3)" in hints and "outersquare" in hints


def test_wrong_shape_gradient_that_breaks_backward():
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda x: TruncatedSquare.apply(x), [rand(3)])
    assert "shape (2,)" in " ".join(info.value.hints)


# ---- gradgradcheck ---------------------------------------------------------------------------
def test_gradgradcheck_passes():
    assert mg.gradgradcheck(lambda W, x: (W @ x).tanh(), [rand(3, 2), rand(2, seed=1)])
    assert mg.gradgradcheck(lambda x, y: x * y.sigmoid() + x**3, [mg.Value(0.4), mg.Value(1.1)])
    assert mg.gradgradcheck(lambda x: Square.apply(x), [rand(3)])


def test_gradgradcheck_catches_a_non_differentiable_backward():
    x = rand(3)
    assert mg.gradcheck(lambda x: FrozenSquare.apply(x), [x])  # first order is right
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradgradcheck(lambda x: FrozenSquare.apply(x), [x])
    # d/dx of the frozen 2x·v is 0 in the rule but 2v in truth.
    assert info.value.input_index == 0
    assert info.value.analytical == 0.0 and abs(info.value.numerical) > 1e-3


# ---- property: numerical and analytical gradients agree on smooth random functions ----------
@settings(deadline=None, max_examples=15)
@given(
    st.lists(st.floats(-2, 2), min_size=2, max_size=6),
    st.floats(0.1, 3),
)
def test_numerical_grad_agrees_with_backprop_property(values, scale):
    x = mg.Tensor(np.array(values), requires_grad=True)

    def fn(x):
        return ((x * scale).tanh() * x.exp() + (x * x).sigmoid()).sum()

    (numerical,) = mg.numerical_grad(fn, [x])
    (analytical,) = mg.grad(fn(x), [x])
    np.testing.assert_allclose(numerical, analytical, rtol=1e-6, atol=1e-8)
    assert mg.gradcheck(fn, [x])
