"""Mixed precision: Cast, autocast's dtype rules, float16 matmul, underflow, GradScaler sequences."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.amp import GradScaler, autocast, count_underflow
from micrograd_nb.arrays import floats, half
from micrograd_nb.arrays.half_array import HalfArray, as_half
from micrograd_nb.nn import functional as F
from micrograd_nb.primitives.cast import Cast

F16_TINY = 2.0**-24  # float16's smallest positive subnormal, ~6e-8


def tensor(shape, dtype=np.float32, requires_grad=False, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    data = (rng.standard_normal(shape) * scale).astype(dtype)
    return mg.Tensor(data, requires_grad=requires_grad)


# ---- Cast ---------------------------------------------------------------------------------------
def test_cast_forward_rounds_and_backward_returns_the_input_dtype():
    x = tensor((3, 4), np.float32, requires_grad=True)
    y = Cast.apply(x, dtype=np.float16)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y.data, x.data.astype(np.float16))
    (y * 3.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 3.0, np.float32))


def test_cast_is_differentiable_twice_and_matches_central_differences():
    x = tensor((5,), np.float64, requires_grad=True)
    f = lambda t: (Cast.apply(t, dtype=np.float32) ** 3).sum()  # noqa: E731
    (g,) = mg.grad(f(x), x, create_graph=True)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-6)
    (h,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(h, 6 * x.data, rtol=1e-6)


def test_widening_a_float16_array_is_exact_for_every_float16_bit_pattern():
    every = np.arange(2**16, dtype=np.uint16).view(np.float16).reshape(256, 256)
    for x in (every, every.T):
        widened = as_half(x).astype(np.float32)
        np.testing.assert_array_equal(widened, x.astype(np.float32))  # NaNs compare equal here
        assert widened.dtype == np.float32 and type(widened) is np.ndarray


def test_float16_matmul_rounds_once_from_a_float32_product():
    a, b = tensor((7, 5), np.float16).data, tensor((5, 3), np.float16, seed=1).data
    expected = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    out = as_half(a) @ as_half(b)
    assert out.dtype == np.float16 and isinstance(out, HalfArray)
    np.testing.assert_array_equal(out, expected)


# ---- autocast's dtype rules ---------------------------------------------------------------------
def test_matmul_runs_in_float16_with_float32_master_weights():
    W = tensor((4, 3), requires_grad=True)
    b = tensor((3,), requires_grad=True, seed=2)
    x = tensor((5, 4), seed=3)
    with autocast():
        h = x @ W
        assert h.dtype == np.float16 and h.op == "@" and isinstance(h.data, HalfArray)
        assert [p.dtype for p in h.parents] == [np.float16, np.float16]
        z = h + b  # the float32 bias is cast to float16, as autocast's linear casts its bias
        assert z.dtype == np.float16 and z.parents[1].op == "cast"
        other = h + mg.Tensor(np.ones(3, np.float32))  # not a parameter: NumPy promotion
        assert other.dtype == np.float32
        loss = F.cross_entropy(z, np.array([0, 1, 2, 0, 1]))
    loss.backward()
    assert W.dtype == W.grad.dtype == np.float32
    assert b.grad.dtype == np.float32
    # the float16 gradient is close to the float64 one (float16 has ~3 significant digits)
    W64 = mg.Tensor(W.data.astype(np.float64), requires_grad=True)
    b64 = mg.Tensor(b.data.astype(np.float64), requires_grad=True)
    ref = F.cross_entropy(
        mg.Tensor(x.data.astype(np.float64)) @ W64 + b64, np.array([0, 1, 2, 0, 1])
    )
    ref.backward()
    np.testing.assert_allclose(W.grad, W64.grad, rtol=2e-2, atol=2e-3)
    np.testing.assert_allclose(b.grad, b64.grad, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize(
    "op",
    [
        lambda h: h.exp(),
        lambda h: (h * h + 1.0).log(),
        lambda h: (h * h).sqrt(),
        lambda h: h**2,
        lambda h: h.sum(axis=0),
        lambda h: h.mean(),
        lambda h: F.log_softmax(h, axis=1),
        lambda h: F.cross_entropy(h, np.array([0, 1, 2, 0, 1])),
        lambda h: F.mse_loss(h, np.zeros(h.shape, np.float32)),
    ],
    ids=["exp", "log", "sqrt", "pow", "sum", "mean", "log_softmax", "cross_entropy", "mse"],
)
def test_sensitive_ops_run_in_float32(op):
    x, W = tensor((5, 4)), tensor((4, 3), requires_grad=True, seed=1)
    with autocast():
        h = x @ W
        assert h.dtype == np.float16
        assert op(h).dtype == np.float32


def test_other_ops_keep_float16_and_outside_the_block_nothing_changes():
    x, W = tensor((5, 4)), tensor((4, 3), requires_grad=True, seed=1)
    with autocast():
        h = x @ W
        assert h.relu().dtype == np.float16
        assert (h * 2.0).dtype == np.float16
        assert h.T.dtype == np.float16
    assert (x @ W).dtype == np.float32 and (x @ W).op == "@"


def test_enabled_false_nesting_and_decorator():
    x, W = tensor((2, 4)), tensor((4, 3), seed=1)
    with autocast():
        with autocast(enabled=False):
            assert (x @ W).dtype == np.float32
            assert not mg.amp.is_autocast_enabled()
        assert (x @ W).dtype == np.float16
        assert mg.amp.get_autocast_dtype() == np.float16
    assert not mg.amp.is_autocast_enabled()

    @autocast()
    def f(a, b):
        return a @ b

    assert f(x, W).dtype == np.float16
    assert (x @ W).dtype == np.float32


def test_autocast_rejects_a_wide_dtype():
    with pytest.raises(ValueError, match="low-precision"):
        autocast(dtype=np.float32)


@pytest.mark.parametrize("shapes", [((4,), (4, 3)), ((5, 4), (4,)), ((2, 5, 4), (4, 3))])
def test_half_matmul_gradients_for_1d_and_batched_operands(shapes):
    a = tensor(shapes[0], requires_grad=True)
    b = tensor(shapes[1], requires_grad=True, seed=1)
    with autocast():
        out = a @ b
    assert out.dtype == np.float16
    out.sum().backward()
    a64 = mg.Tensor(a.data.astype(np.float64), requires_grad=True)
    b64 = mg.Tensor(b.data.astype(np.float64), requires_grad=True)
    (a64 @ b64).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(a.grad, a64.grad, rtol=1e-2, atol=1e-2)
    np.testing.assert_allclose(b.grad, b64.grad, rtol=1e-2, atol=1e-2)


def test_second_order_through_autocast_matmul():
    x = tensor((3, 4), requires_grad=True)
    W = tensor((4, 2), seed=1)
    with autocast():
        y = ((x @ W) ** 2).sum()  # d²y/dx² v = 2 (v W) Wᵀ
        (g,) = mg.grad(y, x, create_graph=True)
        v = np.ones((3, 4), np.float32)
        (hv,) = mg.grad((g * mg.Tensor(v)).sum(), x)
    expected = 2 * (v @ W.data) @ W.data.T
    np.testing.assert_allclose(hv, expected, rtol=1e-2, atol=1e-2)


# ---- underflow: the problem loss scaling solves ------------------------------------------------
def _tiny_gradient_graph(scale: float):
    """h = x @ W in float16; loss = Σ c ⊙ h with c spread over 1e-12 .. 1e-2 (dL/dh = c)."""
    x, W = tensor((16, 8)), tensor((8, 32), requires_grad=True, seed=1)
    c = np.logspace(-12, -2, 16 * 32).reshape(16, 32).astype(np.float32)
    with autocast():
        h = x @ W
        loss = (h * mg.Tensor(c)).sum()
    (loss * scale).backward()
    return h, W, c


def test_small_gradients_flush_to_zero_in_float16_without_scaling():
    h, W, c = _tiny_gradient_graph(scale=1.0)
    assert h.grad.dtype == np.float16
    # every upstream gradient below half the smallest subnormal rounds to exactly zero
    expected_zeros = int(np.count_nonzero(c < F16_TINY / 2))
    assert expected_zeros > 100
    assert int(np.count_nonzero(h.grad == 0)) == expected_zeros
    assert count_underflow(c) == expected_zeros


def test_loss_scaling_keeps_them():
    h, W, c = _tiny_gradient_graph(scale=2.0**16)
    assert int(np.count_nonzero(h.grad == 0)) == int(np.count_nonzero(c * 2.0**16 < F16_TINY / 2))
    assert (
        int(np.count_nonzero(c * 2.0**16 < F16_TINY / 2))
        < int(np.count_nonzero(c < F16_TINY / 2)) // 2
    )
    unscaled = h.grad.astype(np.float32) / 2.0**16
    big = c > 1e-6  # comfortably inside float16's normal range after scaling
    np.testing.assert_allclose(unscaled[big], c[big], rtol=1e-3)


# ---- GradScaler -----------------------------------------------------------------------------------
class StandIn:
    """The smallest optimizer with PyTorch's protocol: param_groups and step()."""

    def __init__(self, params, lr=0.1):
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.steps = 0

    def step(self):
        self.steps += 1
        for p in self.param_groups[0]["params"]:
            p.data = p.data - self.param_groups[0]["lr"] * p.grad


