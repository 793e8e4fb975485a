"""The shared core: functional `grad`, custom Functions on both front ends, grad mode, jvp."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import micrograd_nb as mg


def test_grad_weights_several_outputs_by_grad_outputs():
    x = mg.Value(2.0)
    y1, y2 = x * x, x * 3  # d/dx: 4 and 3
    (g,) = mg.grad([y1, y2], x, grad_outputs=[10.0, 1.0])
    assert g == 43.0


def test_grad_with_tensor_grad_outputs_is_a_vector_jacobian_product():
    x = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x  # Jacobian diag(2x)
    (g,) = mg.grad(y, x, grad_outputs=np.array([1.0, 0.5, -1.0]))
    np.testing.assert_array_equal(g, [2.0, 2.0, -6.0])
    assert x.grad is None


def test_hessian_vector_product_on_tensors():
    # f(x) = sum(x**2 * x[0]) has Hessian we can write down: H = 2*x0*I + 2*(e0 x^T + x e0^T)
    x0 = np.array([1.5, -2.0, 0.5])
    x = mg.Tensor(x0, requires_grad=True)
    f = (x * x * x[0]).sum()
    (g,) = mg.grad(f, x, create_graph=True)
    v = np.array([0.3, -1.0, 2.0])
    (hv,) = mg.grad((g * v).sum(), x)
    e0 = np.eye(3)[0]
    H = 2 * x0[0] * np.eye(3) + 2 * (np.outer(e0, x0) + np.outer(x0, e0))
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12)


class ScaledSquare(mg.Function):
    """c * x**2 with a constant c; d/dx = 2cx"""

    @staticmethod
    def forward(ctx, x, c=1.0):
        ctx.save_for_backward(x)
        ctx.c = c
        return c * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * ctx.c * x * grad

    @staticmethod
    def jvp(ctx, dx):
        (x,) = ctx.saved_tensors
        return 2 * ctx.c * x * dx


def test_custom_function_receives_ndarrays_for_tensors():
    seen = {}

    class Spy(mg.Function):
        @staticmethod
        def forward(ctx, x):
            seen["type"] = type(x)
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            seen["grad_type"] = type(grad)
            return grad * 2

    x = mg.Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    Spy.apply(x).sum().backward()
    assert seen == {"type": np.ndarray, "grad_type": np.ndarray}
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, 2 * np.ones((2, 2)))


def test_custom_function_on_tensors_second_order_and_jvp():
    x0 = np.array([0.5, -1.0, 2.0])
    x = mg.Tensor(x0, requires_grad=True)
    y = ScaledSquare.apply(x, c=3.0)
    assert y.op == "scaledsquare"
    (g,) = mg.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 6 * x0)
    (h,) = mg.grad(g.sum(), x)
    np.testing.assert_allclose(h, 6 * np.ones(3))
    _, tangent = mg.jvp(lambda t: ScaledSquare.apply(t, c=3.0), [x], [np.ones(3)])
    np.testing.assert_allclose(tangent, 6 * x0)


def test_options_are_recorded_for_pictures():
    x = mg.Value(3.0)
    y = x**2
    assert y.op == "**" and y._ctx.options == {"exponent": 2.0}


def test_jvp_checks_its_arguments():
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        mg.jvp(lambda a, b: a * b, [mg.Value(1.0), mg.Value(2.0)], [1.0])
    with pytest.raises(TypeError, match="primals must be Value or Tensor"):
        mg.jvp(lambda a: a, [1.0], [1.0])


def test_jvp_of_tensor_function_equals_jacobian_times_vector():
    A = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    x0 = np.array([0.2, -0.4])
    v = np.array([1.0, 2.0])
    out, tangent = mg.jvp(lambda x: (mg.Tensor(A) @ x).tanh(), [mg.Tensor(x0)], [v])
    jacobian = (1 - np.tanh(A @ x0) ** 2)[:, None] * A
    np.testing.assert_allclose(out.data, np.tanh(A @ x0))
    np.testing.assert_allclose(tangent, jacobian @ v, rtol=1e-12)


def test_set_grad_enabled_and_is_grad_enabled():
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled()
        y = mg.Value(2.0) * 3
        assert not y.requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def test_backward_of_a_constant_is_explained():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (mg.Tensor([1.0]) * 2).sum().backward()


def test_backward_of_a_non_scalar_tensor_is_explained():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\), not a single number"):
        (x * 2).backward()


def test_gradient_of_a_gradient_with_respect_to_grad_outputs():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    v = mg.Tensor([3.0, -1.0], requires_grad=True)
    (vjp,) = mg.grad(x * x, x, grad_outputs=v, create_graph=True)  # 2 x v
    np.testing.assert_array_equal(vjp.data, [6.0, -4.0])
    (dv,) = mg.grad(vjp.sum(), v)
    np.testing.assert_array_equal(dv, [2.0, 4.0])


def test_backward_rule_returning_a_wrong_shape_is_explained():
    class WrongShape(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return np.ones(2)

    x = mg.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(
        ValueError, match=r"wrongshape.backward returned a gradient of shape \(2,\)"
    ):
        WrongShape.apply(x).sum().backward()


def test_accumulated_gradient_of_a_0d_tensor_stays_an_array():
    x = mg.Tensor(np.float32(2.0), requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert type(x.grad) is np.ndarray and x.grad.dtype == np.float32 and x.grad == 8.0


# ---- the order backward runs: newest first, by creation number --------------------------------
def test_topological_order_is_creation_order():
    x, y = mg.Value(2.0), mg.Value(3.0)
    late = mg.Value(5.0)  # a leaf made after x and y, used last
    z = (x * y + late) * x
    order = mg.topological_order([z])
    assert order[-1] is z and {id(n) for n in order} >= {id(x), id(y), id(late)}
    assert [n._seq for n in order] == sorted(n._seq for n in order)
    for node in order:  # every node after its parents
        assert all(order.index(p) < order.index(node) for p in node.parents if p.requires_grad)


@pytest.mark.parametrize("front", ["value", "tensor"])
def test_a_node_from_another_process_gets_a_new_creation_number(front):
    # a pickled node keeps whatever number it had where it was made; here that number is
    # larger than any made in this process, yet backward must still run its consumers first
    x = mg.Value(3.0) if front == "value" else mg.tensor([3.0], requires_grad=True)
    x._seq = 10**15
    restored = pickle.loads(pickle.dumps(x))
    assert restored._seq < 10**15
    y = restored * restored * 2.0
    y.backward() if front == "value" else y.sum().backward()
    assert float(np.sum(restored.grad)) == 12.0  # d(2x²)/dx at 3


def test_a_copied_graph_backpropagates_like_the_original():
    x, w = mg.Value(2.0), mg.Value(-1.5)
    z = (x * w).tanh() + x * x
    twin = copy.deepcopy(z)
    z.backward()
    twin.backward()
    (tx, tw) = (n for n in mg.topological_order([twin]) if n.is_leaf)
    assert sorted([tx.grad, tw.grad]) == sorted([x.grad, w.grad])
    assert x.grad == pytest.approx(-1.5 * (1 - np.tanh(-3.0) ** 2) + 4.0)
