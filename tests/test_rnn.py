"""Recurrent layers, cells and Embedding: gradients, PyTorch's layout and equations, errors."""

from __future__ import annotations

import numpy as np
import pytest
import rnn_reference as ref
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_nb as mg
from micrograd_nb.nn import functional as F
from micrograd_nb.nn.rnn_cells import gru_gates_by_hand, lstm_gates_by_hand
from micrograd_nb.primitives.recurrent import GRUGates, LSTMCellState, LSTMHidden

KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
KIND_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def tensor(rng, *shape, requires_grad=True):
    return mg.Tensor(rng.normal(size=shape), requires_grad=requires_grad)


def check_module_gradients(module, inputs: list, loss_of) -> None:
    """Backprop gradients of loss_of(*inputs) w.r.t. inputs and parameters vs float64 numerics."""
    names, params = zip(*module.named_parameters())
    original = [p.data for p in params]
    analytic = mg.grad(loss_of(*inputs), [*inputs, *params])

    def loss(*args):
        for p, a in zip(params, args[len(inputs) :]):
            p.data = a.data  # the numerical oracle passes nudged copies of every leaf
        return loss_of(*args[: len(inputs)])

    copies = [mg.Tensor(data.copy(), requires_grad=True) for data in original]
    numeric = mg.numerical_grad(loss, [*inputs, *copies])
    for p, data in zip(params, original):
        p.data = data
    labels = [f"input {i}" for i in range(len(inputs))] + list(names)
    for label, a, n in zip(labels, analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=1e-5, atol=1e-7, err_msg=label)


# ---- the fused gate primitives against their composition from elementary operations ------------
def fused_lstm(gates, c):
    c_next = LSTMCellState.apply(gates, c)
    return LSTMHidden.apply(gates, c_next), c_next


def test_lstm_gates_match_the_composition_by_hand_forward_and_backward():
    rng = np.random.default_rng(0)
    gates, c = tensor(rng, 3, 16), tensor(rng, 3, 4)
    up_h, up_c = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    results = []
    for cell in (fused_lstm, lstm_gates_by_hand):
        gates.grad = c.grad = None
        h, c_next = cell(gates, c)
        ((h * up_h).sum() + (c_next * up_c).sum()).backward()
        results.append((h.data, c_next.data, c_next.grad, gates.grad, c.grad))
    for mine, oracle in zip(*results):
        np.testing.assert_allclose(mine, oracle, atol=1e-14)


def test_gru_gates_match_the_composition_by_hand_forward_and_backward():
    rng = np.random.default_rng(1)
    x_proj, h_proj, h = tensor(rng, 2, 15), tensor(rng, 2, 15), tensor(rng, 2, 5)
    upstream = rng.normal(size=(2, 5))
    out = GRUGates.apply(x_proj, h_proj, h)
    (out * upstream).sum().backward()
    fused = [t.grad.copy() for t in (x_proj, h_proj, h)]
    for t in (x_proj, h_proj, h):
        t.grad = None
    by_hand = gru_gates_by_hand(x_proj, h_proj, h)
    (by_hand * upstream).sum().backward()
    np.testing.assert_allclose(out.data, by_hand.data, atol=1e-15)
    for mine, oracle in zip(fused, (x_proj.grad, h_proj.grad, h.grad)):
        np.testing.assert_allclose(mine, oracle, atol=1e-14)


@pytest.mark.parametrize("fn, shapes", [(LSTMCellState, [(2, 12), (2, 3)]),
                                        (LSTMHidden, [(2, 12), (2, 3)]),
                                        (GRUGates, [(2, 9), (2, 9), (2, 3)])])  # fmt: skip