def _set_grads(params, value):
    for p in params:
        p.grad = np.full(p.shape, value, np.float32)


def test_scale_multiplies_the_loss_and_unscale_divides_the_gradients_exactly():
    w = tensor((3,), requires_grad=True)
    scaler = GradScaler(init_scale=1024.0)
    loss = (w * w).sum()
    scaled = scaler.scale(loss)
    assert scaled.item() == pytest.approx(loss.item() * 1024)
    scaled.backward()
    opt = StandIn([w])
    scaler.unscale_(opt)
    np.testing.assert_array_equal(w.grad, 2 * w.data)  # power-of-two scale: exact
    assert w.grad.dtype == np.float32


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("where", [0, 77, -1])
def test_one_non_finite_gradient_among_many_finite_ones_is_found(bad, where):
    w, v = tensor((10, 10), requires_grad=True), tensor((3,), requires_grad=True)
    _set_grads([w, v], 1.0)
    w.grad.reshape(-1)[where] = bad
    scaler = GradScaler(init_scale=4.0)
    assert scaler.step(StandIn([v, w])) is None
    assert scaler.skipped_steps == 1
    np.testing.assert_array_equal(v.grad, 0.25)  # every gradient is still unscaled


@pytest.mark.parametrize("optimizer", ["stand-in", "sgd"])
def test_inf_skips_the_step_and_backs_off(optimizer):
    w = tensor((4,), requires_grad=True)
    opt = StandIn([w]) if optimizer == "stand-in" else mg.optim.SGD([w], lr=0.1)
    scaler = GradScaler(init_scale=2.0**16)
    before = w.data.copy()
    _set_grads([w], np.inf)
    assert scaler.step(opt) is None
    scaler.update()
    np.testing.assert_array_equal(w.data, before)  # skipped
    assert scaler.get_scale() == 2.0**15
    assert scaler.skipped_steps == 1
    _set_grads([w], np.nan)
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 2.0**14
    np.testing.assert_array_equal(w.data, before)
    _set_grads([w], 2.0**14)  # finite: unscaled to 1, one step of lr 0.1
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(w.data, before - 0.1, rtol=1e-6)
    assert scaler.get_scale() == 2.0**14


