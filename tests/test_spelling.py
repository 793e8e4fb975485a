"""PyTorch's spellings (dim/keepdim, unbiased, view, mg.tanh, mg.randn, ...) against NumPy's."""

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_nb as mg
from micrograd_nb import ops
from micrograd_nb.nn import functional as F

REDUCTIONS = ["sum", "mean", "max", "min", "var", "std"]


def leaf(array):
    return mg.Tensor(np.array(array, dtype=np.float64), requires_grad=True)


def value_and_grad(make, array):
    """The result's data and the gradient of sum(result * weights) (weights fixed, not ones)."""
    x = leaf(array)
    out = make(x)
    weights = np.linspace(0.5, 1.5, out.size).reshape(out.shape)
    (out * weights).sum().backward()
    return out.data, x.grad


@st.composite
def array_and_axis(draw):
    shape = draw(st.lists(st.integers(2, 4), min_size=1, max_size=3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).normal(size=shape), axis


@settings(deadline=None, max_examples=25)
@given(array_and_axis(), st.sampled_from(REDUCTIONS), st.booleans())
def test_dim_keepdim_give_the_values_and_gradients_of_axis_keepdims(case, op, keep):
    array, axis = case
    numpy_value, numpy_grad = value_and_grad(
        lambda x: getattr(x, op)(axis=axis, keepdims=keep), array
    )
    torch_value, torch_grad = value_and_grad(lambda x: getattr(x, op)(axis, keepdim=keep), array)
    np.testing.assert_array_equal(torch_value, numpy_value)
    np.testing.assert_array_equal(torch_grad, numpy_grad)
    if op not in ("max", "min"):  # with dim=, max/min give (values, indices): tested below
        by_dim, by_dim_grad = value_and_grad(
            lambda x: getattr(x, op)(dim=axis, keepdim=keep), array
        )
        np.testing.assert_array_equal(by_dim, numpy_value)
        np.testing.assert_array_equal(by_dim_grad, numpy_grad)


@pytest.mark.parametrize("op", ["var", "std"])
def test_unbiased_and_correction_are_ddof(op):
    array = np.random.default_rng(0).normal(size=(5, 3))
    for torch_kwargs, ddof in [
        ({"unbiased": True}, 1),
        ({"unbiased": False}, 0),
        ({"correction": 2}, 2),
    ]:
        got, got_grad = value_and_grad(lambda x, kw=torch_kwargs: getattr(x, op)(0, **kw), array)
        want, want_grad = value_and_grad(lambda x, d=ddof: getattr(x, op)(axis=0, ddof=d), array)
        np.testing.assert_allclose(got, getattr(np, op)(array, axis=0, ddof=ddof))
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got_grad, want_grad)
    # x.std(0, keepdim=True) of the lecture, divided by n - 1 like torch's default
    x = leaf(array)
    np.testing.assert_allclose(
        x.std(0, keepdim=True, unbiased=True).data, array.std(0, ddof=1, keepdims=True)
    )


@pytest.mark.parametrize("op, arg", [("max", np.argmax), ("min", np.argmin)])
@pytest.mark.parametrize("keep", [False, True])
def test_max_min_with_dim_return_values_and_indices(op, arg, keep):
    array = np.random.default_rng(1).normal(size=(4, 5))
    x = leaf(array)
    result = getattr(x, op)(dim=1, keepdim=keep)
    values, indices = result  # a named pair, unpackable like PyTorch's
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(indices.data, arg(array, axis=1, keepdims=keep))
    assert indices.dtype == np.int64 and not indices.requires_grad
    got, got_grad = value_and_grad(lambda t: getattr(t, op)(dim=1, keepdim=keep).values, array)
    want, want_grad = value_and_grad(lambda t: getattr(t, op)(axis=1, keepdims=keep), array)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_grad, want_grad)
    # the gradient lands on the element the index names
    hot = np.zeros_like(array)
    hot[np.arange(4), arg(array, axis=1)] = np.linspace(0.5, 1.5, 4)
    np.testing.assert_array_equal(got_grad, hot)


def test_both_spellings_or_an_unknown_keyword_is_a_clear_error():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(TypeError, match="both dim= .*and axis="):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="both dim= .*and axis="):
        x.mean(0, dim=0)
    with pytest.raises(TypeError, match="both keepdim= .*and keepdims="):
        x.mean(0, keepdim=True, keepdims=True)
    with pytest.raises(TypeError, match="both dim= .*and axis="):
        x.max(0, dim=1)
    with pytest.raises(TypeError, match="ddof= and unbiased="):
        x.std(0, ddof=1, unbiased=True)
    with pytest.raises(TypeError, match="unbiased= and correction="):
        x.var(unbiased=True, correction=1)
    with pytest.raises(
        TypeError, match=r"unknown keyword dims=; it accepts axis=, dim=, keepdim=, keepdims="
    ):
        x.sum(dims=1)
    with pytest.raises(TypeError, match="both dim= .*and axis="):
        F.softmax(x, dim=1, axis=1)
    with pytest.raises(mg.TorchSpellingError):
        mg.cat([x, x], dim=0, axis=0)
    with pytest.raises(AttributeError, match=r"x.max\(dim=1\).values"):
        _ = x.max(1).values