def test_gate_primitives_pass_gradcheck_gradgradcheck_and_jvp(fn, shapes):
    rng = np.random.default_rng(2)
    inputs = [tensor(rng, *s) for s in shapes]
    assert mg.gradcheck(lambda *xs: fn.apply(*xs), inputs)
    assert mg.gradgradcheck(lambda *xs: fn.apply(*xs), inputs)
    tangents = [rng.normal(size=s) for s in shapes]
    _, jvp_out = mg.jvp(lambda *xs: fn.apply(*xs), inputs, tangents)
    eps = 1e-6
    plus = fn.apply(*[mg.Tensor(x.data + eps * t) for x, t in zip(inputs, tangents)]).data
    minus = fn.apply(*[mg.Tensor(x.data - eps * t) for x, t in zip(inputs, tangents)]).data
    np.testing.assert_allclose(np.asarray(jvp_out.data), (plus - minus) / (2 * eps), atol=1e-7)


@settings(deadline=None, max_examples=25)
@given(batch=st.integers(1, 4), hidden=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_lstm_gates_property_fused_equals_by_hand(batch, hidden, seed):
    rng = np.random.default_rng(seed)
    gates = mg.Tensor(rng.normal(0, 3, size=(batch, 4 * hidden)), requires_grad=True)
    c = tensor(rng, batch, hidden)
    up_h, up_c = rng.normal(size=(2, batch, hidden))
    grads = []
    for cell in (fused_lstm, lstm_gates_by_hand):
        h, c_next = cell(gates, c)
        grads.append(mg.grad((h * up_h).sum() + (c_next * up_c).sum(), [gates, c]))
    for mine, oracle in zip(*grads):
        np.testing.assert_allclose(mine, oracle, atol=1e-12)


# ---- whole layers: float64 numerical gradients of every parameter and of the input -------------
@pytest.mark.parametrize("kind, options", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_layer_gradients_match_numerical_gradients(kind, options, batch_first):
    mg.manual_seed(0)
    layer = getattr(mg.nn, kind)(3, 4, num_layers=2, batch_first=batch_first, **options)
    rng = np.random.default_rng(3)
    x = tensor(rng, *((2, 5, 3) if batch_first else (5, 2, 3)))
    states = [tensor(rng, 2, 2, 4) for _ in range(2 if kind == "LSTM" else 1)]
    upstream = rng.normal(size=(5, 2, 4))
    if batch_first:
        upstream = upstream.transpose(1, 0, 2)

    def loss(x, *states):
        output, final = layer(x, tuple(states) if kind == "LSTM" else states[0])
        h_n = final[0] if kind == "LSTM" else final
        return (output * upstream).sum() + (h_n * h_n).sum()

    check_module_gradients(layer, [x, *states], loss)


@pytest.mark.parametrize("cell, extra", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                         ("LSTMCell", {}), ("GRUCell", {})])  # fmt: skip
def test_cell_gradients_match_numerical_gradients(cell, extra):
    mg.manual_seed(1)
    module = getattr(mg.nn, cell)(3, 4, **extra)
    rng = np.random.default_rng(4)
    states = [tensor(rng, 2, 4) for _ in range(2 if cell == "LSTMCell" else 1)]

    def loss(x, *states):
        if cell == "LSTMCell":
            h, c = module(x, states)
            return (h * c).sum()
        return (module(x, states[0]) ** 2).sum()

    check_module_gradients(module, [tensor(rng, 2, 3), *states], loss)


def by_hand_lstm(layer, x):
    """The one-layer LSTM from elementary Tensor operations, step by step (no fused gates)."""
    hidden = layer.hidden_size
    h = mg.Tensor(np.zeros((x.shape[1], hidden)))
    c = mg.Tensor(np.zeros((x.shape[1], hidden)))
    outs = []
    for t in range(x.shape[0]):
        gates = (x[t] @ layer.weight_ih_l0.T + layer.bias_ih_l0
                 + h @ layer.weight_hh_l0.T + layer.bias_hh_l0)  # fmt: skip
        h, c = lstm_gates_by_hand(gates, c)
        outs.append(h)
    return mg.stack(outs)


def by_hand_gru(layer, x):
    h = mg.Tensor(np.zeros((x.shape[1], layer.hidden_size)))
    outs = []
    for t in range(x.shape[0]):
        x_proj = x[t] @ layer.weight_ih_l0.T + layer.bias_ih_l0
        h = gru_gates_by_hand(x_proj, h @ layer.weight_hh_l0.T + layer.bias_hh_l0, h)
        outs.append(h)
    return mg.stack(outs)


@pytest.mark.parametrize("kind, by_hand", [("LSTM", by_hand_lstm), ("GRU", by_hand_gru)])
def test_layer_equals_the_same_computation_built_from_primitives(kind, by_hand):
    mg.manual_seed(2)
    layer = getattr(mg.nn, kind)(3, 5)
    x = tensor(np.random.default_rng(5), 6, 2, 3)
    output, _ = layer(x)
    (output**2).sum().backward()
    grads = {name: p.grad.copy() for name, p in layer.named_parameters()}
    x_grad = x.grad.copy()
    layer.zero_grad()
    x.grad = None
    oracle = by_hand(layer, x)
    (oracle**2).sum().backward()
    np.testing.assert_allclose(output.data, oracle.data, atol=1e-14)
    np.testing.assert_allclose(x_grad, x.grad, atol=1e-13)
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad, atol=1e-13, err_msg=name)