def test_growth_after_growth_interval_good_steps_and_reset_by_inf():
    w = tensor((2,), requires_grad=True)
    opt = StandIn([w], lr=0.0)
    scaler = GradScaler(init_scale=8.0, growth_interval=3)
    history = []
    for value in [1, 1, 1, 1, 1, np.inf, 1, 1, 1]:
        _set_grads([w], value)
        scaler.step(opt)
        scaler.update()
        history.append(scaler.get_scale())
    assert history == [8, 8, 16, 16, 16, 8, 8, 8, 16]
    assert opt.steps == 8


def test_static_scale_never_changes_but_still_skips():
    w = tensor((2,), requires_grad=True)
    opt = StandIn([w])
    scaler = GradScaler(init_scale=128.0, growth_interval=1, dynamic=False)
    for value in [1.0, np.inf, 1.0]:
        _set_grads([w], value)
        scaler.step(opt)
        scaler.update()
        assert scaler.get_scale() == 128.0
    assert opt.steps == 2 and scaler.skipped_steps == 1


def test_call_order_errors():
    w = tensor((2,), requires_grad=True)
    opt = StandIn([w])
    scaler = GradScaler()
    with pytest.raises(RuntimeError, match="no inf/NaN check"):
        scaler.update()
    _set_grads([w], 1.0)
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already called"):
        scaler.unscale_(opt)
    scaler.step(opt)  # uses the earlier unscale_, does not divide twice
    with pytest.raises(RuntimeError, match="already called"):
        scaler.step(opt)
    scaler.update()
    with pytest.raises(TypeError, match="param_groups"):
        scaler.unscale_(object())
    with pytest.raises(ValueError):
        GradScaler(backoff_factor=2.0)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unscale_in_one_pass_gives_numpys_product_and_finds_every_inf_and_nan(order, dtype):
    rng = np.random.default_rng(3)
    grads = [np.asarray(rng.standard_normal((33, 17)) * 1e4, dtype=dtype, order=order)]
    for bad in (np.inf, -np.inf, np.nan, -np.nan):
        g = grads[0].copy(order=order)
        g.reshape(-1, order="A")[rng.integers(g.size)] = bad
        grads.append(g)
    subnormal = np.finfo(np.float32).smallest_normal / 8
    grads.append(np.full((5, 3), subnormal, dtype=dtype, order=order))
    for grad in grads:
        product, finite = floats.unscaled(grad, 1 / 3.0)  # not a power of two: rounds
        previous = half.use_compiled(False)
        try:
            expected, expected_finite = floats.unscaled(grad, 1 / 3.0)
        finally:
            half.use_compiled(previous)
        assert finite == expected_finite == bool(np.isfinite(grad).all())
        np.testing.assert_array_equal(
            product.view(f"u{grad.itemsize}"), expected.view(f"u{grad.itemsize}")
        )
        assert product.dtype == grad.dtype and product.flags.f_contiguous == grad.flags.f_contiguous