def test_argmax_argmin_with_both_spellings():
    array = np.random.default_rng(2).normal(size=(3, 4))
    x = mg.tensor(array)
    assert x.argmax().item() == np.argmax(array)
    np.testing.assert_array_equal(x.argmax(dim=1).data, np.argmax(array, axis=1))
    np.testing.assert_array_equal(
        x.argmin(0, keepdim=True).data, np.argmin(array, axis=0, keepdims=True)
    )


def test_view_numel_clone_float_double_T():
    array = np.arange(12.0).reshape(3, 4)
    value, grad = value_and_grad(lambda x: x.view(4, -1), array)
    want_value, want_grad = value_and_grad(lambda x: x.reshape(4, -1), array)
    np.testing.assert_array_equal(value, want_value)
    np.testing.assert_array_equal(grad, want_grad)
    x = leaf(array)
    assert x.view(-1).shape == (12,) and x.T.view(12).shape == (12,)  # no contiguity demand
    assert x.numel() == x.nelement() == 12 and mg.numel(x) == 12
    c = x.clone()
    assert c.data is not x.data and np.shares_memory(c.data, x.data) is False
    (c * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((3, 4), 2.0))  # clone stays in the graph
    assert x.float().dtype == np.float32 and x.float().double().dtype == np.float64
    x.grad = None
    x.float().sum().backward()
    assert x.grad.dtype == np.float64  # the gradient is cast back to the input's dtype
    assert x.contiguous() is x
    np.testing.assert_array_equal(x.T.data, array.T)


def test_squeeze_unsqueeze_take_dim():
    array = np.random.default_rng(7).normal(size=(3, 1, 2))
    for torch_way, numpy_way in [
        (lambda x: x.squeeze(dim=1), lambda x: x.squeeze(axis=1)),
        (lambda x: x.unsqueeze(dim=0), lambda x: x.unsqueeze(axis=0)),
    ]:
        value, grad = value_and_grad(torch_way, array)
        want, want_grad = value_and_grad(numpy_way, array)
        np.testing.assert_array_equal(value, want)
        np.testing.assert_array_equal(grad, want_grad)
    assert mg.tensor(array).squeeze(dim=1).shape == (3, 2)
    assert mg.tensor(array).unsqueeze(dim=3).shape == (3, 1, 2, 1)


def test_transpose_with_two_ints_swaps_like_pytorch_and_permute_is_numpys_transpose():
    array = np.random.default_rng(3).normal(size=(2, 3, 4))
    x = mg.tensor(array)
    np.testing.assert_array_equal(x.transpose(0, 2).data, np.swapaxes(array, 0, 2))
    np.testing.assert_array_equal(mg.tensor(array[0]).transpose(0, 1).data, array[0].T)
    np.testing.assert_array_equal(x.transpose((2, 0, 1)).data, np.transpose(array, (2, 0, 1)))
    np.testing.assert_array_equal(x.permute(2, 0, 1).data, np.transpose(array, (2, 0, 1)))
    value, grad = value_and_grad(lambda t: t.transpose(0, 2), array)
    want, want_grad = value_and_grad(lambda t: t.transpose((2, 1, 0)), array)
    np.testing.assert_array_equal(value, want)
    np.testing.assert_array_equal(grad, want_grad)


@pytest.mark.parametrize("op, base", [("log10", 10.0), ("log2", 2.0)])
def test_log10_log2_values_and_gradients(op, base):
    array = np.array([0.5, 1.0, 3.0, 100.0])
    value, grad = value_and_grad(lambda x: getattr(x, op)(), array)
    np.testing.assert_allclose(value, getattr(np, op)(array), rtol=1e-15)
    weights = np.linspace(0.5, 1.5, 4)
    np.testing.assert_allclose(grad, weights / (array * np.log(base)), rtol=1e-14)
    mg.gradcheck(lambda x: getattr(x, op)(), [leaf(array)])