# ---- PyTorch's names, shapes, init, and equations (a NumPy reference) -------------------------
@pytest.mark.parametrize("kind, options", KINDS, ids=KIND_IDS)
def test_parameters_are_named_and_shaped_as_pytorch_with_its_default_init(kind, options):
    layer = getattr(mg.nn, kind)(10, 64, num_layers=2, **options)
    g = GATES[kind]
    expected = {
        "weight_ih_l0": (g * 64, 10), "weight_hh_l0": (g * 64, 64),
        "bias_ih_l0": (g * 64,), "bias_hh_l0": (g * 64,),
        "weight_ih_l1": (g * 64, 64), "weight_hh_l1": (g * 64, 64),
        "bias_ih_l1": (g * 64,), "bias_hh_l1": (g * 64,),
    }  # fmt: skip
    assert {n: p.shape for n, p in layer.named_parameters()} == expected
    values = np.concatenate([p.data.ravel() for p in layer.parameters()])
    bound = 1 / np.sqrt(64)
    assert np.all(np.abs(values) <= bound) and np.abs(values).max() > 0.95 * bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.01  # U(-k, k) has std k/√3
    cell = getattr(mg.nn, kind + "Cell")(10, 64, **options)
    assert [n for n, _ in cell.named_parameters()] == [
        "weight_ih", "weight_hh", "bias_ih", "bias_hh"
    ]  # fmt: skip
    assert [n for n, _ in getattr(mg.nn, kind)(3, 4, bias=False).named_parameters()] == [
        "weight_ih_l0", "weight_hh_l0"
    ]  # fmt: skip


def random_state_dict(rng, kind, input_size, hidden, num_layers):
    """Arrays named as a PyTorch state_dict, as `{k: v.numpy() for k, v in sd.items()}` gives."""
    g = GATES[kind]
    state = {}
    for layer in range(num_layers):
        fan_in = input_size if layer == 0 else hidden
        state[f"weight_ih_l{layer}"] = rng.uniform(-0.5, 0.5, (g * hidden, fan_in))
        state[f"weight_hh_l{layer}"] = rng.uniform(-0.5, 0.5, (g * hidden, hidden))
        state[f"bias_ih_l{layer}"] = rng.uniform(-0.5, 0.5, g * hidden)
        state[f"bias_hh_l{layer}"] = rng.uniform(-0.5, 0.5, g * hidden)
    return state