def test_unscale_before_step_divides_once():
    w = tensor((2,), requires_grad=True)
    opt = StandIn([w], lr=1.0)
    scaler = GradScaler(init_scale=4.0)
    before = w.data.copy()
    _set_grads([w], 4.0)
    scaler.unscale_(opt)
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])
    scaler.step(opt)
    np.testing.assert_allclose(w.data, before - 1.0)


def test_disabled_scaler_is_a_pass_through():
    w = tensor((2,), requires_grad=True)
    opt = StandIn([w])
    scaler = GradScaler(enabled=False)
    loss = (w * w).sum()
    assert scaler.scale(loss) is loss
    assert scaler.get_scale() == 1.0
    _set_grads([w], np.inf)
    scaler.step(opt)
    scaler.update()
    assert opt.steps == 1


def test_state_dict_round_trip():
    scaler = GradScaler(init_scale=64.0, growth_interval=5)
    other = GradScaler()
    other.load_state_dict(scaler.state_dict())
    assert other.get_scale() == 64.0 and other.state_dict() == scaler.state_dict()


def test_overflowing_loss_is_caught_then_training_proceeds():
    """A float16 forward whose scaled gradients overflow: steps are skipped until S is small enough."""
    mg.manual_seed(0)
    model = mg.nn.Linear(8, 8, dtype=np.float32)
    opt = mg.optim.SGD(model.parameters(), lr=1e-3)
    x = tensor((16, 8), scale=30.0)
    scaler = GradScaler(init_scale=2.0**16)
    skipped = []
    for _ in range(12):
        opt.zero_grad()
        with autocast():
            out = model(x)
            loss = (out**2).mean()  # dL/dout = 2·out/n ~ 1, times 2**16 overflows float16
        with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point here
            scaler.scale(loss).backward()
        before = model.weight.data.copy()
        scaler.step(opt)
        scaler.update()
        skipped.append(np.array_equal(before, model.weight.data))
        if not skipped[-1]:
            assert np.isfinite(model.weight.data).all()
    assert skipped[0] and not skipped[-1]
    first_good = skipped.index(False)
    assert all(skipped[:first_good]) and not any(skipped[first_good:])
    assert scaler.get_scale() == 2.0**16 * 0.5**first_good
    # at the first accepted scale the largest scaled gradient fits into float16 (< 65504)
    assert scaler.skipped_steps == first_good