# ---- top-level functions --------------------------------------------------------------------
CALLS = {
    "exp": (), "log": (), "log10": (), "log2": (), "sqrt": (), "abs": (), "tanh": (),
    "sigmoid": (), "relu": (), "clamp": (0.7, 1.2), "sum": (1,), "mean": (0,), "max": (1,),
    "min": (0,), "var": (0,), "std": (1,), "argmax": (1,), "argmin": (0,), "reshape": (6, 2),
    "transpose": (), "permute": (1, 0), "swapaxes": (0, 1), "squeeze": (), "unsqueeze": (0,),
    "flatten": (), "clone": (), "numel": (),
}  # fmt: skip


def test_every_tensor_method_is_a_top_level_function_with_the_same_result_and_gradient():
    function_names = {n for n in ops.__all__ if hasattr(mg.Tensor, n)}
    assert function_names == set(CALLS)
    array = np.random.default_rng(4).uniform(0.5, 1.5, size=(3, 4))
    for name, args in CALLS.items():
        assert getattr(mg, name) is getattr(ops, name)
        x, y = leaf(array), leaf(array)
        by_function = getattr(mg, name)(x, *args)
        by_method = getattr(y, name)(*args)
        if name == "numel":
            assert by_function == by_method == 12
            continue
        np.testing.assert_array_equal(by_function.data, by_method.data, err_msg=name)
        if by_function.requires_grad:
            by_function.sum().backward()
            by_method.sum().backward()
            np.testing.assert_array_equal(x.grad, y.grad, err_msg=name)
    assert mg.tanh(0.5).item() == pytest.approx(np.tanh(0.5))  # numbers become constants


def test_matmul_cat_stack_softmax_functions():
    a, b = np.random.default_rng(5).normal(size=(2, 3, 4))
    np.testing.assert_allclose(mg.matmul(a, mg.tensor(b.T)).data, a @ b.T)
    np.testing.assert_array_equal(
        mg.cat([mg.tensor(a), mg.tensor(b)], dim=1).data, np.concatenate([a, b], axis=1)
    )
    np.testing.assert_array_equal(
        mg.stack([mg.tensor(a), mg.tensor(b)], dim=2).data, np.stack([a, b], axis=2)
    )
    for softmax in (mg.softmax, F.softmax):
        value, grad = value_and_grad(lambda x, s=softmax: s(x, dim=0), a)
        want, want_grad = value_and_grad(lambda x: F.softmax(x, axis=0), a)
        np.testing.assert_array_equal(value, want)
        np.testing.assert_array_equal(grad, want_grad)
    np.testing.assert_allclose(np.exp(F.log_softmax(mg.tensor(a), dim=1).data).sum(1), 1.0)


def test_mg_tensor_is_the_factory_even_after_importing_the_tensor_module():
    import micrograd_nb.tensor  # noqa: F401 - the module of the same name

    importlib.import_module("micrograd_nb.tensor")
    from micrograd_nb import tensor

    assert tensor is mg.tensor and callable(mg.tensor)
    t = mg.tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(t, mg.Tensor) and t.requires_grad and t.dtype == np.float64
    u = mg.tensor(t)  # a copy, a new leaf
    assert u.data is not t.data and u.grad is None and not u.requires_grad
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([1, 2], dtype=np.float32).dtype == np.float32


# ---- factories and generators ---------------------------------------------------------------
def test_filled_factories_take_both_shape_spellings():
    assert mg.zeros(2, 3).shape == mg.zeros((2, 3)).shape == mg.zeros([2, 3]).shape == (2, 3)
    np.testing.assert_array_equal(mg.ones(2, dtype=np.float32).data, np.ones(2, np.float32))
    assert mg.ones(2).dtype == np.float64 and mg.zeros(3, requires_grad=True).requires_grad
    np.testing.assert_array_equal(mg.full((2, 2), 7.0).data, np.full((2, 2), 7.0))
    like = mg.tensor(np.ones((2, 5), np.float32))
    assert mg.zeros_like(like).shape == (2, 5) and mg.zeros_like(like).dtype == np.float32
    np.testing.assert_array_equal(mg.ones_like(like).data, np.ones((2, 5)))
    np.testing.assert_array_equal(mg.arange(5).data, np.arange(5))
    np.testing.assert_array_equal(mg.arange(1.0, 2.0, 0.25).data, np.arange(1.0, 2.0, 0.25))
    np.testing.assert_array_equal(mg.linspace(0, 1, 5).data, np.linspace(0, 1, 5))
    with pytest.raises(TypeError, match=r"zeros\(2, 3\)"):
        mg.zeros("two")


