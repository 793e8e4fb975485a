"""mg.nn modules: registration, names, hooks, modes, state dicts, layers' forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import nn


def _x(shape, seed=0):
    return mg.Tensor(np.random.default_rng(seed).normal(size=shape), requires_grad=True)


def _check_against_central_differences(loss_fn, tensors, eps=1e-6, rtol=1e-6):
    """Backward's grads of loss_fn() w.r.t. `tensors` vs (L(θ+ε) − L(θ−ε))/2ε in float64."""
    for t in tensors:
        t.grad = None
    loss_fn().backward()
    for t in tensors:
        numerical = np.zeros(t.shape)
        for index in np.ndindex(t.shape):
            original = t.data.copy()
            for sign in (1, -1):
                shifted = original.copy()
                shifted[index] += sign * eps
                t.data = shifted
                numerical[index] += sign * loss_fn().item() / (2 * eps)
            t.data = original
        np.testing.assert_allclose(t.grad, numerical, rtol=rtol, atol=1e-7)


# ---- Module -------------------------------------------------------------------------------------
class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.out(self.hidden(x).relu())


class NoSuperInit(nn.Module):
    def __init__(self):  # forgets super().__init__(): parameters must still register
        self.w = nn.Parameter(np.ones(3))

    def forward(self, x):
        return x * self.w


def test_parameters_are_registered_by_assignment_with_dotted_names():
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "out.weight"]
    assert model.num_parameters() == 3 * 4 + 4 + 4 * 2
    assert all(p.requires_grad for p in model.parameters())
    assert [name for name, _ in model.named_children()] == ["hidden", "out"]
    assert NoSuperInit().parameters()[0].shape == (3,)


def test_shared_parameter_is_listed_once():
    layer = nn.Linear(3, 3)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(model.parameters()) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_sequential_names_and_indexing():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert [n for n, _ in model.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    assert isinstance(model[1], nn.Tanh) and len(model) == 3
    assert isinstance(model[-1], nn.Linear)
    assert len(model[:2]) == 2


def test_linear_matches_formula_and_its_gradients_follow_the_curriculum():
    # y = x Wᵀ + b; W̄ = ȳᵀ x, b̄ = Σ_batch ȳ, x̄ = ȳ W (CURRICULUM §5)
    layer = nn.Linear(3, 2)
    x = _x((5, 3))
    y = layer(x)
    np.testing.assert_allclose(y.data, x.data @ layer.weight.data.T + layer.bias.data)
    upstream = np.random.default_rng(1).normal(size=(5, 2))
    y.backward(upstream)
    np.testing.assert_allclose(layer.weight.grad, upstream.T @ x.data)
    np.testing.assert_allclose(layer.bias.grad, upstream.sum(axis=0))
    np.testing.assert_allclose(x.grad, upstream @ layer.weight.data)


def test_linear_default_init_is_pytorchs_uniform_bound():
    mg.manual_seed(0)
    layer = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.9 * bound


def test_linear_rejects_wrong_width_with_a_clear_message():
    with pytest.raises(ValueError, match=r"Linear\(3, 2\).*expected 3"):
        nn.Linear(3, 2)(mg.Tensor(np.ones((4, 5))))


def test_zero_grad_clears_every_parameter():
    model = TwoLayer()
    model(_x((2, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_reach_every_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_round_trip_restores_outputs_and_buffers():
    mg.manual_seed(0)
    model = nn.MLP([3, 8, 8, 2], norm="batch")
    x = _x((6, 3))
    model(x)  # updates BatchNorm running stats
    state = model.state_dict()
    assert "layers.1.running_mean" in state and "layers.0.weight" in state
    model.eval()
    expected = model(x).data.copy()

    mg.manual_seed(1)
    other = nn.MLP([3, 8, 8, 2], norm="batch").eval()
    assert not np.allclose(other(x).data, expected)
    other.load_state_dict(state)
    np.testing.assert_array_equal(other(x).data, expected)
    # the state dict holds copies: changing the model later does not change it
    other.layers[0].weight.data = other.layers[0].weight.data + 1
    assert not np.array_equal(state["layers.0.weight"], other.layers[0].weight.data)


def test_load_state_dict_reports_missing_keys_and_wrong_shapes():
    model = nn.MLP([2, 3, 1])
    state = model.state_dict()
    with pytest.raises(KeyError, match="missing keys"):
        model.load_state_dict({k: v for k, v in state.items() if k != "layers.0.bias"})
    state["layers.0.weight"] = np.zeros((4, 4))
    with pytest.raises(ValueError, match=r"layers.0.weight.*\(3, 2\)"):
        model.load_state_dict(state)


def test_forward_hook_sees_output_and_can_be_removed():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    seen = []
    handle = model[1].register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
    model(_x((4, 2)))
    handle.remove()
    model(_x((4, 2)))
    assert seen == [(4, 3)]


def test_repr_is_nested_and_readable():
    text = repr(nn.MLP([2, 4, 1], activation="tanh"))
    assert "(layers): Sequential(" in text
    assert "(0): Linear(in_features=2, out_features=4, bias=True)" in text
    assert "(1): Tanh()" in text


# ---- MLP ----------------------------------------------------------------------------------------
def test_mlp_structure_has_no_activation_after_last_layer():
    model = nn.MLP([2, 5, 5, 3], activation="sigmoid")
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    assert model(_x((4, 2))).shape == (4, 3)


def test_mlp_residual_only_where_widths_match_and_norm_layers():
    model = nn.MLP([2, 5, 5, 5, 3], residual=True, norm="layer")
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "LayerNorm", "ReLU", "Residual", "Residual", "Linear"]
    with pytest.raises(ValueError, match="norm"):
        nn.MLP([2, 3], norm="group")
    with pytest.raises(ValueError, match="activation"):
        nn.MLP([2, 3, 1], activation="swish")


def test_residual_is_x_plus_block():
    block = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
    x = _x((2, 3))
    np.testing.assert_allclose(nn.Residual(block)(x).data, x.data + block(x).data)


def test_mlp_gradient_matches_central_differences():
    mg.manual_seed(3)
    model = nn.MLP([3, 4, 4, 2], activation="tanh", residual=True, norm="layer")
    x = mg.Tensor(np.random.default_rng(0).normal(size=(5, 3)))
    _check_against_central_differences(lambda: (model(x) ** 2).sum(), model.parameters())


# ---- layers -------------------------------------------------------------------------------------
def test_activation_modules_match_their_formulas():
    x = mg.Tensor(np.linspace(-3, 3, 13))
    d = x.data
    np.testing.assert_allclose(nn.ReLU()(x).data, np.maximum(d, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x).data, np.where(d > 0, d, 0.1 * d))
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-d)))
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(d))
    np.testing.assert_allclose(nn.ELU(0.5)(x).data, np.where(d > 0, d, 0.5 * (np.exp(d) - 1)))
    selu = 1.0507009873554805 * np.where(d > 0, d, 1.6732632423543772 * (np.exp(d) - 1))
    np.testing.assert_allclose(nn.SELU()(x).data, selu)
    gelu = 0.5 * d * (1 + np.tanh(np.sqrt(2 / np.pi) * (d + 0.044715 * d**3)))
    np.testing.assert_allclose(nn.GELU()(x).data, gelu, rtol=1e-12)