@pytest.mark.parametrize("kind, options", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("batch_first", [False, True])
def test_loaded_state_dict_gives_pytorchs_outputs(kind, options, batch_first):
    rng = np.random.default_rng(6)
    state = random_state_dict(rng, kind, 3, 5, 2)
    layer = getattr(mg.nn, kind)(3, 5, num_layers=2, batch_first=batch_first, **options)
    layer.load_state_dict(state)
    x = rng.normal(size=(7, 4, 3))  # time-major for the reference
    h0, c0 = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 4, 5))
    x_in = x.transpose(1, 0, 2) if batch_first else x
    if kind == "LSTM":
        output, (h_n, c_n) = layer(x_in, (h0, c0))
        ref_out, ref_h, ref_c = ref.lstm_forward(state, x, h0, c0, 2)
        np.testing.assert_allclose(c_n.data, ref_c, atol=1e-12)
    elif kind == "GRU":
        output, h_n = layer(x_in, h0)
        ref_out, ref_h = ref.gru_forward(state, x, h0, 2)
    else:
        output, h_n = layer(x_in, h0)
        ref_out, ref_h = ref.rnn_forward(state, x, h0, 2, options.get("nonlinearity", "tanh"))
    if batch_first:
        ref_out = ref_out.transpose(1, 0, 2)
    np.testing.assert_allclose(output.data, ref_out, atol=1e-12)
    np.testing.assert_allclose(h_n.data, ref_h, atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_cell_and_layer_agree_and_unbatched_input_works(kind):
    rng = np.random.default_rng(7)
    layer = getattr(mg.nn, kind)(3, 4)
    cell = getattr(mg.nn, kind + "Cell")(3, 4)
    cell.load_state_dict({k[: -len("_l0")]: v for k, v in layer.state_dict().items()})
    x = rng.normal(size=(5, 3))  # one sequence, no batch axis
    output, final = layer(x)
    assert output.shape == (5, 4)
    state = None
    for t in range(5):
        state = cell(x[t], state)
        h = state[0] if kind == "LSTM" else state
        np.testing.assert_allclose(h.data, output.data[t], atol=1e-14)
    h_n = final[0] if kind == "LSTM" else final
    assert h_n.shape == (1, 4)


def test_float32_stays_float32():
    layer = mg.nn.LSTM(3, 4, dtype=np.float32)
    x = mg.Tensor(np.ones((2, 1, 3), dtype=np.float32))
    output, (h_n, c_n) = layer(x)
    output.sum().backward()
    assert output.dtype == h_n.dtype == c_n.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())


# ---- hidden states keep their gradients; truncated BPTT ----------------------------------------
def test_every_hidden_state_keeps_its_gradient_and_the_diagnostic_reads_them():
    mg.manual_seed(3)
    rnn = mg.nn.RNN(2, 3)
    x = mg.Tensor(np.random.default_rng(8).normal(size=(6, 1, 2)))
    output, _ = rnn(x)
    output[-1].sum().backward()  # the loss sees only the last step
    norms = mg.diagnostics.hidden_grad_norms(rnn)
    assert norms.shape == (6,) and np.all(norms > 0)
    # Backward by hand: ∂L/∂h_T = 1, ∂L/∂h_{t-1} = W_hhᵀ (∂L/∂h_t ⊙ (1 − h_t²)).
    W = rnn.weight_hh_l0.data
    g = np.ones((1, 3))
    expected = [np.linalg.norm(g)]
    for t in range(5, 0, -1):
        g = (g * (1 - rnn.hidden_states[t].data ** 2)) @ W
        expected.append(np.linalg.norm(g))
    np.testing.assert_allclose(norms, expected[::-1], rtol=1e-12)
    lstm = mg.nn.LSTM(2, 3, num_layers=2)
    out, _ = lstm(x)
    out.sum().backward()
    assert len(lstm.all_hidden_states) == 2 and len(lstm.cell_states) == 6
    assert np.all(mg.diagnostics.hidden_grad_norms(lstm.cell_states) > 0)
    assert np.all(mg.diagnostics.hidden_grad_norms(lstm, layer=0) > 0)


def test_hidden_grad_norms_explains_misuse():
    with pytest.raises(ValueError, match="has not run forward"):
        mg.diagnostics.hidden_grad_norms(mg.nn.GRU(2, 3))
    with pytest.raises(TypeError, match="list of the per-step hidden states"):
        mg.diagnostics.hidden_grad_norms(mg.Tensor([1.0]))


