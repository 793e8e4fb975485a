"""Tensor behaviour beyond the derivative catalogue: dtypes, in-place detection, error messages,
indexing, tie rules, matmul shapes, stability at extreme logits and the curriculum's numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.nn import functional as F


def leaf(values, dtype=np.float64) -> mg.Tensor:
    return mg.Tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---- dtypes ---------------------------------------------------------------------------------------
def test_python_floats_give_float64_and_float32_stays_float32():
    assert mg.Tensor(2.0).dtype == np.float64
    assert mg.Tensor([1.0, 2.0]).dtype == np.float64
    x = leaf([1.0, 2.0], np.float32)
    y = (x * 2.0 + 1 - x / 3.0) ** 2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and y.grad.dtype == np.float32


def test_mixed_precision_operands_promote_but_each_gradient_keeps_its_dtype():
    a, b = leaf([1.0, 2.0], np.float32), leaf([3.0, 4.0], np.float64)
    out = (a * b).sum()
    assert out.dtype == np.float64
    out.backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [3.0, 4.0])


def test_integer_tensors_are_constants():
    with pytest.raises(TypeError, match="floating-point"):
        mg.Tensor([1, 2], requires_grad=True)
    ints = mg.Tensor([1, 2, 3])
    assert ints.dtype.kind == "i" and not (ints * 2).requires_grad
    x = leaf([0.5, 1.5, 2.5])
    (x * ints).sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="does not require grad"):
        mg.grad((x * ints).sum(), [x, ints])


# ---- in-place mutation is detected at backward ----------------------------------------------------
def test_augmented_assignment_to_data_is_detected():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()  # * saves x
    x.data += 1
    with pytest.raises(mg.InplaceModificationError, match=r"\*: input 0 .*modified in place"):
        y.backward()


def test_setitem_is_detected():
    x = leaf([1.0, 2.0, 3.0])
    y = (x @ x) * 1.0
    x[0] = 5
    with pytest.raises(mg.InplaceModificationError, match="version 0 -> 1"):
        y.backward()


def test_replacing_data_is_detected():
    x = leaf([[1.0, 2.0]])
    y = x.tanh().sum() + (x * 2.0).sum() + x.var()
    x.data = np.zeros((1, 2))
    with pytest.raises(mg.InplaceModificationError):
        y.backward()


def test_changing_a_saved_output_is_detected():
    x = leaf([0.5, 1.0])
    y = x.exp()  # exp saves its output
    z = y.sum()
    y.data += 1
    with pytest.raises(mg.InplaceModificationError, match="exp: its output"):
        z.backward()


def test_changing_an_input_that_was_not_saved_is_harmless():
    x = leaf([1.0, 2.0])
    y = (x + 1.0).sum()  # + needs nothing from x for its gradient
    x.data += 10
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_a_change_after_earlier_changes_is_detected_with_both_versions():
    w = mg.nn.Parameter(np.array([1.0, 2.0]))
    w.data -= 0.1  # an optimizer step before the forward pass: version 1
    y = (leaf([3.0, 4.0]) * w).sum()
    w.data -= 0.1
    with pytest.raises(mg.InplaceModificationError, match=r"\*: input 1 .*version 1 -> 2"):
        y.backward()


def test_an_input_saved_by_a_one_input_op_is_watched():
    x = leaf([1.0, 2.0])
    y = x.log().sum()  # log saves its input
    x.data += 1
    with pytest.raises(mg.InplaceModificationError, match="log: input 0"):
        y.backward()
    z = x.tanh().sum()  # tanh saves its output, not x
    x.data += 1
    z.backward()
    np.testing.assert_allclose(x.grad, 1 - np.tanh(x.data - 1) ** 2)


def test_setitem_on_a_computed_tensor_is_refused():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(RuntimeError, match="setitem.*mg.where"):
        y[0] = 1.0


# ---- error messages name the op and the shapes ----------------------------------------------------
@pytest.mark.parametrize(
    "make, error, pattern",
    [
        (
            lambda: mg.Tensor(np.ones((3, 4))) @ mg.Tensor(np.ones((3, 4))),
            ValueError,
            r"matmul: \(3, 4\) @ \(3, 4\): inner dimensions 4 and 3 differ",
        ),
        (
            lambda: mg.Tensor(np.ones((2, 3, 4))) @ mg.Tensor(np.ones((5, 4, 2))),
            ValueError,
            r"matmul: .*batch dimensions \(2,\) and \(5,\)",
        ),
        (
            lambda: mg.Tensor(np.ones((3, 4))) + mg.Tensor(np.ones((2, 4))),
            ValueError,
            r"\+: shapes \(3, 4\) and \(2, 4\) cannot be broadcast",
        ),
        (
            lambda: mg.maximum(mg.Tensor(np.ones(3)), np.ones(2)),
            ValueError,
            r"maximum: shapes \(3,\) and \(2,\)",
        ),
        (
            lambda: mg.concatenate([mg.Tensor(np.ones((2, 3))), mg.Tensor(np.ones((2, 4)))]),
            ValueError,
            r"concatenate: input 0 has shape \(2, 3\) but input 1 has shape \(2, 4\).*axis 0",
        ),
        (
            lambda: mg.stack([mg.Tensor(np.ones(3)), mg.Tensor(np.ones(4))]),
            ValueError,
            r"stack: input 0 has shape \(3,\) but input 1 has shape \(4,\)",
        ),
        (
            lambda: mg.Tensor(np.ones((2, 3))).squeeze(1),
            ValueError,
            r"squeeze: axis 1 of shape \(2, 3\) has size 3, not 1",
        ),
        (
            lambda: mg.Tensor(np.ones((2, 3))).reshape(4, 2),
            ValueError,
            r"reshape: cannot reshape \(2, 3\) \(6 elements\) into \(4, 2\)",
        ),
        (
            lambda: mg.split(mg.Tensor(np.ones(5)), 2),
            ValueError,
            r"split: .*length 5.* 2 equal parts",
        ),
        (
            lambda: mg.where(np.array([1, 0]), mg.Tensor([1.0, 2.0]), 0.0),
            TypeError,
            "where: the condition must be a boolean array",
        ),
        (
            lambda: mg.Tensor(np.ones(3))[5],
            IndexError,
            r"getitem: index 5 on shape \(3,\)",
        ),
        (
            lambda: mg.Tensor(np.ones(3)).var(ddof=3),
            ValueError,
            "var: 3 element.* ddof=3",
        ),
        (
            lambda: F.cross_entropy(mg.Tensor(np.zeros((2, 3))), [0, 3]),
            ValueError,
            r"cross_entropy: target classes must lie in 0..2",
        ),
        (
            lambda: F.mse_loss(mg.Tensor(np.zeros((4, 1))), np.zeros(4)),
            ValueError,
            r"mse_loss: input shape \(4, 1\) and target shape \(4,\) differ",
        ),
        (
            lambda: mg.Tensor(np.ones((2, 2))).sum(axis=2),
            ValueError,
            "axis 2 is out of range",
        ),
        (
            lambda: mg.Tensor(np.ones(3)).broadcast_to((2, 4)),
            ValueError,
            r"broadcast_to: cannot broadcast shape \(3,\) to \(2, 4\)",
        ),
    ],
)
def test_error_messages(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


def test_backward_needs_a_scalar_or_a_grad():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(2,\), not a single number"):
        y.backward()
    y.backward(np.array([1.0, 10.0]))


# ---- indexing --------------------------------------------------------------------------------------
def test_indexing_with_ints_slices_arrays_and_masks():
    x = leaf(np.arange(12.0).reshape(3, 4))
    parts = [x[1], x[:, 1:3], x[-1, ::2], x[np.array([0, 2])], x[x.data > 8], x[mg.Tensor([2, 0])]]
    expected = [
        x.data[1],
        x.data[:, 1:3],
        x.data[-1, ::2],
        x.data[[0, 2]],
        x.data[x.data > 8],
        x.data[[2, 0]],
    ]
    for part, want in zip(parts, expected):
        np.testing.assert_array_equal(part.data, want)
    sum(p.sum() for p in parts).backward()
    grad = np.zeros((3, 4))
    grad[1] += 1
    grad[:, 1:3] += 1
    grad[-1, ::2] += 1
    grad[[0, 2]] += 1
    grad[x.data > 8] += 1
    grad[[2, 0]] += 1
    np.testing.assert_array_equal(x.grad, grad)


def test_repeated_indices_accumulate():
    x = leaf([10.0, 20.0, 30.0])
    x[[0, 0, 0, 2]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])
    w = leaf(np.zeros((4, 2)))  # an embedding lookup: rows used twice get two gradients
    (w[np.array([[1, 3], [1, 1]])] * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [[0, 0], [6, 6], [0, 0], [2, 2]])


# ---- tie rules and boundaries ------------------------------------------------------------------------
def test_max_splits_the_gradient_evenly_among_ties():
    x = leaf([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5, 0.0])
    m = leaf([[5.0, 5.0, 5.0], [1.0, 2.0, 0.0]])
    m.min(axis=1).sum().backward()
    np.testing.assert_allclose(m.grad, [[1 / 3, 1 / 3, 1 / 3], [0, 0, 1]])


def test_maximum_and_minimum_ties_give_half_to_each_input():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 0.0])
    (mg.maximum(a, b) * 1.0).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])
    a.grad = b.grad = None
    mg.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1.0, 0.0])


def test_clip_gradient_is_one_inside_and_on_the_boundary():
    x = leaf([-2.0, -1.0, 0.0, 1.0, 2.0])
    y = x.clip(-1.0, 1.0)
    np.testing.assert_array_equal(y.data, [-1, -1, 0, 1, 1])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 1, 1, 1, 0])


def test_where_routes_the_gradient_to_the_chosen_side():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([10.0])
    y = mg.where(a.data > 1.5, a, b)  # b broadcasts: its gradient is summed back
    np.testing.assert_array_equal(y.data, [10.0, 2.0, 3.0])
    (y * mg.Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 2.0, 3.0])
    np.testing.assert_array_equal(b.grad, [1.0])


def test_std_of_equal_elements_has_zero_gradient():
    x = leaf([2.0, 2.0, 2.0])
    x.std().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_var_and_std_match_numpy_with_ddof():
    data = np.random.default_rng(1).standard_normal((3, 4))
    x = mg.Tensor(data)
    for kwargs in ({}, {"axis": 0, "ddof": 1}, {"axis": (0, 1), "keepdims": True}):
        np.testing.assert_allclose(x.var(**kwargs).data, np.var(data, **kwargs))
        np.testing.assert_allclose(x.std(**kwargs).data, np.std(data, **kwargs))


# ---- matmul shapes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 1, 2, 3), (5, 3, 4))],
)
def test_matmul_shapes_and_gradient_shapes(a_shape, b_shape):
    rng = np.random.default_rng(0)
    a, b = leaf(rng.standard_normal(a_shape)), leaf(rng.standard_normal(b_shape))
    out = a @ b
    np.testing.assert_allclose(out.data, a.data @ b.data)
    out.sum().backward()
    assert a.grad.shape == a_shape and b.grad.shape == b_shape
    # broadcast batch axes are summed back: compare with central differences on the raw data
    numeric_a, numeric_b = mg.numerical_grad(lambda a_, b_: np.sum(a_ @ b_), [a.data, b.data])
    np.testing.assert_allclose(a.grad, numeric_a, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad, numeric_b, rtol=1e-6, atol=1e-8)


# ---- shape helpers agree with NumPy -------------------------------------------------------------------
def test_split_concatenate_stack_agree_with_numpy():
    data = np.arange(24.0).reshape(2, 6, 2)
    x = leaf(data)
    for spec in (3, [1, 4], [0, 6]):
        pieces = mg.split(x, spec, axis=1)
        for piece, want in zip(pieces, np.split(data, spec, axis=1)):
            np.testing.assert_array_equal(piece.data, want)
    pieces = x.split(2, axis=0)
    np.testing.assert_array_equal(mg.concatenate(pieces, axis=0).data, data)
    np.testing.assert_array_equal(mg.stack(pieces, axis=-1).data, np.stack(np.split(data, 2), -1))
    assert x.flatten().shape == (24,) and x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(0).shape == (1, 2, 6, 2) and x.expand_dims(-1).shape == (2, 6, 2, 1)
    assert x[:, :1].squeeze().shape == (2, 2)


def test_concatenate_gradient_goes_back_to_each_piece():
    a, b = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0], [5.0, 6.0]])
    y = mg.concatenate([a, b], axis=0)
    (y * mg.Tensor([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad, [[1.0, 1.0]])
    np.testing.assert_array_equal(b.grad, [[2.0, 2.0], [3.0, 3.0]])


# ---- activations and losses ----------------------------------------------------------------------------
def test_gelu_is_the_tanh_approximation_close_to_the_erf_form():
    xs = np.linspace(-6, 6, 241)
    tanh_form = mg.Tensor(xs).gelu().data
    c = math.sqrt(2 / math.pi)
    np.testing.assert_allclose(tanh_form, 0.5 * xs * (1 + np.tanh(c * (xs + 0.044715 * xs**3))))
    erf_form = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in xs])
    assert np.max(np.abs(tanh_form - erf_form)) < 1e-3


def test_softplus_elu_sigmoid_are_stable_at_extremes():
    x = leaf([-1000.0, 0.0, 1000.0])
    y = x.softplus()
    np.testing.assert_allclose(y.data, [0.0, math.log(2), 1000.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 1.0])
    x.grad = None
    e = x.elu()
    np.testing.assert_allclose(e.data, [-1.0, 0.0, 1000.0])
    e.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 1.0, 1.0])
    assert np.all(np.isfinite(x.sigmoid().data))


def test_log_softmax_and_cross_entropy_are_finite_at_logits_of_1000():
    z = leaf([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    log_p = F.log_softmax(z)
    np.testing.assert_allclose(log_p.data[0], [0.0, -2000.0, -1000.0])
    p = F.softmax(z, axis=1)
    np.testing.assert_allclose(p.data.sum(axis=1), [1.0, 1.0])
    loss = F.cross_entropy(z, [1, 2])
    assert loss.item() == pytest.approx(1000.0)  # (2000 + 0) / 2
    loss.backward()
    # z̄ = (p - onehot(y)) / N
    onehot = np.array([[0, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(z.grad, (p.data - onehot) / 2, atol=1e-12)


def test_cross_entropy_gradient_is_p_minus_onehot():
    rng = np.random.default_rng(3)
    z = leaf(rng.standard_normal((4, 5)))
    y = np.array([0, 4, 2, 2])
    F.cross_entropy(z, y).backward()
    p = np.exp(z.data) / np.exp(z.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(z.grad, (p - np.eye(5)[y]) / 4, atol=1e-12)
    # and it equals the unfused composite -mean(log_softmax[target])
    z2 = leaf(z.data)
    (-(F.log_softmax(z2)[np.arange(4), y]).mean()).backward()
    np.testing.assert_allclose(z2.grad, z.grad, atol=1e-12)


def test_binary_cross_entropy_with_logits_is_stable_and_correct():
    z = leaf([-1000.0, -1.0, 0.0, 2.0, 1000.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    s = 1 / (1 + np.exp(-z.data[1:4]))
    naive = -(t[1:4] * np.log(s) + (1 - t[1:4]) * np.log(1 - s))
    np.testing.assert_allclose(loss.data[1:4], naive)
    np.testing.assert_allclose(loss.data[[0, 4]], [1000.0, 1000.0])
    loss.mean().backward()
    sig = np.array([0.0, 1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-2)), 1.0])
    np.testing.assert_allclose(z.grad, (sig - t) / 5, atol=1e-15)


def test_mse_loss_reductions():
    x, t = leaf([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 1.0])
    assert F.mse_loss(x, t).item() == pytest.approx(13 / 3)
    assert F.mse_loss(x, t, reduction="sum").item() == pytest.approx(13)
    np.testing.assert_allclose(F.mse_loss(x, t, reduction="none").data, [0, 4, 9])
    F.mse_loss(x, t).backward()
    np.testing.assert_allclose(x.grad, 2 * (x.data - t) / 3)


# ---- the curriculum's numbers (§5, §11) -------------------------------------------------------------------
def test_pytorch_example_w_grad_24_x_grad_36():
    x, W = leaf([2.0]), leaf([[3.0]])
    L = ((W @ x) ** 2).sum()
    L.backward()
    assert W.grad.tolist() == [[24.0]] and x.grad.tolist() == [36.0]


def test_pytorch_example_loss_0_1225():
    x, w = mg.Tensor([1.0, 0.5]), leaf([0.3, 0.7])
    loss = (w @ x - 1.0) ** 2
    assert loss.item() == pytest.approx(0.1225)
    loss.backward()
    np.testing.assert_allclose(w.grad, [-0.7, -0.35])


def test_linear_layer_rules():
    rng = np.random.default_rng(7)
    W, b = leaf(rng.standard_normal((3, 4))), leaf(rng.standard_normal(3))
    X = leaf(rng.standard_normal((5, 4)))  # a batch of 5 rows
    Y = X @ W.T + b
    G = rng.standard_normal((5, 3))
    Y.backward(G)
    np.testing.assert_allclose(W.grad, G.T @ X.data)  # sum of outer products ȳ xᵀ
    np.testing.assert_allclose(b.grad, G.sum(axis=0))  # summed over the batch
    np.testing.assert_allclose(X.grad, G @ W.data)  # Wᵀȳ per row
    # squared loss L = ‖Wx + b − t‖²: ∂L/∂W = 2e xᵀ, ∂L/∂b = 2e, ∂L/∂x = 2Wᵀe
    W.grad = b.grad = None
    x, t = leaf(rng.standard_normal(4)), rng.standard_normal(3)
    L = ((W @ x + b - t) ** 2).sum()
    L.backward()
    e = W.data @ x.data + b.data - t
    np.testing.assert_allclose(W.grad, 2 * np.outer(e, x.data))
    np.testing.assert_allclose(b.grad, 2 * e)
    np.testing.assert_allclose(x.grad, 2 * W.data.T @ e)


def test_broadcasting_sums_the_gradient_back():
    x, b = leaf(np.ones((4, 3))), leaf([[1.0, 2.0, 3.0]])
    (x * b).sum().backward()
    np.testing.assert_array_equal(b.grad, [[4.0, 4.0, 4.0]])
    assert b.grad.shape == (1, 3)


# ---- NumPy interop ------------------------------------------------------------------------------------------
def test_numpy_interop():
    t = mg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert np.asarray(t) is t.numpy() or np.shares_memory(np.asarray(t), t.numpy())
    assert (t.shape, t.ndim, t.size, len(t), t.dtype) == ((2, 2), 2, 4, 2, np.float64)
    assert t.sum().item() == 10.0 and isinstance(t.sum().item(), float)
    assert repr(t).startswith("Tensor([[1., 2.],") and "requires_grad=True" in repr(t)
    assert repr(mg.Tensor(np.zeros((10, 10)))) == "Tensor(shape=(10, 10), dtype=float64)"
    assert (np.ones(2) + mg.Tensor([1.0, 2.0])).data.tolist() == [2.0, 3.0]


def test_subtracting_a_constant_negates_no_gradient_for_it():
    x = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    y = x - 0.5
    grad = np.arange(6.0).reshape(2, 3)
    dx, dconstant = y._ctx.fn.backward(y._ctx, grad)
    assert dx is grad and dconstant is None  # passed through; nothing computed for 0.5
    z = 0.5 - x
    assert np.array_equal(z._ctx.fn.backward(z._ctx, grad)[1], -grad)