def test_batchnorm_training_normalizes_and_tracks_running_stats():
    bn = nn.BatchNorm1d(3, momentum=0.5)
    data = np.random.default_rng(0).normal(loc=5.0, scale=2.0, size=(64, 3))
    y = bn(mg.Tensor(data)).data
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0, atol=1e-3)
    np.testing.assert_allclose(bn.running_mean, 0.5 * data.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * data.var(axis=0, ddof=1))
    bn.eval()
    expected = (data - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    np.testing.assert_allclose(bn(mg.Tensor(data)).data, expected)


def test_batchnorm_and_layernorm_gradients_match_central_differences():
    x = _x((6, 4))
    bn, ln = nn.BatchNorm1d(4), nn.LayerNorm(4)
    weights = np.random.default_rng(2).normal(size=(6, 4))
    _check_against_central_differences(lambda: (bn(x) * weights).sum(), [x, bn.weight, bn.bias])
    _check_against_central_differences(lambda: (ln(x) * weights).sum(), [x, ln.weight, ln.bias])


def test_layernorm_normalizes_each_sample():
    y = nn.LayerNorm(5)(mg.Tensor(np.random.default_rng(0).normal(3, 4, size=(4, 5)))).data
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=1), 1.0, atol=1e-4)


def test_dropout_scales_kept_units_and_is_identity_in_eval():
    mg.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = mg.Tensor(np.ones((200, 50)), requires_grad=True)
    y = drop(x)
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.where(kept, 1 / 0.75, 0.0))
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match="Dropout"):
        nn.Dropout(1.0)


def test_manual_seed_makes_models_reproducible():
    mg.manual_seed(42)
    a = nn.MLP([4, 8, 2]).state_dict()
    mg.manual_seed(42)
    b = nn.MLP([4, 8, 2]).state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_loss_modules_use_the_functional_losses():
    pred = mg.Tensor([[0.5], [2.0]], requires_grad=True)
    target = np.array([[1.0], [0.0]])
    assert nn.MSELoss()(pred, target).item() == pytest.approx((0.25 + 4.0) / 2)
    logits = mg.Tensor([[2.0, 0.0], [0.0, 1.0]])
    expected = -np.mean([2 - np.log(np.exp(2) + 1), 1 - np.log(1 + np.exp(1))])
    assert nn.CrossEntropyLoss()(logits, np.array([0, 1])).item() == pytest.approx(expected)
    z = mg.Tensor([[0.3], [-1.2]])
    y = np.array([[1.0], [0.0]])
    s = 1 / (1 + np.exp(-z.data))
    bce = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    assert nn.BCEWithLogitsLoss()(z, y).item() == pytest.approx(bce)


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
def test_float32_mlp_stays_float32_in_train_and_eval(norm):
    model = nn.MLP([3, 4, 4, 2], norm=norm, dtype=np.float32)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    x = mg.Tensor(np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32))
    out = model(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert {p.grad.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model.eval()(x).dtype == np.float32


def test_apply_visits_every_module_for_a_custom_init():
    model = nn.MLP([3, 4, 4, 2])
    visited = []

    def init_linear(module):
        visited.append(type(module).__name__)
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, 0.5)

    assert model.apply(init_linear) is model
    assert visited[-1] == "MLP" and visited.count("Linear") == 3
    assert all((m.weight.data == 0.5).all() for m in model.linear_layers())


def test_mlp_with_an_activation_instance_gets_one_copy_per_layer():
    model = nn.MLP([2, 3, 3, 1], activation=nn.LeakyReLU(0.2))
    acts = [m for m in model.layers if isinstance(m, nn.LeakyReLU)]
    assert len(acts) == 2 and acts[0] is not acts[1] and acts[1].negative_slope == 0.2


def test_residual_rejects_a_block_that_changes_the_shape():
    with pytest.raises(ValueError, match=r"Residual: the block maps shape \(2, 3\) to \(2, 4\)"):
        nn.Residual(nn.Linear(3, 4))(_x((2, 3)))