def test_truncated_bptt_with_detach_stops_the_gradient_at_the_chunk_boundary():
    mg.manual_seed(4)
    lstm = mg.nn.LSTM(2, 3)
    rng = np.random.default_rng(9)
    first = mg.Tensor(rng.normal(size=(4, 1, 2)), requires_grad=True)
    second = mg.Tensor(rng.normal(size=(4, 1, 2)))
    _, state = lstm(first)
    state = tuple(s.detach() for s in state)
    output, _ = lstm(second, state)
    output.sum().backward()
    assert first.grad is None  # nothing flowed back into the previous chunk
    truncated = {n: p.grad.copy() for n, p in lstm.named_parameters()}
    # Same gradients as a fresh run that starts from the same (constant) state.
    lstm.zero_grad()
    fresh, _ = lstm(second, tuple(mg.Tensor(s.data) for s in state))
    fresh.sum().backward()
    for name, p in lstm.named_parameters():
        np.testing.assert_array_equal(truncated[name], p.grad)
    # Without detach the first chunk receives a gradient.
    lstm.zero_grad()
    _, state = lstm(first)
    lstm(second, state)[0].sum().backward()
    assert first.grad is not None and np.abs(first.grad).sum() > 0


# ---- errors a learner can act on -----------------------------------------------------------------
def test_wrong_input_rank_and_feature_size_are_explained():
    lstm = mg.nn.LSTM(8, 16)
    with pytest.raises(ValueError, match=r"expected a 3-D input \(seq_len, batch, input_size\)"):
        lstm(np.zeros((2, 3, 4, 8)))
    with pytest.raises(ValueError, match="has 5 features in its last axis, expected 8"):
        lstm(np.zeros((10, 2, 5)))
    with pytest.raises(ValueError, match="axis 1 has size 8: the features must be the last axis"):
        lstm(np.zeros((4, 8, 10)))
    with pytest.raises(ValueError, match="for a whole sequence use GRU"):
        mg.nn.GRUCell(8, 4)(np.zeros((10, 2, 8)))
    with pytest.raises(ValueError, match="empty"):
        lstm(np.zeros((0, 2, 8)))


def test_batch_first_confusion_names_the_axes():
    rnn = mg.nn.RNN(3, 4)  # batch_first=False: input (seq, batch, features)
    x = np.zeros((8, 20, 3))  # meant as (batch 8, seq 20) but read as (seq 8, batch 20)
    h0 = np.zeros((1, 8, 4))
    with pytest.raises(ValueError) as err:
        rnn(x, h0)
    message = str(err.value)
    assert "h_0 has shape (1, 8, 4), expected (1, 20, 4)" in message
    assert "batch is axis 1 (size 20) because batch_first=False; axis 0 is time" in message
    assert "pass batch_first=True" in message
    out, h_n = mg.nn.RNN(3, 4, batch_first=True)(x, h0)
    assert out.shape == (8, 20, 4) and h_n.shape == (1, 8, 4)