def test_generator_makes_random_tensors_repeatable_without_touching_the_global_one():
    mg.manual_seed(0)
    global_before = mg.random.generator().bit_generator.state
    g = mg.Generator().manual_seed(2147483647)
    first = (
        mg.randn(27, 10, generator=g),
        mg.rand(3, generator=g),
        mg.randint(0, 27, (8,), generator=g),
    )
    g.manual_seed(2147483647)
    second = (
        mg.randn(27, 10, generator=g),
        mg.rand(3, generator=g),
        mg.randint(0, 27, (8,), generator=g),
    )
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.data, b.data)
    assert mg.random.generator().bit_generator.state == global_before
    other = mg.randn(27, 10, generator=mg.Generator().manual_seed(1))
    assert not np.array_equal(other.data, first[0].data)
    assert g.initial_seed() == 2147483647 and mg.Generator().initial_seed() == 67280421310721
    # without generator=, mg.manual_seed decides
    mg.manual_seed(3)
    a = mg.randn(4)
    mg.manual_seed(3)
    np.testing.assert_array_equal(mg.randn(4).data, a.data)
    with pytest.raises(TypeError, match="mg.Generator"):
        mg.randn(3, generator=42)


def test_random_tensors_have_the_right_distribution():
    g = mg.Generator().manual_seed(0)
    normal = mg.randn(200_000, generator=g).data
    assert abs(normal.mean()) < 0.01 and abs(normal.std() - 1) < 0.01
    uniform = mg.rand(100, 1000, generator=g).data
    assert uniform.min() >= 0 and uniform.max() < 1 and abs(uniform.mean() - 0.5) < 0.01
    ints = mg.randint(3, 7, size=(10_000,), generator=g).data
    assert ints.dtype == np.int64 and set(np.unique(ints)) == {3, 4, 5, 6}
    assert mg.randint(5, (2, 3), generator=g).shape == (2, 3)
    with pytest.raises(ValueError, match="high"):
        mg.randint(5, 5, (2,))
    perm = mg.randperm(50, generator=g).data
    assert perm.dtype == np.int64 and sorted(perm) == list(range(50))
    assert not np.array_equal(perm, mg.randperm(50, generator=g).data)


def test_multinomial_draws_in_proportion_to_the_weights():
    g = mg.Generator().manual_seed(2147483647)
    weights = np.array([0.6, 0.0, 0.3, 0.1])
    draws = mg.multinomial(mg.tensor(weights), 40_000, replacement=True, generator=g)
    assert draws.shape == (40_000,) and draws.dtype == np.int64
    np.testing.assert_allclose(np.bincount(draws.data, minlength=4) / 40_000, weights, atol=0.01)
    rows = mg.multinomial(
        np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 5.0]]), 3, replacement=True, generator=g
    )
    np.testing.assert_array_equal(rows.data, [[0, 0, 0], [2, 2, 2]])
    without = mg.multinomial(np.ones((50, 6)), 6, generator=g).data
    assert all(sorted(row) == list(range(6)) for row in without)  # each class once
    firsts = mg.multinomial(np.tile(weights, (20_000, 1)), 1, generator=g).data[:, 0]
    np.testing.assert_allclose(np.bincount(firsts, minlength=4) / 20_000, weights, atol=0.015)
    with pytest.raises(ValueError, match="without replacement"):
        mg.multinomial(weights, 4)
    with pytest.raises(ValueError, match="non-negative"):
        mg.multinomial(np.array([0.5, -0.1]), 1)


def test_one_hot():
    np.testing.assert_array_equal(
        F.one_hot(mg.tensor([0, 2, 1])).data, np.eye(3, dtype=int)[[0, 2, 1]]
    )
    hot = F.one_hot(np.array([[1, 1], [0, 4]]), num_classes=5)
    assert hot.shape == (2, 2, 5) and hot.dtype == np.int64 and hot.data.sum() == 4
    with pytest.raises(ValueError, match="0..2"):
        F.one_hot(np.array([3]), num_classes=3)
    with pytest.raises(TypeError, match="integers"):
        F.one_hot(np.array([0.5]))


def test_embedding_lookup_with_repeated_indices_adds_the_gradients():
    """C[X] as in the character-level MLP: rows used twice get both gradients."""
    rng = np.random.default_rng(6)
    table = rng.normal(size=(5, 2))
    X = np.array([[0, 0, 3], [3, 1, 0]])  # row 0 three times, row 3 twice, rows 2 and 4 never
    C = leaf(table)
    emb = C[mg.tensor(X)]
    assert emb.shape == (2, 3, 2)
    upstream = rng.normal(size=(2, 3, 2))
    (emb * upstream).sum().backward()
    expected = np.zeros_like(table)
    np.add.at(expected, X, upstream)
    np.testing.assert_allclose(C.grad, expected, rtol=1e-15)
    (numerical,) = mg.numerical_grad(lambda c: float((c[X] * upstream).sum()), [table])
    np.testing.assert_allclose(C.grad, numerical, atol=1e-8)
    assert np.all(C.grad[[2, 4]] == 0)