def test_initial_state_errors():
    lstm = mg.nn.LSTM(3, 4, num_layers=2)
    x = np.zeros((5, 2, 3))
    with pytest.raises(ValueError, match=r"c_0 has shape \(2, 2, 5\), expected \(2, 2, 4\)"):
        lstm(x, (np.zeros((2, 2, 4)), np.zeros((2, 2, 5))))
    with pytest.raises(TypeError, match=r"pair \(h_0, c_0\)"):
        lstm(x, np.zeros((2, 2, 4)))
    with pytest.raises(TypeError, match="only an LSTM takes a pair"):
        mg.nn.GRU(3, 4)(x, (np.zeros((1, 2, 4)), np.zeros((1, 2, 4))))
    with pytest.raises(ValueError, match=r"hx has shape \(3, 4\), expected \(2, 4\)"):
        mg.nn.RNNCell(3, 4)(np.zeros((2, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        mg.nn.RNN(3, 4, nonlinearity="sigmoid")


# ---- Embedding --------------------------------------------------------------------------------------
def test_embedding_scatter_adds_gradients_of_repeated_indices():
    mg.manual_seed(5)
    emb = mg.nn.Embedding(5, 3)
    ids = np.array([[0, 2, 0], [4, 0, 2]])
    out = emb(ids)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.data[0, 1], emb.weight.data[2])
    upstream = np.random.default_rng(10).normal(size=(2, 3, 3))
    (out * upstream).sum().backward()
    expected = np.zeros((5, 3))
    for position, row in np.ndenumerate(ids):
        expected[row] += upstream[position]
    np.testing.assert_allclose(emb.weight.grad, expected, atol=1e-15)
    assert np.all(emb.weight.grad[[1, 3]] == 0)  # unused rows get nothing
    (numeric,) = mg.numerical_grad(lambda w: (F.embedding(ids, w) * upstream).sum(), [emb.weight])
    np.testing.assert_allclose(emb.weight.grad, numeric, atol=1e-8)
    assert emb.weight.data.std() > 0.5  # N(0, 1) as in PyTorch


def test_embedding_errors_name_dtype_and_range():
    emb = mg.nn.Embedding(10, 4)
    with pytest.raises(TypeError, match="indices must be integers.*float64.*astype"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="integers"):
        emb(mg.Tensor([1.0]))
    with pytest.raises(
        ValueError, match=r"index 10 is out of range for a table of 10 rows.*0\.\.9"
    ):
        emb(np.array([3, 10]))
    with pytest.raises(ValueError, match="index -1 is out of range"):
        emb(np.array([-1]))


def test_embedding_feeds_an_lstm_language_model_that_learns():
    mg.manual_seed(6)
    text = np.array([0, 1, 2, 3] * 6)  # a cycle: each token predicts the next
    emb, lstm, head = mg.nn.Embedding(4, 8), mg.nn.LSTM(8, 16), mg.nn.Linear(16, 4)
    params = emb.parameters() + lstm.parameters() + head.parameters()
    opt = mg.optim.Adam(params, lr=0.05)
    losses = []
    for _ in range(30):
        output, _ = lstm(emb(text[:-1].reshape(-1, 1)))
        loss = F.cross_entropy(head(output.reshape(-1, 16)), text[1:])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[0] > 1.2 and losses[-1] < 0.1


# ---- pictures -------------------------------------------------------------------------------------
def test_drawing_an_unrolled_lstm_names_the_steps_and_marks_no_broadcast():
    mg.manual_seed(7)
    lstm = mg.nn.LSTM(1, 2)
    output, _ = lstm(mg.Tensor([[[1.0]], [[0.5]], [[-1.0]]]))
    loss = (output[-1] ** 2).sum()
    loss.backward()
    source = mg.draw(loss, module=lstm, show_data=False).source
    for name in ("x₁", "h₁", "c₁", "h₂", "c₂", "h₃", "c₃", "weight_hh_l0", "lstm_cell_state"):
        assert name in source, name
    # The outputs are stacked along time: joined, not broadcast, so no "grad summed back" edge.
    assert "grad summed back" not in source
    assert source.count("lstm_hidden") == 3 and source.count("lstm_cell_state") == 3


def test_named_steps_group_each_steps_nodes_for_a_picture():
    mg.manual_seed(8)
    gru = mg.nn.GRU(1, 2, num_layers=2)
    output, _ = gru(mg.Tensor(np.ones((3, 1, 1))))
    output.sum().backward()
    steps = gru.named_steps()
    assert {name.split(".")[0] for name in steps} == {"step 1", "step 2", "step 3"}
    assert steps["step 2.h₂ (layer 1)"] is gru.hidden_states[1]
    assert steps["step 1.h₀ (layer 0)"].label == "h₀ (layer 0)"
    parameter_ids = {id(p) for p in gru.parameters()}
    assert not parameter_ids & {id(node) for node in steps.values()}
    # every node of the graph but the parameters' own (Wᵀ) and the loss's is in exactly one step
    graph = mg.topological_order([output], all_nodes=True)
    unassigned = [n for n in graph if id(n) not in {id(v) for v in steps.values()}]
    assert all(n.op in ("", "transpose", "stack") for n in unassigned), [n.op for n in unassigned]
    source = mg.draw(output.sum(), params=steps).source
    assert source.count('label="step ') == 3
